"""Bundler choice for the released provider: build time, size and start-up of each candidate.

Builds the provider with PyInstaller onefile and onedir (``release/build.py``) into a temp
directory, then measures exec -> handshake line and exec -> first RPC answered over mTLS
(median of 20 runs each, interleaved, same harness as bench/startup.py) next to the
development entry point. Terraform starts the provider 3-4 times per plan/apply, so start-up
decides. Prints figures only. ``BUNDLERS=pyinstaller-onedir,...`` narrows the set
(``nuitka-standalone`` / ``nuitka-onefile`` are accepted but take very long on 2 cores).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import startup  # noqa: E402  (bench/startup.py: the measuring harness)

from release import build  # noqa: E402

RUNS = startup.RUNS
VERSION = "0.0.0-bench"
DEFAULT = ("pyinstaller-onedir", "pyinstaller-onefile")


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def main() -> None:
    bundlers = [b for b in os.environ.get("BUNDLERS", ",".join(DEFAULT)).split(",") if b]
    client = startup.client_identity()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    env.update({startup.COOKIE[0]: startup.COOKIE[1], "PLUGIN_PROTOCOL_VERSIONS": "5,6",
                "PLUGIN_CLIENT_CERT": client[1].decode()})
    rows = []
    with tempfile.TemporaryDirectory(prefix="vessel-bundlers-") as tmp:
        cmds = {"dev entry point": startup.entry_point()}
        facts = {"dev entry point": ("-", "-", "-")}
        for b in bundlers:
            t0 = time.monotonic()
            out = build.release(VERSION, b, dist=Path(tmp) / b / "dist", work=Path(tmp) / b / "work")
            built = time.monotonic() - t0
            z = next(out.glob("*.zip"))
            pkg = build.unpack(z, Path(tmp) / b / "unpacked")
            exe = pkg / build.exe_name(VERSION)
            size = sum(p.stat().st_size for p in pkg.rglob("*") if p.is_file())
            cmds[b] = [str(exe)]
            facts[b] = (f"{built:.0f} s", f"{z.stat().st_size / 1e6:.0f} MB", f"{size / 1e6:.0f} MB")
        for cmd in cmds.values():  # warm-up: page cache, .pyc files, onefile's first extraction
            startup.time_to_serving(cmd, env, client)
        results: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in cmds}
        for _ in range(RUNS):  # interleaved so every candidate sees the same machine load
            for name, cmd in cmds.items():
                h, s = startup.time_to_serving(cmd, env, client)
                results[name][0].append(h)
                results[name][1].append(s)
        dev = statistics.median(results["dev entry point"][1])
        for name, (h, s) in results.items():
            rows.append((name, *facts[name], _ms(h), _ms(s), f"{statistics.median(s) / dev:.2f}x"))
    print(f"runs: {RUNS} per candidate (median), AutoMTLS, {os.cpu_count()} cores")
    head = ("candidate", "build", "zip", "unpacked", "handshake", "first RPC", "vs dev")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))


if __name__ == "__main__":
    main()
