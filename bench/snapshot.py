"""Whole-chassis snapshot (``vessel snapshot``) of the emulated chassis: wall time and device requests.

Prints figures only (no timed assertion):

* one full snapshot (:func:`vessel_core.backup.snapshot.take`, what ``vessel snapshot`` runs) of
  the emulated chassis as it starts: wall time, and the requests the chassis received per
  channel (HMM web API, HMM Redfish, iBMC Redfish, SSH commands typed on the HMM, switch and
  iBMC CLIs);
* the same parts one at a time (each from an empty read cache, in a session already logged in):
  the cost of every part, so a part that grows is named;
* both again after many objects were added by hand (200 VLANs on each X switch, 30 compute
  profiles, 30 MAC pools, 30 vNIC profiles, accounts up to the HMM's 15): the target is a number
  of requests bounded by the number of scopes, not of objects. Two parts grow by design: the
  HMM Redfish dump reads every Redfish resource (one request each: accounts are resources) and
  each blade's iBMC readout (the blade facade's inventory, then three resources) costs a number
  of Redfish requests that grows with that blade's hardware, so both grow with resources and
  blades, not with the objects the switches and HMM menus hold.

Requests are counted inside the emulator: HTTP by a middleware wrapped around each of its HTTPS
apps (as ``bench/stateless_scale.py`` does), SSH commands by wrapping the HMM shell's and the
iBMC shell's command handlers and the switch CLI's line reader. The smmget readout
(``hmm/smmget.txt``) costs a fixed number of HMM CLI commands per switch slot and present blade.
"""
from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from vessel_core.sim import emulator as sim_emulator  # noqa: E402
from vessel_core.sim.ssh import server as sim_ssh  # noqa: E402
from vessel_core.sim.state import Account, EasyLinkNicProfile, MacPool, StatelessProfile  # noqa: E402
from vessel_core.sim.testing import EmulatorThread  # noqa: E402

CHANNELS = ("HMM web", "HMM Redfish", "iBMC Redfish", "SSH HMM CLI", "SSH switch CLI", "SSH iBMC CLI")
MANY_VLANS, MANY_OBJECTS, MAX_ACCOUNTS = 200, 30, 15
RUNS = 3

seen: Counter[str] = Counter()  #: channel -> requests (filled on the emulator's loop)


# ---------------------------------------------------------------------------- counting in the emulator
def _counting(make: Any) -> Any:
    """Wrap ``fault_middleware(emulator)`` (every HTTPS app of the emulator has it) with a counter."""
    def factory(emu: Any) -> Any:
        inner = make(emu)

        async def middleware(request: Any, handler: Any) -> Any:
            if not request.path.startswith("/__sim/"):
                if request.url.port != emu.hmm_port:
                    seen["iBMC Redfish"] += 1
                else:
                    seen["HMM Redfish" if request.path.startswith("/redfish/") else "HMM web"] += 1
            return await inner(request, handler)
        middleware.__middleware_version__ = 1  # type: ignore[attr-defined]
        return middleware
    return factory


def _count_ssh() -> None:
    hmm_execute, ibmc_execute = sim_ssh.HmmShell.execute, sim_ssh.IbmcShell.execute

    async def hmm(self: Any, line: str) -> bool:
        seen["SSH HMM CLI"] += 1
        return await hmm_execute(self, line)

    async def ibmc(self: Any, args: list[str]) -> None:
        seen["SSH iBMC CLI"] += 1
        await ibmc_execute(self, args)

    class CountingVrp(sim_ssh.VrpCli):  # type: ignore[misc, valid-type]
        def feed(self, line: str) -> str:
            if line.strip():
                seen["SSH switch CLI"] += 1
            return super().feed(line)

    sim_ssh.HmmShell.execute = hmm  # type: ignore[method-assign]
    sim_ssh.IbmcShell.execute = ibmc  # type: ignore[method-assign]
    sim_ssh.VrpCli = CountingVrp  # type: ignore[misc]


def install_counters() -> None:
    sim_emulator.fault_middleware = _counting(sim_emulator.fault_middleware)  # type: ignore[assignment]
    _count_ssh()


# ---------------------------------------------------------------------------- the chassis
def add_many(st: Any) -> str:
    """Objects added by hand: VLANs on every X switch, profiles, pools, vNIC profiles, accounts."""
    for slot in (2, 3):
        vlans = st.switches[slot].vrp.running.vlans
        model = next(iter(vlans.values()))
        for vid in range(1000, 1000 + MANY_VLANS):
            vlans[vid] = model.model_copy(update={"id": vid, "description": f"bench {vid}"})
    for i in range(MANY_OBJECTS):
        st.mac_pools.append(MacPool(name=f"bench_macs{i}", start=f"28:6E:D4:{i:02X}:00:00", size=16))
        st.easylink_nic_profiles.append(EasyLinkNicProfile(name=f"bench_vnic{i}", vlans=[1000 + i], native_vlan=1000 + i))
        st.profiles.append(StatelessProfile(name=f"bench{i}", description=f"bench {i}", mac_pool=f"bench_macs{i}",
                                            vnic_profiles=[f"bench_vnic{i}"]))
    next_id = max(a.id for a in st.accounts) + 1
    while len(st.accounts) < MAX_ACCOUNTS:
        st.accounts.append(Account(id=next_id, username=f"bench{next_id}", password="Bench#pw1", role="ReadOnly"))
        next_id += 1
    return (f"+{MANY_VLANS} VLANs on each of switches 2X and 3X, +{MANY_OBJECTS} compute profiles, "
            f"+{MANY_OBJECTS} MAC pools, +{MANY_OBJECTS} vNIC profiles, accounts up to {len(st.accounts)}")


def objects(st: Any) -> str:
    vlans = sum(len(s.vrp.running.vlans) for s in st.switches.values() if s.vrp is not None)
    return (f"{vlans} VLANs, {len(st.profiles)} profiles, {len(st.mac_pools)} MAC pools, "
            f"{len(st.easylink_nic_profiles)} vNIC profiles, {len(st.accounts)} accounts")


def session_for(emu: EmulatorThread, root: Path) -> Any:
    from vessel_core.session import Session, SessionSettings

    info = emu.info
    return Session.open(SessionSettings(
        endpoint=info["hmm"]["url"], username=info["hmm"]["username"], password=info["hmm"]["password"],
        ca_cert_path=info["ca_cert"], ssh_port=info["ssh"]["port"],
        ssh_host_key_fingerprint=info["ssh"]["host_key_fingerprint"],
        snapshot_dir=str(root / "snapshots"), audit_log=str(root / "audit.jsonl"),
        ibmc_endpoints=tuple(sorted((int(k), v["url"]) for k, v in (info.get("ibmc") or {}).items()))))


# ---------------------------------------------------------------------------- measuring
def fmt(c: Counter[str]) -> str:
    return f"{sum(c.values()):>5} (" + ", ".join(f"{ch} {c[ch]}" for ch in CHANNELS if c[ch]) + ")"


async def full_and_parts(emu: EmulatorThread, root: Path) -> tuple[list[tuple[float, Counter[str], int]],
                                                                    list[tuple[str, float, Counter[str]]]]:
    """RUNS full snapshots, each in a fresh session, then each part alone in a logged-in session."""
    from vessel_core.backup import snapshot as bs
    from vessel_core.backup.parts import discover

    rows: list[tuple[str, float, Counter[str]]] = []

    async def measure(what: str, coro: Any) -> Any:
        session.chassis.cache.invalidate()
        await asyncio.to_thread(emu.call, seen.clear)
        t0 = time.perf_counter()
        out = await coro
        secs = time.perf_counter() - t0
        rows.append((what, secs, await asyncio.to_thread(emu.call, lambda: Counter(seen))))
        return out

    store = bs.store_at(str(root / "snapshots"))
    runs: list[tuple[float, Counter[str], int]] = []
    for _ in range(RUNS):  # each in a fresh session: its logins are part of the figure
        async with session_for(emu, root) as session:
            await asyncio.to_thread(emu.call, seen.clear)
            t0 = time.perf_counter()
            snap, cap = await bs.take(session, store)
            runs.append((time.perf_counter() - t0, await asyncio.to_thread(emu.call, lambda: Counter(seen)),
                         len(snap.items)))
            if cap.missing:
                print(f"!! not captured: {cap.missing}")
    async with session_for(emu, root) as session:
        await bs.take(session, store)  # logs in to every service (not counted)
        parts, _ = await measure("discovery (which switches and blades are present)", discover(session))
        for p in sorted(parts, key=lambda p: ({"hmm": 0, "switch": 1, "blade": 2}[p.group],
                                                  int(p.id.split(":")[1]) if p.group == "blade" else 0, p.id)):
            await measure(f"{p.id} capture", p.scope.capture())
        await measure("hmm/redfish.json (readout: every Redfish resource)",
                      bs.redfish_dump(await session.chassis.hmm_redfish()))
        blades = sorted(int(p.id.split(":")[1]) for p in parts if p.group == "blade")
        await measure("hmm/smmget.txt (readout: every known smmget item per slot)",
                      bs.smmget_readout(await session.chassis.hmm_cli(), blades))
        for p in parts:
            if p.group == "switch":
                await measure(f"switches/swi{p.scope.slot}.startup.cfg (readout)",  # type: ignore[attr-defined]
                              p.scope.cli.run("display saved-configuration"))  # type: ignore[attr-defined]
        for p in parts:
            if p.group == "blade":
                slot = int(p.id.split(":")[1])
                await measure(f"ibmc/blade{slot}.json (readout)", bs._blade_readout(session, slot))
    return runs, rows


def figures(emu: EmulatorThread, root: Path, label: str) -> dict[str, Counter[str]]:
    runs, rows = asyncio.run(full_and_parts(emu, root))
    print(f"-- {label}: {emu.call(objects, emu.emu.state)}")
    full = runs[-1][1]
    print(f"full snapshot (what `vessel snapshot` runs, logins included), median of {RUNS}: "
          f"{statistics.median(r[0] for r in runs):.2f}s (runs: {', '.join(f'{r[0]:.2f}' for r in runs)}), "
          f"{runs[-1][2]} files, device requests {fmt(full)}"
          + ("" if len({sum(r[1].values()) for r in runs}) == 1 else
             f" (totals differ between runs: {', '.join(str(sum(r[1].values())) for r in runs)})"))
    print("each part alone (empty read cache, session logged in): seconds, requests")
    for what, secs, c in rows:
        print(f"  {what:<58} {secs:6.2f}s {fmt(c)}")
    return {"full snapshot": full, **{what.split(" (")[0]: c for what, _, c in rows}}


def main() -> None:
    install_counters()
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-snapshot-"))
    try:
        with EmulatorThread(root / "sim", profile="modern", max_web_sessions=100) as emu:
            print(f"emulated chassis (modern profile, {len(emu.info.get('ibmc') or {})} iBMCs over Redfish, "
                  "Timing.fast())")
            before = figures(emu, root / "before", "as started")
            print(f"-- adding by hand: {emu.call(add_many, emu.emu.state)}")
            after = figures(emu, root / "after", "after adding")
        print("-- what grew (requests before -> after); expected: the Redfish dump (one request per Redfish "
              "resource: the accounts are resources) and the iBMC readouts (per blade, and per Redfish resource)")
        for k in before:
            b, a = sum(before[k].values()), sum(after.get(k, Counter()).values())
            if a != b:
                why = ("expected" if k.startswith(("hmm/redfish.json", "ibmc/", "full snapshot"))
                       else "NOT bounded by the scopes: grows with the objects")
                print(f"  {k}: {b} -> {a} ({why})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
