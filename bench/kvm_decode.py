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
    asyncio.run(screenshot_e2e())


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


if __name__ == "__main__":
    main()
