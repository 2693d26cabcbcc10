"""``vessel-sim``: run the emulated chassis until SIGTERM/SIGINT.

Prints exactly one JSON line on stdout once every service listens (the keys of
``Emulator.info``: ``hmm``, ``ibmc``, ``ssh``, ``kvm``, ``switches``, ``admin``, ``ca_cert``,
…); logs go to stderr. On SIGTERM the listeners close, the state is saved and the exit code is 0.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from pydantic import ValidationError

from vessel_core.sim.emulator import Emulator, EmulatorOptions, dumps_info, parse_vrp
from vessel_core.sim.faults import Faults
from vessel_core.sim.timing import Timing


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vessel-sim", description="Emulated Huawei E9000 chassis on loopback")
    p.add_argument("--state", required=True, help="state folder (chassis.json, certificates)")
    p.add_argument("--profile", choices=("legacy", "modern"), default="legacy")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--vrp", default="vrp8", help="vrp5|vrp8, or per switch: 2=vrp5,3=vrp8")
    p.add_argument("--port-base", type=int, default=None,
                   help="HMM HTTPS=base, SSH=base+1, switch S direct SSH=base+2+S, iBMC of blade N=base+10+N (default: random)")
    p.add_argument("--password", default=None, help="root password of a new chassis")
    p.add_argument("--faults", default=None, help="JSON object of fault knobs")
    p.add_argument("--factory-reset", action="store_true",
                   help="wipe every menu of the state folder's chassis to its default before serving")
    p.add_argument("--fast", action="store_true", help="sub-second power and flash timings")
    p.add_argument("--log-level", default="WARNING")
    return p


async def _run(args: argparse.Namespace) -> int:
    opts = {"profile": args.profile, "seed": args.seed, "bind": args.bind,
            "vrp": parse_vrp(args.vrp), "port_base": args.port_base}
    if args.password:
        opts["password"] = args.password
    faults = Faults.model_validate(json.loads(args.faults)) if args.faults else Faults()
    emu = Emulator(args.state, EmulatorOptions(**opts), faults=faults,
                   timing=Timing.fast() if args.fast else Timing())
    if args.factory_reset:
        emu.factory_reset()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await emu.start()
    try:
        sys.stdout.write(dumps_info(emu.info) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await emu.stop()
    return 0


def make_image_main(argv: list[str]) -> int:
    """``vessel-sim make-image --component C --version V --out FILE``: an image the emulator
    recognises (format: ``vessel_core/sim/images.py``); prints its SHA-256."""
    import hashlib
    from pathlib import Path

    from vessel_core.sim.images import COMPONENTS, make_image

    p = argparse.ArgumentParser(prog="vessel-sim make-image", description=make_image_main.__doc__)
    p.add_argument("--component", required=True, choices=COMPONENTS)
    p.add_argument("--version", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=4096, help="bytes (header included)")
    args = p.parse_args(argv)
    try:
        data = make_image(args.component, args.version, size=args.size)
    except ValueError as exc:
        print(f"vessel-sim make-image: {exc}", file=sys.stderr)
        return 2
    Path(args.out).write_bytes(data)
    print(hashlib.sha256(data).hexdigest())
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["make-image"]:
        return make_image_main(argv[1:])
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return asyncio.run(_run(args))
    except (ValueError, ValidationError) as exc:
        print(f"vessel-sim: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"vessel-sim: cannot listen: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
