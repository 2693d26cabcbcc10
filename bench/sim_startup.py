"""Emulator start-up time: `vessel-sim` exec to its ready JSON line (target < 2 s).

Prints the median of several cold (new state folder: certificates and chassis generated) and
warm (existing state folder) starts per profile, and the bare interpreter start as a baseline
measured in the same run.
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("SIM_BENCH_RUNS", "5"))


def one(state: str, profile: str) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "vessel_core.sim.cli", "--state", state,
                             "--profile", profile], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        elapsed = time.perf_counter() - t
        json.loads(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return elapsed


def baseline() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t


def main() -> None:
    base = statistics.median(baseline() for _ in range(RUNS))
    print(f"python -c pass: median {base * 1000:.0f} ms over {RUNS} runs (baseline)")
    for profile in ("legacy", "modern"):
        with tempfile.TemporaryDirectory() as root:
            cold = [one(os.path.join(root, f"c{i}"), profile) for i in range(RUNS)]
            warm = [one(os.path.join(root, "c0"), profile) for _ in range(RUNS)]
        for kind, xs in (("cold", cold), ("warm", warm)):
            med = statistics.median(xs)
            print(f"vessel-sim --profile {profile} {kind}: median {med * 1000:.0f} ms "
                  f"(min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}) = {med / base:.1f}x baseline; "
                  f"target < 2000 ms: {'met' if med < 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
