"""KVM decode speed: full-frame decode at 1024x768 and 1280x1024 for both codecs, plus the
screenshot end to end against the emulator. Prints figures only (targets: OldRLE <= 5 ms,
tiled JPEG <= 15 ms per full frame, screenshot <= 1.5 s)."""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vessel_core.drivers.kvm import KvmTiming, capture_screenshot  # noqa: E402
from vessel_core.drivers.kvm.codecs.oldrle import bgr233_to_rgb, decode_oldrle, encode_oldrle  # noqa: E402
from vessel_core.drivers.kvm.codecs.tiled import TiledDecoder, TiledEncoder  # noqa: E402
from vessel_core.sim.kvm import screens  # noqa: E402


def timed(fn, repeat: int = 15) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs) * 1000


def busy_console(w: int, h: int) -> np.ndarray:
    """A full text console: every line filled (a dmesg-like screen)."""
    rows = (h - 32) // 16
    text = "[%8.6f] pci 0000:%02x:00.0: BAR 0: assigned [mem 0x%08x-0x%08x 64bit pref]"
    lines = tuple(((text % (i * 0.0173, i, i << 20, (i << 20) + 0xFFFF))[: w // 6 - 4],
                   screens.GREY if i % 3 else screens.WHITE) for i in range(rows))
    return screens.render(screens.Screen("bench", w, h, lines, screens.BLACK))


def photo(w: int, h: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(xx / 37.0), 128 + 100 * np.cos(yy / 23.0),
                    128 + 90 * np.sin((xx + yy) / 51.0)], axis=-1)
    return np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)


def main() -> None:
    print("codec     screen     content        frame_bytes  decode_ms  decode+rgb_ms")
    for w, h in ((1024, 768), (1280, 1024)):
        for name, fb in (("text console", busy_console(w, h)),
                         ("noise 30%", np.where(np.random.default_rng(1).random((h, w)) < 0.3,
                                                np.random.default_rng(2).integers(0, 256, (h, w)), 0).astype(np.uint8))):
            buf = b"\x00" + encode_oldrle(fb)
            assert np.array_equal(decode_oldrle(buf, w, h), fb)
            d = timed(lambda: decode_oldrle(buf, w, h))
            d2 = timed(lambda: bgr233_to_rgb(decode_oldrle(buf, w, h)))
            print(f"oldrle    {w}x{h:<5} {name:<14} {len(buf):>11}  {d:9.2f}  {d2:13.2f}")
        for name, rgb in (("photo (JPEG)", photo(w, h)), ("text console", bgr233_to_rgb(busy_console(w, h)))):
            enc = TiledEncoder(7)
            buf = b"\x00" + enc.encode(rgb, key_frame=True)
            dec = TiledDecoder()
            d = timed(lambda: dec.decode(buf, w, h, 7))
            print(f"tiled L7  {w}x{h:<5} {name:<14} {len(buf):>11}  {d:9.2f}  {d:13.2f}")
    rgb_expansion()
    asyncio.run(screenshot_e2e())
    asyncio.run(data_source_e2e())


def _numpy_gather_rgb(pixels: np.ndarray) -> np.ndarray:
    """The previous expansion (baseline): gather 4-byte LUT entries, drop the 4th byte."""
    from vessel_core.drivers.kvm.codecs.oldrle import _LUT32

    packed = np.take(_LUT32, pixels)
    return packed.view(np.uint8).reshape(pixels.shape + (4,))[..., :3].copy()


def rgb_expansion() -> None:
    """BGR233 -> RGB alone and OldRLE decode + expansion of a text console, both measured in
    this run: the NumPy gather (before) against the Pillow palette path (now)."""
    print("OldRLE BGR233->RGB expansion (target: decode + expansion <= 5 ms per full frame)")
    print("screen     rgb_numpy_ms  rgb_now_ms  speed-up  decode+rgb_numpy_ms  decode+rgb_now_ms")
    for w, h in ((1024, 768), (1280, 1024)):
        fb = busy_console(w, h)
        buf = b"\x00" + encode_oldrle(fb)
        assert np.array_equal(_numpy_gather_rgb(fb), bgr233_to_rgb(fb))
        before = timed(lambda: _numpy_gather_rgb(fb), 31)
        after = timed(lambda: bgr233_to_rgb(fb), 31)
        d_before = timed(lambda: _numpy_gather_rgb(decode_oldrle(buf, w, h)), 31)
        d_after = timed(lambda: bgr233_to_rgb(decode_oldrle(buf, w, h)), 31)
        print(f"{w}x{h:<5}  {before:12.2f}  {after:10.2f}  {before / after:7.1f}x  {d_before:19.2f}  {d_after:17.2f}")


async def screenshot_e2e() -> None:
    from vessel_core.sim.emulator import Emulator, EmulatorOptions

    with tempfile.TemporaryDirectory() as d:
        emu = Emulator(d, EmulatorOptions(seed=1, max_web_sessions=50))  # each capture logs in afresh
        await emu.start()
        try:
            emu.state.blades[1].power_state = "On"
            h = emu.info["hmm"]
            print("screenshot end to end (web login + kvm.html + SMM + blade channel + first frame)")
            for label, timing in (("vessel warm-up 3 x 0.5 s", KvmTiming()),
                                  ("no warm-up gaps", KvmTiming(smm_warmup_interval=0.0))):
                for enc in ("oldrle", "tiled"):
                    runs = []
                    for _ in range(3):
                        t = time.perf_counter()
                        f = await capture_screenshot(h["host"], h["username"], h["password"], 1, port=h["port"],
                                                     verify_tls=False, encoding_hint=enc, timeout=20, timing=timing)
                        runs.append(time.perf_counter() - t)
                    print(f"  {enc:<7} {label:<26} {f.width}x{f.height}  median {statistics.median(runs) * 1000:7.1f} ms")
        finally:
            await emu.stop()


# ----------------------------------------------------------------------------- data source end to end

_TF_MAIN = """
terraform {
  required_providers {
    vessel = { source = "registry.terraform.io/popsolutions/vessel" }
  }
}
provider "vessel" {
  endpoint = "%(endpoint)s"
  username = "%(username)s"
  ca_cert  = "%(ca)s"
}
%(body)s
"""
_TF_SHOT = """
data "vessel_kvm_screenshot" "s" {
  slot          = 1
  encoding_hint = "%s"
}
output "sha" { value = data.vessel_kvm_screenshot.s.sha256 }
"""


async def _terraform(tf_bin: str, workdir: Path, env: dict[str, str], *args: str) -> float:
    t = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(tf_bin, *args, "-no-color", "-input=false", cwd=workdir, env=env,
                                                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"terraform {' '.join(args)} exited {proc.returncode}: {(out + err).decode()[-2000:]}")
    return time.perf_counter() - t


async def data_source_e2e() -> None:
    """``data "vessel_kvm_screenshot"`` end to end: ``terraform apply`` with one screenshot (the
    provider's default KVM pacing, i.e. the 3 x 0.5 s SMM warm-up of the live sequence) against
    an apply with the same provider block and no screenshot (baseline in this run), and the same
    capture in process through the data source's shared web login."""
    import os
    import shutil
    import sys as _sys

    from vessel_core.session import Session, SessionSettings
    from vessel_core.sim.emulator import Emulator, EmulatorOptions

    target = 1.5
    tf_bin = os.environ.get("TF_BIN") or shutil.which("tofu") or shutil.which("terraform")
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        emu = Emulator(root / "sim", EmulatorOptions(seed=1, max_web_sessions=50))
        await emu.start()
        try:
            emu.state.blades[1].power_state = "On"
            h = emu.info["hmm"]
            print(f"vessel_kvm_screenshot end to end (target <= {target:.1f} s per screenshot)")
            session = Session.open(SessionSettings(
                endpoint=f"https://{h['host']}:{h['port']}", username=h["username"],
                password=h["password"], ca_cert_path=emu.info["ca_cert"]))
            for enc in ("oldrle", "tiled"):
                runs = []
                for _ in range(3):
                    t = time.perf_counter()
                    await session.chassis.kvm.screenshot(1, encoding_hint=enc, timeout=20)
                    runs.append(time.perf_counter() - t)
                print(f"  in process, shared login  {enc:<7} first {runs[0]:6.2f} s  then median "
                      f"{statistics.median(runs[1:]):6.2f} s   target {target:.1f} s")
            await session.aclose()
            if not tf_bin:
                print("  terraform apply: no terraform/tofu binary found (set TF_BIN)")
                return
            bindir = root / "bin"
            bindir.mkdir()
            launcher = bindir / "terraform-provider-vessel"
            launcher.write_text(f'#!/bin/sh\nexec "{_sys.executable}" -m tfprovider.main "$@"\n')
            launcher.chmod(0o755)
            (root / "cli.tfrc").write_text('provider_installation {\n  dev_overrides { '
                                           f'"registry.terraform.io/popsolutions/vessel" = "{bindir}" }}\n'
                                           '  direct {}\n}\n')
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "VESSEL_"))}
            env.update(TF_CLI_CONFIG_FILE=str(root / "cli.tfrc"), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                       VESSEL_PASSWORD=h["password"], PYTHONPATH=str(Path(__file__).resolve().parents[1]))
            fill = {"endpoint": f"https://{h['host']}:{h['port']}", "username": h["username"], "ca": emu.info["ca_cert"]}
            for label, body in (("no screenshot (baseline)", ""), ("1 screenshot oldrle", _TF_SHOT % "oldrle"),
                                ("1 screenshot tiled", _TF_SHOT % "tiled")):
                work = root / label.split()[0] / label.split()[-1].strip("()")
                work.mkdir(parents=True)
                (work / "main.tf").write_text(_TF_MAIN % {**fill, "body": body})
                runs = [await _terraform(tf_bin, work, env, "apply", "-auto-approve") for _ in range(3)]
                med = statistics.median(runs)
                if body == "":
                    base = med
                    print(f"  terraform apply, {label:<25} median {med:6.2f} s")
                else:
                    print(f"  terraform apply, {label:<25} median {med:6.2f} s  (baseline + {med - base:5.2f} s)"
                          f"   target {target:.1f} s")
        finally:
            await emu.stop()


if __name__ == "__main__":
    main()
