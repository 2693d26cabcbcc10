"""Stateless computing at scale against the emulated chassis, with the real terraform binary.

Prints figures only:

* plan (refresh) of every present blade (13) as ``vessel_blade`` bound to one
  ``vessel_compute_profile``, plus the profile, two ``vessel_vnic_profile``, a
  ``vessel_mac_pool`` and a ``vessel_uuid_pool``, after they were applied: the HMM web
  requests the emulator received during the plan (per handler.actiontype), the same with 4
  blades (target: a count that does not grow with the number of blades), and the plan wall
  time next to a plan of as many ``terraform_data`` resources in the same run (ratio);
* apply of the seed example (``tests/resources/test_stateless.py``: MAC pool, two vNIC profiles,
  the profile and the 10 CH121 blades bound to it) from nothing, at the default
  ``-parallelism=10``: wall time and how many blades were being changed at once, seen from
  the chassis (a ``profilehandler.apply`` until the blade's power cycle ends) and from
  terraform (a blade's "Creating..." until its "Creation complete").

Requests are counted inside the emulator, by a middleware wrapped around each of its HTTPS apps.
The emulator runs with ``Timing.fast()``: a power cycle takes 0.4 s, not the ~6 s of a real blade.
"""
from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from tfharness import find_tf_bin, run_tf, tf_command  # noqa: E402
from vessel_ws import REQUIRED, VesselWorkspace  # noqa: E402

from vessel_core.sim import emulator as sim_emulator  # noqa: E402
from vessel_core.sim.hmm.stateless import APPLY_CAUSE  # noqa: E402
from vessel_core.sim.state import CH121_SLOTS, CH222_SLOTS  # noqa: E402
from vessel_core.sim.testing import EmulatorThread  # noqa: E402
from vessel_core.sim.timing import Timing  # noqa: E402

PRESENT = tuple(sorted(CH121_SLOTS + CH222_SLOTS))
FEW = PRESENT[:4]
RUNS = 3
PLAN = ("plan", "-lock=false", "-detailed-exitcode")
APPLY = ("apply", "-auto-approve", "-lock=false")


# ---------------------------------------------------------------------------- counting in the emulator
class Seen:
    """What the emulator's HTTPS services were asked (filled on the emulator's loop)."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        #: (epoch when a profilehandler.apply arrived, epoch when its blade's power cycle ends: the
        #: answer's when the blade is off and takes the profile at once, whether it power-cycles)
        self.applies: list[tuple[float, float, bool]] = []

    def clear(self) -> None:
        self.requests.clear()
        self.applies.clear()


def web(requests: Counter[str]) -> Counter[str]:
    """The requests of the HMM's web API (not its Redfish service, not the blades' iBMCs)."""
    return Counter({k: n for k, n in requests.items() if not k.startswith(("HMM Redfish", "iBMC"))})


seen = Seen()


def _counting(make: Any) -> Any:
    """Wrap ``fault_middleware(emulator)`` (every app of the emulator has it) with a counter."""
    def factory(emu: Any) -> Any:
        inner = make(emu)

        async def middleware(request: Any, handler: Any) -> Any:
            start = time.time()
            if request.path.startswith("/__sim/"):
                return await inner(request, handler)
            key = f"{request.method} {request.path}"
            if request.url.port != emu.hmm_port:
                key = f"iBMC Redfish {request.method}"
            elif request.path.startswith("/redfish/"):
                key = f"HMM Redfish {request.method}"
            elif request.path.endswith("handler.php") and request.content_type == "application/x-www-form-urlencoded":
                form = await request.post()  # aiohttp keeps it: the dispatcher reads it again
                key = f"{request.path[1:-4]}.{form.get('actiontype', '')}"
            seen.requests[key] += 1
            resp = await inner(request, handler)
            if key == "profilehandler.apply":
                name = str(form.get("bladename", ""))
                blade = emu.state.blades.get(int(name[4:])) if name[4:].isdigit() else None
                pending = blade.pending_power if blade is not None else None
                cycles = pending is not None and pending.cause == APPLY_CAUSE
                seen.applies.append((start, pending.due if cycles else time.time(), cycles))  # type: ignore[union-attr]
            return resp
        middleware.__middleware_version__ = 1  # type: ignore[attr-defined]
        return middleware
    return factory


def max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])  # an end sorts before a start
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


# ---------------------------------------------------------------------------- configurations
def provider_block(emu: EmulatorThread) -> str:
    eps = "".join(f'    "{k}" = "{v["url"]}"\n' for k, v in sorted(emu.info["ibmc"].items(), key=lambda kv: int(kv[0])))
    return REQUIRED.replace('provider "vessel" {}', f'provider "vessel" {{\n  ibmc_endpoints = {{\n{eps}  }}\n}}')


def stateless(slots: tuple[int, ...], uuid_pool: bool) -> str:
    out = ('resource "vessel_mac_pool" "workers" {\n  name  = "workers"\n  start = "02:00:00:AA:00:00"\n  size  = 64\n}\n'
           'resource "vessel_vnic_profile" "mgmt" {\n  name        = "mgmt"\n  vlans       = [10]\n  native_vlan = 10\n}\n'
           'resource "vessel_vnic_profile" "data" {\n  name  = "data"\n  vlans = [100, 200]\n}\n')
    if uuid_pool:
        out += ('resource "vessel_uuid_pool" "workers" {\n  name   = "workers"\n'
                '  prefix = "8F3C2A10-0000-4000-8000-"\n  size   = 32\n}\n')
    out += ('resource "vessel_compute_profile" "worker" {\n  name            = "k8s-worker-template"\n'
            '  bios_boot_order = ["pxe", "disk"]\n'
            '  vnic_profiles   = [vessel_vnic_profile.mgmt.id, vessel_vnic_profile.data.id]\n'
            '  mac_pool        = vessel_mac_pool.workers.id\n'
            + ('  uuid_pool       = vessel_uuid_pool.workers.id\n' if uuid_pool else '')
            + '  power_policy    = "always-on"\n}\n')
    out += "".join(f'resource "vessel_blade" "s{s}" {{\n  slot    = {s}\n'
                   '  profile = vessel_compute_profile.worker.id\n}\n' for s in slots)
    return out


def data(n: int) -> str:
    return "".join(f'resource "terraform_data" "d{i}" {{\n  input = "{i}"\n}}\n' for i in range(n))


# ---------------------------------------------------------------------------- terraform runs
def timed(ws: VesselWorkspace, *args: str, cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    p = run_tf(ws.tf_bin, cwd or ws.dir, ws.env, *args, expect=(0, 2), timeout=300)
    return time.perf_counter() - t0, p


def not_empty(p: subprocess.CompletedProcess, what: str) -> None:
    if p.returncode == 2:
        changes = [ln for ln in p.stdout.splitlines() if re.match(r"\s+[#~+-]", ln)]
        print(f"!! {what}: the plan after apply is NOT empty:\n" + "\n".join(changes[:40]))


def plans(ws: VesselWorkspace, what: str) -> tuple[float, list[Counter[str]]]:
    """Median plan wall time of RUNS plans, and the web requests of each."""
    secs, counts = [], []
    for _ in range(RUNS):
        ws.emu.call(seen.clear)
        t, p = timed(ws, *PLAN)
        counts.append(ws.emu.call(lambda: Counter(seen.requests)))
        secs.append(t)
        not_empty(p, what)
    return statistics.median(secs), counts


def breakdown(c: Counter[str]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def apply_streamed(ws: VesselWorkspace) -> tuple[float, list[tuple[float, float]]]:
    """Wall time of an apply, and each blade's (Creating..., Creation complete) as terraform
    printed them (times taken as the lines arrive)."""
    cmd = tf_command(ws.tf_bin, *APPLY)
    started: dict[str, float] = {}
    spans: list[tuple[float, float]] = []
    lines: list[str] = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ws.dir, env=ws.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        now = time.perf_counter()
        lines.append(line)
        m = re.match(r"(vessel_blade\.\S+): (Creating\.\.\.|Creation complete)", line)
        if m and m.group(2) == "Creating...":
            started[m.group(1)] = now
        elif m:
            spans.append((started.pop(m.group(1), t0), now))
    rc = proc.wait(timeout=300)
    secs = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {rc}:\n{''.join(lines)[-4000:]}")
    return secs, spans


def workspace(tf_bin: str, root: Path, emu: EmulatorThread) -> VesselWorkspace:
    root.mkdir(parents=True)
    return VesselWorkspace(tf_bin, root, emu, mark="vessel-bench-stateless")


def new_emulator(root: Path) -> EmulatorThread:
    # every terraform run is a provider process that logs in once: more sessions than the HMM's 10
    return EmulatorThread(root, profile="modern", timing=Timing.fast(), max_web_sessions=100)


# ---------------------------------------------------------------------------- the figures
def refresh_figures(tf_bin: str, root: Path) -> None:
    emu = new_emulator(root / "sim")
    try:
        ws = workspace(tf_bin, root / "plan", emu)
        head = provider_block(emu)
        (ws.dir / "main.tf").write_text(head + stateless(PRESENT, uuid_pool=True))
        ws.tf(*APPLY)
        n_all = len(PRESENT) + 5
        t_all, c_all = plans(ws, f"{len(PRESENT)} blades")
        # the same workspace with 4 of the blades: the other 9 leave state (and stay bound)
        ws.tf("state", "rm", *(f"vessel_blade.s{s}" for s in PRESENT if s not in FEW))
        (ws.dir / "main.tf").write_text(head + stateless(FEW, uuid_pool=True))
        t_few, c_few = plans(ws, f"{len(FEW)} blades")

        base = root / "baseline"
        base.mkdir()
        t_base = []
        (base / "main.tf").write_text(data(n_all))
        run_tf(tf_bin, base, ws.env, *APPLY)
        for _ in range(RUNS):
            t_base.append(timed(ws, *PLAN, cwd=base)[0])
        tb = statistics.median(t_base)
    finally:
        emu.close()

    print(f"-- plan (refresh), after apply, of {len(PRESENT)} vessel_blade (slots "
          f"{','.join(map(str, PRESENT))}) bound to one vessel_compute_profile, + the profile, 2 vessel_vnic_profile, "
          f"vessel_mac_pool, vessel_uuid_pool: HMM web requests per plan (counted in the emulator, {RUNS} plans)")
    for n, counts in ((len(PRESENT), c_all), (len(FEW), c_few)):
        totals = sorted({sum(web(c).values()) for c in counts})
        other = counts[0] - web(counts[0])
        print(f"{n:>2} blades: {'/'.join(map(str, totals))} HMM web requests ({breakdown(web(counts[0]))})"
              + (f"; besides: {breakdown(other)}" if other else ""))
    print(f"-- plan wall time, median of {RUNS}, same run")
    print(f"plan of {len(PRESENT)} vessel_blade + 5 stateless resources: {t_all:.2f}s "
          f"({len(FEW)} blades + 5: {t_few:.2f}s)")
    print(f"plan of {n_all} terraform_data (no provider process to start): {tb:.2f}s")
    print(f"plan-time ratio vessel / terraform_data: {t_all / tb:.2f}")


def apply_figures(tf_bin: str, root: Path) -> None:
    rows = []
    first_requests: Counter[str] = Counter()
    for run in range(RUNS):
        emu = new_emulator(root / f"sim{run}")
        try:
            ws = workspace(tf_bin, root / f"seed{run}", emu)
            (ws.dir / "main.tf").write_text(provider_block(emu) + stateless(CH121_SLOTS, uuid_pool=False))
            emu.call(seen.clear)
            secs, tf_spans = apply_streamed(ws)
            applies = emu.call(lambda: list(seen.applies))
            requests = emu.call(lambda: Counter(seen.requests))
            if run == 0:
                not_empty(timed(ws, *PLAN)[1], "seed example")
        finally:
            emu.close()
        chassis = max_overlap([(a, b) for a, b, _ in applies])
        sent = max((a for a, _, _ in applies), default=0.0) - min((a for a, _, _ in applies), default=0.0)
        cycled = sum(1 for _, _, c in applies if c)
        rows.append((secs, chassis, max_overlap(tf_spans), len(applies), sent, sum(web(requests).values()), cycled))
        if run == 0:
            first_requests = requests
    print(f"-- apply of the seed example from nothing (vessel_mac_pool, 2 vessel_vnic_profile, vessel_compute_profile, "
          f"{len(CH121_SLOTS)} vessel_blade on the CH121 slots), -parallelism=10, emulator Timing.fast() "
          f"(power cycle {Timing.fast().restart_s:g}s); median of {RUNS} (each run: a new emulator)")
    med = [statistics.median(r[i] for r in rows) for i in range(len(rows[0]))]
    print(f"apply wall time: {med[0]:.1f}s (runs: {', '.join(f'{r[0]:.1f}' for r in rows)})")
    print(f"blades changed concurrently, chassis side (profilehandler.apply -> its power cycle done; a blade that "
          f"is off takes the profile at once): max {med[1]:g} (runs: {', '.join(str(r[1]) for r in rows)}); "
          f"{med[3]:g} apply verbs, {med[6]:g} of them power-cycling a blade, all sent within {med[4]:.2f}s")
    print(f"blades changed concurrently, terraform side (Creating... -> Creation complete): max {med[2]:g} "
          f"(runs: {', '.join(str(r[2]) for r in rows)})")
    other = first_requests - web(first_requests)
    print(f"HMM web requests during the apply: {med[5]:g} (first run: {breakdown(web(first_requests))})"
          + (f"; besides: {breakdown(other)}" if other else ""))


def main() -> None:
    tf_bin = find_tf_bin()
    if not tf_bin:
        raise SystemExit("no terraform/tofu binary (set TF_BIN)")
    sim_emulator.fault_middleware = _counting(sim_emulator.fault_middleware)  # type: ignore[assignment]
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-stateless-"))
    try:
        refresh_figures(tf_bin, root)
        apply_figures(tf_bin, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
