"""Round trips the SDK drivers spend against the emulated chassis (prints figures, asserts nothing).

HTTP section: requests are counted with an httpx ``response`` event hook on each client.

* **web view** — presence of all 16 slots plus the active alarms through the HMM web API:
  login once, then ``listpresentfru blade`` and ``selhandler alarm``. The per-refresh cost does
  not depend on the number of blades.
* **Redfish inventory** — the HMM's ``Chassis`` collection and every member over one session
  with concurrent GETs, refreshed several times: one login, then a fixed number of GETs per
  refresh (collection + members), never a login per call.
* **baseline** — the naive way, measured in the same run: a fresh Redfish client (login,
  GET, logout) for each blade's Chassis document.
* **modern iBMC** — power state of every present blade from its own iBMC Redfish: one
  session per iBMC, reused across refreshes.

Usage: ``.venv/bin/python bench/sdk_roundtrips.py [--refreshes N]``.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vessel_core.drivers.hmm_web import HmmWebClient  # noqa: E402
from vessel_core.drivers.redfish import RedfishClient  # noqa: E402
from vessel_core.drivers.tls import TLSConfig  # noqa: E402
from vessel_core.models.redfish import Chassis  # noqa: E402
from vessel_core.sim.testing import start_emulator  # noqa: E402

BLADES = range(1, 17)


@dataclass
class Meter:
    """Counts HTTP requests per method through an httpx event hook."""

    counts: Counter = field(default_factory=Counter)

    def hooks(self) -> dict[str, list[Callable[..., Awaitable[None]]]]:
        async def on_response(response: Any) -> None:
            self.counts[response.request.method] += 1
        return {"response": [on_response]}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def take(self) -> int:
        n = self.total
        self.counts.clear()
        return n


def row(label: str, requests: int, seconds: float, note: str = "") -> None:
    print(f"  {label:<46} {requests:>5} req  {seconds * 1000:>8.1f} ms  {note}")


async def http_section(emu: Any, refreshes: int) -> None:
    print("== HTTP (HMM web API, HMM Redfish, iBMC Redfish)")
    hmm = emu.info["hmm"]
    tls = TLSConfig(ca_bundle=str(emu.ca_file))

    # --- web view: presence + alarms for all slots
    m = Meter()
    t0 = time.perf_counter()
    async with HmmWebClient(hmm["url"], hmm["username"], hmm["password"], tls=tls,
                            event_hooks=m.hooks()) as web:
        login = m.take()
        row("web login (login.html, queryverify, login)", login, time.perf_counter() - t0)
        per_refresh = []
        for _ in range(refreshes):
            t1 = time.perf_counter()
            present = await web.list_present_fru("blade")
            await web.alarms()
            per_refresh.append(m.take())
        row(f"web view of {len(BLADES)} slots, per refresh", per_refresh[-1],
            (time.perf_counter() - t1), f"present={len(present.records)} "
            f"all refreshes={per_refresh}")

    # --- Redfish inventory over one session
    m = Meter()
    t0 = time.perf_counter()
    async with RedfishClient(hmm["url"], hmm["username"], hmm["password"], tls=tls,
                             event_hooks=m.hooks()) as rf:
        row("redfish login (POST Sessions)", m.take(), time.perf_counter() - t0)
        blade_paths = [f"/redfish/v1/Chassis/Blade{n}" for n in BLADES]
        per_refresh, t_sdk = [], 0.0
        for _ in range(refreshes):
            t1 = time.perf_counter()
            docs = await rf.get_many(blade_paths, Chassis)
            t_sdk = time.perf_counter() - t1
            per_refresh.append(m.take())
        row(f"redfish {len(BLADES)} blade Chassis docs, per refresh", per_refresh[-1], t_sdk,
            f"present={sum(d.present for d in docs)} all refreshes={per_refresh}")
    row("redfish logout", m.take(), 0.0)

    # --- baseline: a fresh client per blade
    m = Meter()
    t1 = time.perf_counter()
    for n in BLADES:
        async with RedfishClient(hmm["url"], hmm["username"], hmm["password"], tls=tls,
                                 event_hooks=m.hooks()) as one:
            await one.get_chassis(f"Blade{n}")
    t_naive = time.perf_counter() - t1
    naive = m.take()
    row(f"baseline: new session per blade ({len(BLADES)} blades)", naive, t_naive)
    print(f"  ratio baseline/SDK per refresh: requests {naive / max(per_refresh[-1], 1):.2f}x, "
          f"time {t_naive / max(t_sdk, 1e-9):.1f}x")

    # --- modern profile: each blade's own iBMC
    ibmc = emu.info.get("ibmc") or {}
    if ibmc:
        m = Meter()
        clients = [RedfishClient(b["url"], b["username"], b["password"], tls=tls,
                                 event_hooks=m.hooks()) for b in ibmc.values()]
        t1 = time.perf_counter()
        await asyncio.gather(*(c.login() for c in clients))
        row(f"iBMC logins ({len(clients)} present blades)", m.take(), time.perf_counter() - t1)
        per_refresh = []
        for _ in range(refreshes):
            t1 = time.perf_counter()
            systems = await asyncio.gather(*(c.get_system(f"Blade{s}")
                                             for c, s in zip(clients, ibmc)))
            per_refresh.append(m.take())
        row("iBMC power state of every blade, per refresh", per_refresh[-1],
            time.perf_counter() - t1,
            f"on={sum(s.power_state == 'On' for s in systems)} all refreshes={per_refresh}")
        await asyncio.gather(*(c.close() for c in clients))
        row("iBMC logouts", m.take(), 0.0)


# ======================================================================================
# CLI SECTION (SSH: HMM CLI / VRP) and the facade's blade list, through vessel_core.chassis.
# Commands are counted with the VRP session's ``commands_sent``; HTTP requests with the same
# Meter as above, passed to the facade as event hooks.
# ======================================================================================

def _facade(emu: Any, **kw: Any) -> Any:
    from vessel_core.chassis import Chassis
    hmm = emu.info["hmm"]
    return Chassis.connect(hmm["url"], hmm["username"], hmm["password"],
                           ca_cert=str(emu.ca_file), ssh_host_keys=emu._ssh.host_key_fingerprint,
                           ssh_port=emu.info["ssh"]["port"], ibmc_endpoints=emu.info["ibmc"],
                           **kw)


async def cli_section(emu: Any, refreshes: int) -> None:
    print("== CLI (VRP through the HMM): read every VLAN of one switch")
    slot = 2
    async with _facade(emu) as ch:
        cli = await ch.vrp(slot)
        await ch.switch.flavour(slot)                     # session open, prompt learnt
        have = {v.vid for v in await ch.switch.vlans(slot)}
        for target in (10, 200):
            extra = [v for v in range(1000, 4000) if v not in have][: max(0, target - len(have))]
            if extra:
                await ch.switch.create_vlans(slot, extra)
            have = {v.vid for v in await ch.switch.vlans(slot)}
            counts, times = [], []
            for _ in range(refreshes):
                ch.switch.invalidate(slot)
                n0, t0 = cli.commands_sent, time.perf_counter()
                vlans = await ch.switch.vlans(slot)
                times.append(time.perf_counter() - t0)
                counts.append(cli.commands_sent - n0)
            t_sdk = min(times)
            row(f"facade vlans+ports+lags, {len(vlans)} VLANs", counts[-1], t_sdk,
                f"commands per refresh={counts}")
            n0, t0 = cli.commands_sent, time.perf_counter()
            for v in sorted(have):
                await cli.run(f"display vlan {v}")
            t_naive = time.perf_counter() - t0
            naive = cli.commands_sent - n0
            row(f"baseline: one 'display vlan <id>' per VLAN ({len(have)})", naive, t_naive)
            print(f"  ratio baseline/facade at {len(have)} VLANs: commands "
                  f"{naive / max(counts[-1], 1):.1f}x, time {t_naive / max(t_sdk, 1e-9):.1f}x")
    print("  (the 'req' column counts CLI commands in this section)")


async def facade_blades_section(emu: Any, refreshes: int) -> None:
    print("== Facade: state of all blades (vessel_core.chassis)")
    m = Meter()
    async with _facade(emu, event_hooks=m.hooks(), read_cache_ttl=0.0) as ch:
        t0 = time.perf_counter()
        await ch.web()
        await (await ch.web()).login()
        row("web login", m.take(), time.perf_counter() - t0)
        per_refresh, t_list = [], 0.0
        for _ in range(refreshes):
            t1 = time.perf_counter()
            blades = await ch.blade.list()
            t_list = time.perf_counter() - t1
            per_refresh.append(m.take())
        row(f"blade.list(): {len(blades)} blades, per refresh", per_refresh[-1], t_list,
            f"all refreshes={per_refresh} path={ch.routes['blade.list']}")
        slots = [b.slot for b in blades]
        await asyncio.gather(*(ch.blade_has_redfish(s) for s in slots))
        m.take()
        per_refresh = []
        for _ in range(refreshes):
            t1 = time.perf_counter()
            full = await asyncio.gather(*(ch.blade.get(s) for s in slots))
            t_get = time.perf_counter() - t1
            per_refresh.append(m.take())
        row(f"blade.get() of each of {len(full)} blades, per refresh", per_refresh[-1], t_get,
            f"path={ch.routes.get('blade.get')} (one request per blade, for comparison)")


SECTIONS: list[Callable[[Any, int], Awaitable[None]]] = [http_section, cli_section,
                                                          facade_blades_section]


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refreshes", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with start_emulator(tmp, profile="modern") as emu:
            for section in SECTIONS:
                await section(emu, args.refreshes)


if __name__ == "__main__":
    asyncio.run(main())
