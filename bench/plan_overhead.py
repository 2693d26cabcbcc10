"""`terraform plan` of 200 test-provider resources versus 200 built-in `terraform_data`.

Both configurations are planned in the same run, from empty state (create plan) and again
after apply (refresh + no-op plan). Prints median wall times and the ratio (target <= 2.0).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from conftest import find_tf_bin  # noqa: E402

N = 200
ROUNDS = 3

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


def run(tf: str, cwd: Path, env: dict, *args: str) -> float:
    t0 = time.perf_counter()
    p = subprocess.run([tf, *args, "-no-color", "-input=false"], cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 2):
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{p.stdout}\n{p.stderr}")
    return dt


def main() -> None:
    tf = find_tf_bin()
    if not tf:
        sys.exit("no terraform/tofu binary (set TF_BIN)")
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-"))
    try:
        bindir = root / "bin"
        bindir.mkdir()
        launcher = bindir / "terraform-provider-testprov"
        launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{REPO}/tests/testprovider/launch.py" "$@"\n')
        launcher.chmod(0o755)
        cli = root / "cli.tfrc"
        cli.write_text(f'provider_installation {{\n  dev_overrides {{ "example.com/test/testprov" = "{bindir}" }}\n  direct {{}}\n}}\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_LOG")}
        env.update(TF_CLI_CONFIG_FILE=str(cli), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                   TESTPROV_DEVICE=str(root / "device.json"), TF_PLUGIN_CACHE_DIR=str(root / "cache"))
        (root / "cache").mkdir()
        dirs = {"testprov": root / "testprov", "terraform_data": root / "builtin"}
        for name, body in (("testprov", TESTPROV), ("terraform_data", BUILTIN)):
            dirs[name].mkdir()
            (dirs[name] / "main.tf").write_text(body)
        run(tf, dirs["terraform_data"], env, "init")  # built-in provider: nothing to download
        results: dict[str, dict[str, float]] = {}
        for phase in ("create plan", "no-op plan"):
            if phase == "no-op plan":
                for d in dirs.values():
                    run(tf, d, env, "apply", "-auto-approve")
            for name, d in dirs.items():
                times = [run(tf, d, env, "plan") for _ in range(ROUNDS)]
                results.setdefault(phase, {})[name] = statistics.median(times)
        print(f"terraform plan, {N} resources, median of {ROUNDS} ({Path(tf).name})")
        for phase, r in results.items():
            ratio = r["testprov"] / r["terraform_data"]
            print(f"  {phase:11}  testprov {r['testprov']:.2f} s   terraform_data {r['terraform_data']:.2f} s   ratio {ratio:.2f} (target <= 2.0)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
