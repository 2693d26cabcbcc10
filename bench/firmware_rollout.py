"""A full-chassis firmware rollout against the emulated chassis, through the SDK.

Both HMMs, both CX310s (2X/3X), and every present blade's iBMC and BIOS (hosts that run are
powered off for the BIOS and back on), ``max_unavailable`` blades a wave. Prints:

* the measured wall time of the rollout (planning, staging, every wave's upload, flash, poll
  and health gate);
* the fastest schedule the invariants allow, computed from the same per-component durations
  (the emulator's timing): the HMM track (standby, failover, other), the switch track (one of
  each pair, then the other, each with its reboot) and the blade track (ceil(n / max_unavailable)
  rounds of iBMC, power off, BIOS, power on) overlapping, since no invariant orders them;
* flashing everything one by one (the sum of the same durations);
* both ratios.

The emulator runs with ``Timing.fast()`` scaled by ``--scale`` (1 = a 1 s flash).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "chassis")]

from chassis_helpers import chassis_for  # noqa: E402

from vessel_core.firmware import Desired, Policy, plan_waves  # noqa: E402
from vessel_core.firmware.image import stage  # noqa: E402
from vessel_core.firmware.inventory import read_inventory  # noqa: E402
from vessel_core.firmware.rollout import Rollout  # noqa: E402
from vessel_core.safety import AuditLog, Guard, SnapshotStore, default_actor  # noqa: E402
from vessel_core.sim.images import make_image  # noqa: E402
from vessel_core.sim.testing import start_emulator  # noqa: E402
from vessel_core.sim.timing import Timing  # noqa: E402

WANT = {"hmm": "7.70", "switch": "V100R001C00SPC300", "ibmc": "6.10", "bios": "V502"}


def bounds(plan, t: Timing, max_unavailable: int, blades_on: set[int]) -> tuple[float, float]:
    """(fastest schedule the invariants allow, one by one) from the emulator's durations."""
    f = t.flash_s
    hmm = [s for s in plan.steps if s.kind == "hmm"]
    sw = [s for s in plan.steps if s.kind == "switch"]
    hmm_track = len(hmm) * f + (t.failover_s if len(hmm) == 2 else 0.0)
    switch_rounds = len({w.index for w in plan.waves for s in w.steps if s.kind == "switch"})
    switch_track = switch_rounds * (f + t.switch_reboot_s)
    per_blade = {}
    for s in plan.steps:
        if s.target.startswith("Slot"):
            slot = int(s.target[4:])
            power = (t.force_off_s + t.power_on_s) if s.kind == "bios" and slot in blades_on else 0.0
            per_blade[slot] = per_blade.get(slot, 0.0) + f + power
    longest = max(per_blade.values(), default=0.0)
    blade_track = math.ceil(len(per_blade) / max_unavailable) * longest
    fastest = max(hmm_track, switch_track, blade_track)
    one_by_one = hmm_track + len(sw) * (f + t.switch_reboot_s) + sum(per_blade.values())
    return fastest, one_by_one


async def main(scale: float, max_unavailable: int) -> None:
    fast = Timing.fast()
    timing = fast.model_copy(update={k: getattr(fast, k) * scale for k in (
        "flash_s", "switch_reboot_s", "failover_s", "power_on_s", "force_off_s")})
    with tempfile.TemporaryDirectory(prefix="vessel-fw-bench-") as tmp:
        root = Path(tmp)
        async with start_emulator(root / "emu", timing=timing) as emu, chassis_for(emu) as ch:
            ch.guard = Guard(SnapshotStore(root / "snaps"), AuditLog(root / "audit.jsonl"), default_actor("bench"),
                             verify_deadline=30, retry_interval=0.05)
            ch.management.active.poll_interval = 0.05
            images = {}
            for kind, version in WANT.items():
                p = root / f"{kind}.hpm"
                p.write_bytes(make_image(kind, version, size=64 * 1024))
                images[kind] = stage(str(p), kind, version, hashlib.sha256(p.read_bytes()).hexdigest())
            started = time.monotonic()
            inv = await read_inventory(ch)
            policy = Policy(max_unavailable=max_unavailable, allow_host_reboot=True)
            plan = plan_waves(inv, {k: Desired(v) for k, v in WANT.items()}, policy)
            await Rollout(ch, plan, images, gate_timeout=60, poll_interval=0.05).run()
            wall = time.monotonic() - started
            on = {slot for slot, p in inv.blade_power.items() if p == "On"}
            fastest, one_by_one = bounds(plan, timing, max_unavailable, on)
    blades = len({s.target for s in plan.steps if s.target.startswith("Slot")})
    print(f"firmware rollout: 2 HMMs, {len({s.target for s in plan.steps if s.kind == 'switch'})} switches, "
          f"{blades} blades (iBMC + BIOS, {len(on)} hosts running), max_unavailable={max_unavailable}, "
          f"{len(plan.waves)} waves, flash {timing.flash_s:g}s")
    print(f"  measured wall time           {wall:8.2f} s")
    print(f"  fastest schedule (bound)     {fastest:8.2f} s   measured / fastest    = {wall / fastest:5.2f}")
    print(f"  one by one                   {one_by_one:8.2f} s   one by one / measured = {one_by_one / wall:5.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the fast emulator timings")
    ap.add_argument("--max-unavailable", type=int, default=4)
    a = ap.parse_args()
    asyncio.run(main(a.scale, a.max_unavailable))
