"""Third-party client: netmiko's Huawei drivers log straight into the emulated CX310."""
from __future__ import annotations

import asyncio

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import parse_output
from sim_ssh_helpers import PASSWORD

from vessel_core.sim.ssh import start_switch_ssh

# netmiko paces its reads with fixed sleeps (about 12-16 s a session): run by `make test`, not by
# the fast loop
pytestmark = pytest.mark.slow


def _netmiko_session(port: int, device_type: str, config: list[str], commit: bool) -> tuple[str, str, str]:
    conn = ConnectHandler(device_type=device_type, host="127.0.0.1", port=port, username="root",
                          password=PASSWORD, fast_cli=True, conn_timeout=10, auth_timeout=10,
                          allow_agent=False, use_keys=False)
    try:
        prompt = conn.find_prompt()
        if commit:
            out = conn.send_config_set(config, exit_config_mode=False)
            out += conn.commit()
            conn.exit_config_mode()
        else:
            out = conn.send_config_set(config)
        out += conn.save_config()
        vlan = conn.send_command("display vlan")
    finally:
        conn.disconnect()
    return prompt, out, vlan


async def test_netmiko_huawei_vrp5(emulator_vrp5):
    ep = await start_switch_ssh(emulator_vrp5, 2, "127.0.0.1", 0)
    try:
        prompt, out, vlan = await asyncio.to_thread(
            _netmiko_session, ep.port, "huawei", ["vlan 321", "description netmiko-made"], False)
    finally:
        await ep.close()
    sw = emulator_vrp5.state.switches[2].vrp
    assert prompt == "<CX310_2>"
    assert "Save the configuration successfully" in out
    assert sw.running.vlans[321].description == "netmiko-made"
    assert 321 in sw.saved.vlans
    recs = parse_output(platform="huawei_vrp", command="display vlan", data=vlan)
    assert {"321": "netmiko-made"}.items() <= {r["vlan_id"]: r["vlan_description"] for r in recs}.items()


async def test_netmiko_huawei_vrpv8_commit(emulator):
    ep = await start_switch_ssh(emulator, 3, "127.0.0.1", 0)
    try:
        prompt, out, vlan = await asyncio.to_thread(
            _netmiko_session, ep.port, "huawei_vrpv8", ["vlan 654", "description via-commit"], True)
    finally:
        await ep.close()
    sw = emulator.state.switches[3].vrp
    assert prompt == "<CX310_3>"
    assert sw.running.vlans[654].description == "via-commit" and 654 in sw.saved.vlans
    assert "654  enable  default       enable  disable    via-commit" in vlan
