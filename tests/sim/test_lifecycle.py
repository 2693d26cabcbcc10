"""Persistence, side-by-side emulators, fault knobs, admin endpoint and the CLI."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time

import httpx
import pytest
from sim_web_helpers import retcode, rf_login, web_login

from vessel_core.sim.faults import Faults
from vessel_core.sim.state import build_state
from vessel_core.sim.testing import client_for, start_emulator
from vessel_core.sim.websession import SLOTS_FULL_RETCODE


def test_state_is_deterministic_from_seed():
    a, b, c = build_state(3), build_state(3), build_state(4)
    assert a == b and a.blades[1].macs != c.blades[1].macs
    assert [s for s, x in a.blades.items() if x.present and x.model == "CH222"] == [13, 14, 15]
    assert [s for s, x in a.blades.items() if not x.present] == [5, 6, 7]
    assert a.switches[2].label == "2X" and a.switches[3].vrp is not None and a.switches[1].vrp is None


async def test_state_survives_restart(tmp_path):
    async with start_emulator(tmp_path) as emu:
        emu.state.chassis.asset_tag = "by-hand"
        async with client_for(emu) as http:
            base = emu.info["hmm"]["url"]
            h = await web_login(http, base)
            await http.post(f"{base}/userhandler.php", data={"actiontype": "setslotalias", "slot": "4",
                                                             "alias": "db01"}, headers=h)
    assert (tmp_path / "sim" / "chassis.json").exists()
    async with start_emulator(tmp_path, seed=99) as emu2:
        assert emu2.state.chassis.asset_tag == "by-hand"
        assert emu2.state.chassis.slot_alias["4"] == "db01"
        assert emu2.state.seed == 0


async def test_easylink_profiles_survive_restart_and_old_states_load(tmp_path):
    async with start_emulator(tmp_path) as emu:
        async with client_for(emu) as http:
            base = emu.info["hmm"]["url"]
            h = await web_login(http, base)
            r = await http.post(f"{base}/easylinkhandler.php", headers=h, data={
                "actiontype": "addnicprofile", "name": "data", "vlans": "20,10", "nativevlan": "10"})
            assert retcode(r.text) == 0
    path = tmp_path / "sim" / "chassis.json"
    raw = json.loads(path.read_text())
    assert raw["easylink_nic_profiles"][0]["vlans"] == [10, 20]
    raw["easylink_nic_profiles"][0]["slots"] = [1, 2]          # written before NIC profiles lost slots
    path.write_text(json.dumps(raw))
    async with start_emulator(tmp_path) as emu2:
        (nic,) = emu2.state.easylink_nic_profiles
        assert (nic.name, nic.vlans, nic.native_vlan) == ("data", [10, 20], 10)


async def test_two_emulators_side_by_side(tmp_path):
    async with start_emulator(tmp_path / "a", vrp="vrp5") as a, \
            start_emulator(tmp_path / "b", profile="modern", seed=1) as b:
        assert a.info["hmm"]["port"] != b.info["hmm"]["port"]
        assert a.info["switches"]["Swi2"]["vrp"] == "vrp5" and b.info["switches"]["Swi2"]["vrp"] == "vrp8"
        for emu in (a, b):
            async with client_for(emu) as http:
                assert (await http.get(emu.info["hmm"]["redfish"])).status_code == 200
        assert a.state.blades[1].uuid != b.state.blades[1].uuid


async def test_fault_latency(sim):
    async with sim() as emu, client_for(emu) as http:
        url = emu.info["hmm"]["redfish"]
        await http.get(url)
        emu.faults.latency_ms = 300
        t = time.monotonic()
        await http.get(url)
        assert time.monotonic() - t >= 0.3


async def test_fault_5xx_rate_and_admin_endpoint(sim):
    async with sim() as emu, client_for(emu) as http:
        admin = emu.info["admin"]
        url = emu.info["hmm"]["redfish"]
        r = await http.post(f"{admin['url']}/faults", json={"http_5xx_rate": 1.0})
        assert r.status_code == 401
        auth = {"Authorization": f"Bearer {admin['token']}"}
        r = await http.post(f"{admin['url']}/faults", json={"http_5xx_rate": 1.0}, headers=auth)
        assert r.status_code == 200 and emu.faults.http_5xx_rate == 1.0
        assert (await http.get(url)).status_code == 503
        r = await http.post(f"{admin['url']}/faults", json={"http_5xx_rate": 7}, headers=auth)
        assert r.status_code == 400 and "http_5xx_rate" in r.text
        await http.post(f"{admin['url']}/faults", json={"http_5xx_rate": 0.5}, headers=auth)
        codes = [(await http.get(url)).status_code for _ in range(40)]
        assert 0 < codes.count(503) < 40
        state = (await http.get(f"{admin['url']}/state", headers=auth)).json()
        assert state["blades"]["13"]["model"] == "CH222"


async def test_fault_refuse_logins(sim):
    async with sim(profile="modern", faults={"refuse_logins": True}) as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        r = await http.post(f"{base}/loginhandler.php", data={
            "actiontype": "login", "username": "root", "userpasswd": "Huawei12#$"}, headers={"Custom-Token": "0"})
        assert retcode(r.text) == SLOTS_FULL_RETCODE
        r = await http.post(f"{emu.info['ibmc']['1']['url']}/redfish/v1/SessionService/Sessions",
                            json={"UserName": "root", "Password": "Huawei12#$"})
        assert r.status_code == 503 and "SessionLimitExceeded" in r.text
        emu.faults.refuse_logins = False
        assert await rf_login(http, base)


async def test_fault_session_idle_timeout_on_redfish(sim):
    async with sim(faults={"session_idle_timeout_s": 0.3}) as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await rf_login(http, base)
        assert (await http.get(f"{base}/redfish/v1/Chassis", headers=h)).status_code == 200
        await asyncio.sleep(0.5)
        assert (await http.get(f"{base}/redfish/v1/Chassis", headers=h)).status_code == 401


@pytest.mark.parametrize("outcome", ["slow", "fail", "brick"])
async def test_fault_firmware_flash(sim, outcome):
    async with sim(profile="modern", faults={"firmware_flash": outcome}) as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["2"]["url"]
        h = await rf_login(http, url)
        r = await http.post(f"{url}/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate",
                            json={"ImageURI": "nfs://srv/fw/iBMC_6.30.hpm", "TransferProtocol": "NFS"},
                            headers=h)
        assert r.status_code == 202
        task = r.json()["@odata.id"]
        wait = emu.timing.flash_duration(outcome)
        if outcome == "slow":
            await asyncio.sleep(emu.timing.flash_s + 0.2)
            assert (await http.get(f"{url}{task}", headers=h)).json()["TaskState"] == "Running"
        await asyncio.sleep(wait + 0.3 - (emu.timing.flash_s + 0.2 if outcome == "slow" else 0))
        r = await http.get(f"{url}{task}", headers=h)
        if outcome == "slow":
            assert r.json()["TaskState"] == "Completed"
            assert emu.state.blades[2].firmware.imana.endswith("6.30")
        elif outcome == "fail":
            assert r.json()["TaskState"] == "Exception" and r.json()["TaskStatus"] == "Warning"
            assert emu.state.blades[2].firmware.imana.endswith("6.05")
        else:
            assert r.status_code == 503 and emu.state.blades[2].bricked


def test_fault_knobs_validate():
    f = Faults(mgmt_loss_after_commit_s={"2": 5, "swi3": 1.5})
    assert f.mgmt_loss_for(2) == 5 and f.mgmt_loss_for(3) == 1.5 and f.mgmt_loss_for(4) is None
    with pytest.raises(ValueError):
        Faults(mgmt_loss_after_commit_s={"core": 1})
    with pytest.raises(ValueError):
        Faults(ssh_drop_after_commands=0)


async def test_cli_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vessel_core.sim.cli", "--state", str(tmp_path / "st"),
        "--profile", "modern", "--vrp", "2=vrp5,3=vrp8", "--fast",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        info = json.loads(line)
        assert info["event"] == "ready" and info["switches"]["Swi2"]["vrp"] == "vrp5"
        assert os.path.exists(info["ca_cert"]) and len(info["ibmc"]) == 13
        async with httpx.AsyncClient(verify=__import__("ssl").create_default_context(cafile=info["ca_cert"])) as http:
            assert (await http.get(info["hmm"]["redfish"])).status_code == 200
        proc.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(proc.stdout.read(), 30)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
        assert rest == b""
        assert (tmp_path / "st" / "chassis.json").exists()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_cli_rejects_bad_vrp(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vessel_core.sim.cli", "--state", str(tmp_path), "--vrp", "9=vrp7",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 2 and b"--vrp" in err and out == b""
