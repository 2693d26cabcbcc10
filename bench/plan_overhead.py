"""`terraform plan` of 200 test-provider resources versus 200 built-in `terraform_data`.

Both configurations are planned in the same run, from empty state (create plan) and again
after apply (refresh + no-op plan). Prints median wall times and the ratio (target <= 2.0),
plus the CPU time of terraform and its provider processes (steadier than wall time on a
loaded machine) and a 1-resource plan: what every command pays whatever its size (the
provider is started 3 times per plan).
"""
from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from tfharness import find_tf_bin, tf_env, write_dev_overrides  # noqa: E402

N = 200
ROUNDS = 5

TESTPROV = """
terraform {
  required_providers {
    testprov = { source = "example.com/test/testprov" }
  }
}
provider "testprov" {}
resource "testprov_thing" "t" {
  count = %d
  name  = "thing-${count.index}"
  tags  = { index = tostring(count.index) }
  ports = [{ number = 80 }, { number = 443 }]
  rule {
    action = "allow"
  }
}
""" % N

BUILTIN = """
resource "terraform_data" "t" {
  count = %d
  input = { name = "thing-${count.index}", tags = { index = tostring(count.index) }, ports = [80, 443] }
}
""" % N


def run(tf: str, cwd: Path, env: dict, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of terraform and the provider processes it started)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([tf, *args, "-no-color", "-input=false"], cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 2):
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{p.stdout}\n{p.stderr}")
    return dt, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def main() -> None:
    tf = find_tf_bin()
    if not tf:
        sys.exit("no terraform/tofu binary (set TF_BIN)")
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-"))
    try:
        cli, _ = write_dev_overrides(root, "example.com/test/testprov",
                                     [sys.executable, REPO / "tests" / "testprovider" / "launch.py"])
        # an installed provider runs from compiled .pyc files: let the warm-up plans write them
        env = tf_env(cli, drop=("TF_", "PLUGIN_", "PYTHONDONTWRITEBYTECODE"), TF_PLUGIN_CACHE_DIR=str(root / "cache"))
        (root / "cache").mkdir()
        dirs = {"testprov": root / "testprov", "terraform_data": root / "builtin", "testprov x1": root / "one"}
        bodies = {"testprov": TESTPROV, "terraform_data": BUILTIN, "testprov x1": TESTPROV.replace(f"count = {N}", "count = 1")}
        envs = {}
        for i, (name, body) in enumerate(bodies.items()):
            dirs[name].mkdir()
            (dirs[name] / "main.tf").write_text(body)
            envs[name] = dict(env, TESTPROV_DEVICE=str(root / f"device{i}.json"))  # one device each
        run(tf, dirs["terraform_data"], env, "init")  # built-in provider: nothing to download
        for name, d in dirs.items():
            run(tf, d, envs[name], "plan")  # warm-up: page cache, .pyc files
        results: dict[str, dict[str, tuple[float, float]]] = {}
        for phase in ("create plan", "no-op plan"):
            if phase == "no-op plan":
                for name, d in dirs.items():
                    run(tf, d, envs[name], "apply", "-auto-approve")
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in dirs}
            for _ in range(ROUNDS):  # interleaved so that all see the same machine load
                for name, d in dirs.items():
                    times[name].append(run(tf, d, envs[name], "plan"))
            results[phase] = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
                              for name, t in times.items()}
        print(f"terraform plan, {N} resources, median of {ROUNDS} ({Path(tf).name}); CPU = terraform + provider processes")
        for phase, r in results.items():
            (w, c), (bw, bc), (ow, oc) = r["testprov"], r["terraform_data"], r["testprov x1"]
            print(f"  {phase:11}  testprov {w:.2f} s (CPU {c:.2f})   terraform_data {bw:.2f} s (CPU {bc:.2f})   "
                  f"ratio {w / bw:.2f} (target <= 2.0), CPU ratio {c / bc:.2f}")
            print(f"  {'':11}  testprov with 1 resource {ow:.2f} s (CPU {oc:.2f}): fixed cost ratio {ow / bw:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
