"""The per-switch and singleton list resources against the emulated chassis, in process: what
``terraform query`` and ``vessel export`` see of ports, LAGs and the NTP client."""
from __future__ import annotations

from pathlib import Path

from tfprovider.framework import Diagnostics
from tfprovider.framework.modern import ListRequest
from tfprovider.vessel.resources.lists import LIST_RESOURCES
from vessel_core.session import Session, SessionSettings
from vessel_core.sim.testing import start_emulator

LISTS = {c.type_name: c for c in LIST_RESOURCES}


async def _listed(session: Session, type_name: str, config: dict) -> list:
    lister = LISTS[type_name]()
    lister.provider_data = session
    diags = Diagnostics()
    found = [f async for f in lister.list(ListRequest(config=config, include_resource_object=True), diags)]
    assert not list(diags), list(diags)
    return found


async def test_ports_lags_and_the_ntp_singleton(tmp_path: Path) -> None:
    async with start_emulator(tmp_path) as emu:
        info = emu.info
        settings = SessionSettings(endpoint=info["hmm"]["url"], username="root", password=info["hmm"]["password"],
                                   ca_cert_path=info["ca_cert"], ssh_port=info["ssh"]["port"],
                                   ssh_host_key_fingerprint=info["ssh"]["host_key_fingerprint"],
                                   switch_cache_ttl=0.0)
        async with Session.open(settings) as s:
            sw = s.chassis.switch
            assert await _listed(s, "vessel_switch_port", {"switch": "2X"}) == []  # the factory's ports: none
            every = await _listed(s, "vessel_switch_port", {"switch": "2X", "include_defaults": True})
            assert len(every) == 51 and every[0].state["link_type"] == "access"
            assert await _listed(s, "vessel_lag", {"switch": "2X"}) == []

            await sw.set_port(2, "10GE2/17/3", link_type="trunk", trunk_vlans=[1], description="uplink")
            await sw.create_lag(2, 5, members=["10GE2/17/5", "10GE2/17/6"])
            ports = await _listed(s, "vessel_switch_port", {"switch": "2X"})
            assert [(f.identity["port"], f.display_name) for f in ports] == [
                ("10GE2/17/3", "10GE2/17/3 on 2X trunk (uplink)")]
            assert ports[0].state["id"] == "2X/10GE2/17/3" and ports[0].identity["chassis_serial"]
            every = await _listed(s, "vessel_switch_port", {"switch": "2X", "include_defaults": True})
            assert len(every) == 49  # the LAG's members are the vessel_lag's
            lags = await _listed(s, "vessel_lag", {"switch": "2X"})
            assert [(f.identity["lag_id"], f.state["members"]) for f in lags] == [(5, ["10GE2/17/5", "10GE2/17/6"])]
            assert lags[0].display_name == "Eth-Trunk5 on 2X (10GE2/17/5, 10GE2/17/6)"
            assert await _listed(s, "vessel_lag", {"switch": "3X"}) == []

            ntp = await _listed(s, "vessel_ntp_server", {})
            assert len(ntp) == 1 and ntp[0].identity["id"] == "hmm" and ntp[0].state["enabled"] is False
