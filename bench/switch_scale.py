"""Switch resources at scale against the emulated chassis, with the real terraform binary.

Prints figures only:

* plan (refresh) of 200 ``vessel_vlan`` + 48 ``vessel_switch_port`` on one switch: VRP CLI
  commands the switch received during the plan, and wall time, next to a plan of the same
  number of ``terraform_data`` resources in the same run (targets: <= 5 commands per switch
  per refresh, plan-time ratio <= 3);
* apply of 100 new VLANs: configuration commits on the switch (target <= 5), at the default
  ``-parallelism=10`` and at ``-parallelism=50``.

Commands are counted inside the emulator (every line the VRP engine of switch 2X is fed).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from tfharness import find_tf_bin  # noqa: E402

from vessel_core.sim.testing import start_emulator  # noqa: E402
from vessel_core.sim.vrp import engine  # noqa: E402

N_VLANS, N_PORTS, N_NEW = 200, 48, 100
HEAD = 'terraform {\n  required_providers {\n    vessel = { source = "popsolutions/vessel" }\n  }\n}\nprovider "vessel" {}\n'

fed: list[str] = []
_orig_feed = engine.VrpCli.feed


def _counting_feed(self, line):  # noqa: ANN001, ANN202
    if self.sw.slot == 2 and not self.awaiting_answer and not self.awaiting_key:
        fed.append(line.strip())
    return _orig_feed(self, line)


engine.VrpCli.feed = _counting_feed  # type: ignore[method-assign]


class Sim:
    def __init__(self, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop_ev: asyncio.Event | None = None
        self.emu = None
        self.thread = threading.Thread(target=self._main, args=(root,), daemon=True)
        self.thread.start()
        self.ready.wait(60)

    def _main(self, root: Path) -> None:
        async def run() -> None:
            self.stop_ev = asyncio.Event()
            async with start_emulator(root, vrp="vrp8") as emu:
                self.emu = emu
                self.ready.set()
                await self.stop_ev.wait()
        self.loop.run_until_complete(run())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_ev.set)  # type: ignore[union-attr]
        self.thread.join(30)


def workspace(root: Path, name: str, sim: Sim | None) -> tuple[Path, dict]:
    d = root / name
    (d / "bin").mkdir(parents=True)
    launcher = d / "bin" / "terraform-provider-vessel"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tfprovider.main "$@"\n')
    launcher.chmod(0o755)
    (d / "cli.tfrc").write_text('provider_installation {\n  dev_overrides { "registry.terraform.io/popsolutions/vessel"'
                                f' = "{d / "bin"}" }}\n  direct {{}}\n}}\n')
    (d / "work").mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CLI_CONFIG_FILE": str(d / "cli.tfrc"), "TF_IN_AUTOMATION": "1",
           "CHECKPOINT_DISABLE": "1"}
    if sim is not None:
        info = sim.emu.info  # type: ignore[union-attr]
        env.update({
            "VESSEL_ENDPOINT": info["hmm"]["url"], "VESSEL_PASSWORD": info["hmm"]["password"],
            "VESSEL_CA_CERT": info["ca_cert"], "VESSEL_SSH_PORT": str(info["ssh"]["port"]),
            "VESSEL_SSH_HOST_KEY_FINGERPRINT": sim.emu._ssh.host_key_fingerprint,  # type: ignore[union-attr]
            "VESSEL_SNAPSHOT_DIR": str(d / "snapshots"), "VESSEL_AUDIT_LOG": str(d / "audit.jsonl"),
        })
    return d / "work", env


def tf(tf_bin: str, cwd: Path, env: dict, *args: str) -> float:
    t0 = time.perf_counter()
    p = subprocess.run([tf_bin, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise SystemExit(f"terraform {' '.join(args)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return time.perf_counter() - t0


def vlans(ids: range) -> str:
    return "".join(f'resource "vessel_vlan" "v{i}" {{\n  switch  = "2X"\n  vlan_id = {i}\n}}\n' for i in ids)


def ports() -> str:
    names = [f"10GE2/{b}/{n}" for b in range(1, 17) for n in (1, 2)] + [f"10GE2/17/{n}" for n in range(1, 17)]
    return "".join(
        f'resource "vessel_switch_port" "p{i}" {{\n  switch = "2X"\n  port = "{p}"\n  link_type = "trunk"\n'
        f'  allowed_vlans = [100, 101]\n  description = "bench {i}"\n}}\n' for i, p in enumerate(names[:N_PORTS]))


def main() -> None:
    tf_bin = find_tf_bin()
    if not tf_bin:
        raise SystemExit("no terraform/tofu binary (set TF_BIN)")
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-switch-"))
    sim = Sim(root / "sim")
    try:
        plan = ("plan", "-input=false", "-no-color", "-lock=false")
        apply = ("apply", "-auto-approve", "-input=false", "-no-color", "-lock=false")

        # -- apply of 100 new VLANs: commits at the default parallelism and at 50
        for par in (10, 50):
            work, env = workspace(root, f"new{par}", sim)
            base = 1000 + par * 10
            (work / "main.tf").write_text(HEAD + vlans(range(base, base + N_NEW)))
            fed.clear()
            secs = tf(tf_bin, work, env, *apply, f"-parallelism={par}")
            commits = sum(1 for c in fed if c.startswith("commit"))
            print(f"apply {N_NEW} new vessel_vlan (-parallelism={par}): {commits} commits, "
                  f"{len(fed)} CLI commands, {secs:.1f}s")
            tf(tf_bin, work, env, "destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false",
               f"-parallelism={par}")

        # -- refresh plan of 200 VLANs + 48 ports
        work, env = workspace(root, "scale", sim)
        (work / "main.tf").write_text(HEAD + vlans(range(100, 100 + N_VLANS)) + ports())
        tf(tf_bin, work, env, *apply, "-parallelism=50")
        fed.clear()
        t_vessel = tf(tf_bin, work, env, *plan)
        n_cmds = len(fed)
        t_vessel2 = tf(tf_bin, work, env, *plan)

        base_work, base_env = workspace(root, "baseline", None)
        n = N_VLANS + N_PORTS
        (base_work / "main.tf").write_text(
            "".join(f'resource "terraform_data" "d{i}" {{\n  input = "{i}"\n}}\n' for i in range(n)))
        tf(tf_bin, base_work, base_env, *apply, "-parallelism=50")
        t_base = tf(tf_bin, base_work, base_env, *plan)
        t_base2 = tf(tf_bin, base_work, base_env, *plan)
        tv, tb = min(t_vessel, t_vessel2), min(t_base, t_base2)
        print(f"plan (refresh) {N_VLANS} vessel_vlan + {N_PORTS} vessel_switch_port on one switch: "
              f"{n_cmds} CLI commands to the switch ({', '.join(sorted(set(fed)))}), {tv:.2f}s")
        print(f"plan of {n} terraform_data: {tb:.2f}s")
        print(f"plan-time ratio vessel / terraform_data: {tv / tb:.2f}")
    finally:
        sim.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
