"""The emulated iBMC against the real-firmware facts: Basic-only services, the vendor key
(Huawei / xFusion), virtual media with and without the standard actions, the VmmControl
Connect fault, V3/V5 boot order and the inventory links, checked over HTTPS and against the
shapes of the real Huawei captures."""
from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from sim_web_helpers import PASSWORD, rf_login

from vessel_core.sim.state import build_state, request_power, set_boot_order
from vessel_core.sim.testing import client_for
from vessel_core.sim.timing import Timing

CAPTURES = Path("/work/shared/vendor-data/redfish/huawei-ibmc/python-ibmcclient")
BASIC = {"Authorization": "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()}


def capture(name: str) -> dict:
    return json.loads((CAPTURES / name).read_text())


async def _wait_task(http, url, h, monitor) -> dict:
    for _ in range(60):
        m = await http.get(f"{url}{monitor}", headers=h)
        if m.status_code == 200:
            return m.json()
        await asyncio.sleep(0.05)
    raise AssertionError("task never ended")


# ---------------------------------------------------------------- auth
async def test_basic_only_ibmc(sim):
    async with sim(profile="modern", ibmc_basic_auth_only=[3]) as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["3"]["url"]
        root = (await http.get(f"{url}/redfish/v1/")).json()
        assert "SessionService" not in root and "Links" not in root and "Systems" in root
        r = await http.post(f"{url}/redfish/v1/SessionService/Sessions",
                            json={"UserName": "root", "Password": PASSWORD})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
        assert (await http.get(f"{url}/redfish/v1/Systems/Blade3", headers=BASIC)).status_code == 200
        assert (await http.get(f"{url}/redfish/v1/SessionService", headers=BASIC)).status_code == 404
        # another iBMC of the same chassis still has sessions
        other = emu.info["ibmc"]["4"]["url"]
        assert "SessionService" in (await http.get(f"{other}/redfish/v1/")).json()
        h = await rf_login(http, other)
        assert (await http.get(f"{other}/redfish/v1/Systems/Blade4", headers=h)).status_code == 200


# ---------------------------------------------------------------- vendor key
async def test_xfusion_vendor_key_everywhere(sim):
    async with sim(profile="modern", ibmc_oem_vendor={2: "xFusion"}) as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["2"]["url"]
        h = await rf_login(http, url)
        root = (await http.get(f"{url}/redfish/v1/")).json()
        assert list(root["Oem"]) == ["xFusion"]
        system = (await http.get(f"{url}/redfish/v1/Systems/Blade2", headers=h)).json()
        assert list(system["Oem"]) == ["xFusion"] and system["Oem"]["xFusion"]["DeviceSlotID"] == 2
        fru = system["Actions"]["Oem"]["xFusion"]["#ComputerSystem.FruControl"]["target"]
        assert fru.endswith("/Actions/Oem/xFusion/ComputerSystem.FruControl")
        cd = f"{url}/redfish/v1/Managers/Blade2/VirtualMedia/CD"
        doc = (await http.get(cd, headers=h)).json()
        assert doc["Oem"]["xFusion"]["Actions"]["#VirtualMedia.VmmControl"]["target"] == \
            "/redfish/v1/Managers/Blade2/VirtualMedia/CD/Oem/xFusion/Actions/VirtualMedia.VmmControl"
        body = {"VmmControlType": "Connect", "Image": "nfs://10.0.0.1/export/os.iso"}
        assert (await http.post(f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl", json=body,
                                headers=h)).status_code == 404
        r = await http.post(f"{cd}/Oem/xFusion/Actions/VirtualMedia.VmmControl", json=body, headers=h)
        assert r.status_code == 202 and "xFusion" in r.json()["Oem"]
        # slot 1 keeps the Huawei key
        assert list((await http.get(f"{emu.info['ibmc']['1']['url']}/redfish/v1/")).json()["Oem"]) == ["Huawei"]


# ---------------------------------------------------------------- virtual media
async def test_vmedia_without_standard_actions_and_connect_fault(sim):
    async with sim(profile="modern", ibmc_vmedia_standard_actions=[4],
                   ibmc_vmm_connect_failures={1: 1}) as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["1"]["url"]
        h = await rf_login(http, url)
        cd = f"{url}/redfish/v1/Managers/Blade1/VirtualMedia/CD"
        assert (await http.get(cd, headers=h)).json()["Actions"] == {}
        for action, body in (("InsertMedia", {"Image": "nfs://h/e/os.iso"}), ("EjectMedia", {})):
            r = await http.post(f"{cd}/Actions/VirtualMedia.{action}", json=body, headers=h)
            assert r.status_code == 404 and "ResourceMissingAtURI" in r.text
        vmm = f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl"
        r = await http.post(vmm, json={"VmmControlType": "Connect", "Image": "http://h/os.iso"}, headers=h)
        assert r.status_code == 400 and "iBMC.1.0.FileTransferProtocolMismatch" in r.text
        good = {"VmmControlType": "Connect", "Image": "nfs://h/e/os.iso"}
        r = await http.post(vmm, json=good, headers=h)
        assert r.status_code == 202
        failed = await _wait_task(http, url, h, r.headers["Location"])
        assert failed["TaskState"] == "Exception" and failed["Messages"]["MessageId"] == "iBMC.1.0.ConnectionFailed"
        assert (await http.get(cd, headers=h)).json()["Inserted"] is False
        r = await http.post(vmm, json=good, headers=h)       # the retry works
        done = await _wait_task(http, url, h, r.headers["Location"])
        assert done["TaskState"] == "Completed"
        assert (await http.get(cd, headers=h)).json()["Inserted"] is True
        # slot 4 advertises them
        url4 = emu.info["ibmc"]["4"]["url"]
        h4 = await rf_login(http, url4)
        actions = (await http.get(f"{url4}/redfish/v1/Managers/Blade4/VirtualMedia/CD", headers=h4)).json()["Actions"]
        assert set(actions) == {"#VirtualMedia.InsertMedia", "#VirtualMedia.EjectMedia"}


# ---------------------------------------------------------------- generations and boot order
def test_generations_are_fixed_per_profile_and_seed():
    legacy = build_state(5, "legacy")
    assert {b.generation for b in legacy.blades.values() if b.present} == {"V3"}
    a, b = build_state(1, "modern"), build_state(2, "modern")
    gens = {s: x.generation for s, x in a.blades.items() if x.present}
    assert gens == {s: x.generation for s, x in b.blades.items() if x.present}
    assert {s for s, g in gens.items() if g == "V5"} == {1, 2, 3, 4, 8, 9}
    assert all(a.blades[s].generation == "V3" for s in (13, 14, 15))   # CH222: V3 only
    # the new inventory stream left the older seeded values alone
    assert [x.macs for x in build_state(0, "modern").blades.values()] == \
        [x.macs for x in build_state(0, "legacy").blades.values()]


def test_set_boot_order_v3_immediate_v5_pending_until_boot():
    st = build_state(0, "modern")
    v3, v5 = st.blades[10], st.blades[1]
    set_boot_order(v3, ["Pxe", "Hdd", "Cd", "Others"])
    assert v3.bootup_sequence == ["Pxe", "Hdd", "Cd", "Others"] and v3.bios_pending == {}
    before = v5.boot_order()
    set_boot_order(v5, ["PXE", "HardDiskDrive", "DVDROMDrive", "Others"])    # V5 names accepted
    assert v5.boot_order() == before and v5.boot_order(pending=True) == ["Pxe", "Hdd", "Cd", "Others"]
    with pytest.raises(ValueError, match="permutation"):
        set_boot_order(v5, ["Pxe", "Pxe", "Cd", "Others"])
    timing = Timing.fast()
    v5.power_state, v5.pending_power = "On", None
    request_power(st, 1, "ForceRestart", timing, now=1000.0)
    assert v5.bios_pending                                # off, not booted yet
    st.settle(now=1000.0 + timing.restart_s + 0.01)
    assert v5.power_state == "On" and v5.bios_pending == {}
    assert v5.boot_order() == ["Pxe", "Hdd", "Cd", "Others"]
    assert v5.bios_attributes["BootTypeOrder0"] == "PXE"


async def test_v3_bootup_sequence_over_redfish(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["10"]["url"]
        h = await rf_login(http, url)
        sys_url = f"{url}/redfish/v1/Systems/Blade10"
        r = await http.get(sys_url, headers=h)
        doc = r.json()
        assert doc["Oem"]["Huawei"]["BootupSequence"] == ["Hdd", "Cd", "Pxe", "Others"]
        assert doc["Oem"]["Huawei"]["ProductVersion"] == "V3" and "Bios" not in doc
        assert (await http.get(f"{sys_url}/Bios", headers=h)).status_code == 404
        body = {"Oem": {"Huawei": {"BootupSequence": ["Pxe", "Cd", "Hdd", "Others"]}}}
        assert (await http.patch(sys_url, json=body, headers=h)).status_code == 412
        ok = await http.patch(sys_url, json=body, headers={**h, "If-Match": r.headers["ETag"]})
        assert ok.status_code == 200 and ok.json()["Oem"]["Huawei"]["BootupSequence"][0] == "Pxe"
        assert emu.state.blades[10].bootup_sequence == ["Pxe", "Cd", "Hdd", "Others"]
        for bad in (["Pxe", "Pxe", "Hdd", "Others"], ["PXE", "DVDROMDrive", "HardDiskDrive", "Others"]):
            r = await http.patch(sys_url, json={"Oem": {"Huawei": {"BootupSequence": bad}}},
                                 headers={**h, "If-Match": ok.headers["ETag"]})
            assert r.status_code == 400 and "PropertyValueNotInList" in r.text
        r = await http.patch(sys_url, json={"Oem": {"xFusion": {"BootupSequence": ["Hdd"]}}},
                             headers={**h, "If-Match": ok.headers["ETag"]})
        assert r.status_code == 400 and "PropertyUnknown" in r.text


async def test_v5_bios_pending_settings_applied_on_reset(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["2"]["url"]
        h = await rf_login(http, url)
        sys_url = f"{url}/redfish/v1/Systems/Blade2"
        doc = (await http.get(sys_url, headers=h)).json()
        assert "BootupSequence" not in doc["Oem"]["Huawei"] and doc["Bios"]["@odata.id"].endswith("/Bios")
        assert doc["Oem"]["Huawei"]["ProductVersion"] == "V5"
        bios = (await http.get(f"{sys_url}/Bios", headers=h)).json()
        real = capture("bios.json")
        assert [bios["Attributes"][f"BootTypeOrder{i}"] for i in range(4)] == \
            [real["Attributes"][f"BootTypeOrder{i}"] for i in range(4)]
        assert bios["@Redfish.Settings"]["SettingsObject"]["@odata.id"] == "/redfish/v1/Systems/Blade2/Bios/Settings"
        assert bios["AttributeRegistry"] == real["AttributeRegistry"]
        settings = f"{sys_url}/Bios/Settings"
        r = await http.get(settings, headers=h)
        assert r.json()["Attributes"] == {}
        new = {"BootTypeOrder0": "HardDiskDrive", "BootTypeOrder1": "PXE", "BootTypeOrder2": "DVDROMDrive"}
        assert (await http.patch(settings, json={"Attributes": new}, headers=h)).status_code == 412
        ok = await http.patch(settings, json={"Attributes": new}, headers={**h, "If-Match": r.headers["ETag"]})
        assert ok.status_code == 200 and ok.json()["Attributes"] == new
        assert (await http.get(f"{sys_url}/Bios", headers=h)).json()["Attributes"]["BootTypeOrder0"] == "DVDROMDrive"
        clash = await http.patch(settings, json={"Attributes": {"BootTypeOrder3": "PXE"}},
                                 headers={**h, "If-Match": ok.headers["ETag"]})
        assert clash.status_code == 400 and "PropertyValueConflict" in clash.text
        r = await http.patch(sys_url, json={"Oem": {"Huawei": {"BootupSequence": ["Hdd", "Cd", "Pxe", "Others"]}}},
                             headers={**h, "If-Match": (await http.get(sys_url, headers=h)).headers["ETag"]})
        assert r.status_code == 400 and "PropertyUnknown" in r.text
        emu.state.blades[2].power_state, emu.state.blades[2].pending_power = "On", None
        r = await http.post(f"{sys_url}/Actions/ComputerSystem.Reset", json={"ResetType": "ForceRestart"}, headers=h)
        assert r.status_code == 200
        assert (await http.get(settings, headers=h)).json()["Attributes"] == new    # still off: pending
        await asyncio.sleep(emu.timing.restart_s + 0.2)
        assert (await http.get(settings, headers=h)).json()["Attributes"] == {}
        applied = (await http.get(f"{sys_url}/Bios", headers=h)).json()["Attributes"]
        assert [applied[f"BootTypeOrder{i}"] for i in range(4)] == ["HardDiskDrive", "PXE", "DVDROMDrive", "Others"]


# ---------------------------------------------------------------- inventory
async def test_inventory_links_and_shapes_as_captured(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url = emu.info["ibmc"]["13"]["url"]
        h = await rf_login(http, url)
        b = emu.state.blades[13]
        system = (await http.get(f"{url}/redfish/v1/Systems/Blade13", headers=h)).json()
        real = capture("system-v5.json")
        for link in ("Processors", "Memory", "Storage"):
            assert system[link]["@odata.id"].rsplit("/", 1)[1] == real[link]["@odata.id"].rsplit("/", 1)[1]
        procs = (await http.get(f"{url}{system['Processors']['@odata.id']}", headers=h)).json()
        assert procs["Members@odata.count"] == b.cpu_count
        cpu = (await http.get(f"{url}{procs['Members'][0]['@odata.id']}", headers=h)).json()
        assert cpu["Id"] == "1" and cpu["Model"] == b.cpu_model and cpu["TotalCores"] == b.cpu_cores
        mem = (await http.get(f"{url}{system['Memory']['@odata.id']}", headers=h)).json()
        dimms = [(await http.get(f"{url}{m['@odata.id']}", headers=h)).json() for m in mem["Members"]]
        assert all(d["Id"].startswith("mainboardDIMM") for d in dimms)
        assert sum(d["CapacityMiB"] or 0 for d in dimms) == b.memory_gib * 1024
        assert any(d["Status"]["State"] == "Absent" for d in dimms)
        coll = (await http.get(f"{url}{system['Storage']['@odata.id']}", headers=h)).json()
        real_coll = capture("get-raid-storage-collection.json")
        assert [m["@odata.id"].rsplit("/", 1)[1] for m in coll["Members"]] == \
            [m["@odata.id"].rsplit("/", 1)[1] for m in real_coll["Members"]]
        st = (await http.get(f"{url}{coll['Members'][0]['@odata.id']}", headers=h)).json()
        real_st = capture("get-raid-storage-0.json")
        assert st["@odata.type"] == real_st["@odata.type"]
        assert set(st) - {"@odata.etag"} <= set(real_st)
        assert set(st["StorageControllers"][0]) <= set(real_st["StorageControllers"][0])
        assert st["StorageControllers"][0]["Model"] == b.raid_model and st["Drives@odata.count"] == len(b.drives)
        drive = (await http.get(f"{url}{st['Drives'][0]['@odata.id']}", headers=h)).json()
        real_drive = capture("get-drive-0.json")
        assert drive["@odata.id"].rsplit("/", 2)[1:] == ["Drives", "HDDPlaneDisk0"]
        assert set(drive) - {"@odata.etag"} <= set(real_drive) and drive["@odata.type"] == real_drive["@odata.type"]
        assert drive["CapacityBytes"] == b.drives[0].capacity_bytes
