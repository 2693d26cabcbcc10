"""HMM Redfish limits and the modern profile's per-blade iBMC Redfish."""
from __future__ import annotations

import asyncio

from sim_web_helpers import PASSWORD, rf_login

from vessel_core.sim.testing import client_for


async def test_hmm_redfish_real_limits(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        assert emu.info["ibmc"] == {}
        h = await rf_login(http, base)
        root = (await http.get(f"{base}/redfish/v1/", headers=h)).json()
        assert root["RedfishVersion"] == "1.0.2"
        systems = (await http.get(f"{base}/redfish/v1/Systems", headers=h)).json()
        assert systems["Members@odata.count"] == 0 and systems["Members"] == []
        assert (await http.get(f"{base}/redfish/v1/Systems/Blade1", headers=h)).status_code == 403
        assert (await http.get(f"{base}/redfish/v1/Chassis/Blade1/Power", headers=h)).status_code == 403
        ids = [m["@odata.id"].rsplit("/", 1)[1] for m in
               (await http.get(f"{base}/redfish/v1/Chassis", headers=h)).json()["Members"]]
        assert ids[0] == "1" and "Blade24" in ids and "Swi4" in ids and ids[-2:] == ["HMM1", "HMM2"]
        b13 = (await http.get(f"{base}/redfish/v1/Chassis/Blade13", headers=h)).json()
        assert b13["Model"] == "CH222" and b13["Status"]["State"] == "Enabled"
        b5 = (await http.get(f"{base}/redfish/v1/Chassis/Blade5", headers=h)).json()
        assert b5["Status"]["State"] == "Absent"
        assert (await http.get(f"{base}/redfish/v1/Chassis/Swi2", headers=h)).json()["Model"] == "CX310"
        acc = (await http.get(f"{base}/redfish/v1/AccountService/Accounts/2", headers=h)).json()
        assert acc["UserName"] == "root" and "REDFISH" in acc["Oem"]["Huawei"]["UserInterfaces"]
        assert (await http.get(f"{base}/redfish/v1/AccountService/Accounts/1", headers=h)).status_code == 404
        assert (await http.get(f"{base}/redfish/v1/Chassis")).status_code == 401
        sess = (await http.get(f"{base}/redfish/v1/SessionService/Sessions", headers=h)).json()
        sid = sess["Members"][0]["@odata.id"]
        assert (await http.get(f"{base}{sid}", headers=h)).json()["UserName"] == "root"
        assert (await http.delete(f"{base}{sid}", headers=h)).status_code == 204
        assert (await http.get(f"{base}/redfish/v1/Chassis", headers=h)).status_code == 401


async def _ibmc(emu, http, slot="1"):
    url = emu.info["ibmc"][slot]["url"]
    return url, await rf_login(http, url)


async def test_ibmc_session_and_etag_412(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        assert len(emu.info["ibmc"]) == 13 and "5" not in emu.info["ibmc"]
        url, h = await _ibmc(emu, http)
        root = (await http.get(f"{url}/redfish/v1/")).json()
        assert root["Tasks"]["@odata.id"] == "/redfish/v1/TaskService" and "Huawei" in root["Oem"]
        r = await http.get(f"{url}/redfish/v1/Systems/Blade1", headers=h)
        etag = r.headers["ETag"]
        patch = {"Boot": {"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Once",
                          "BootSourceOverrideMode": "UEFI"}}
        assert (await http.patch(f"{url}/redfish/v1/Systems/Blade1", json=patch, headers=h)).status_code == 412
        r = await http.patch(f"{url}/redfish/v1/Systems/Blade1", json=patch, headers={**h, "If-Match": etag})
        assert r.status_code == 200 and r.json()["Boot"]["BootSourceOverrideTarget"] == "Pxe"
        assert emu.state.blades[1].boot.mode == "UEFI"
        stale = await http.patch(f"{url}/redfish/v1/Systems/Blade1", json=patch, headers={**h, "If-Match": etag})
        assert stale.status_code == 412
        bad = await http.patch(f"{url}/redfish/v1/Systems/Blade1",
                               json={"Boot": {"BootSourceOverrideTarget": "Usb"}},
                               headers={**h, "If-Match": r.headers["ETag"]})
        assert bad.status_code == 400 and "BootSourceOverrideTarget" in bad.text
        wrong = await http.post(f"{url}/redfish/v1/SessionService/Sessions",
                                json={"UserName": "root", "Password": "x"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["@Message.ExtendedInfo"][0]["MessageId"] == "iBMC.1.0.AuthorizationFailed"


async def test_ibmc_reset_with_delay_and_success_shape(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        slot = next(s for s, b in emu.state.blades.items() if b.present and b.power_state == "Off")
        url, h = await _ibmc(emu, http, str(slot))
        sys_url = f"{url}/redfish/v1/Systems/Blade{slot}"
        r = await http.post(f"{sys_url}/Actions/ComputerSystem.Reset", json={"ResetType": "On"}, headers=h)
        assert r.status_code == 200
        info = r.json()["error"]["@Message.ExtendedInfo"][0]
        assert info["MessageId"] == "Base.1.0.Success" and info["Severity"] == "OK"
        assert (await http.get(sys_url, headers=h)).json()["PowerState"] == "Off"
        await asyncio.sleep(emu.timing.power_on_s + 0.2)
        assert (await http.get(sys_url, headers=h)).json()["PowerState"] == "On"
        assert emu.state.blades[slot].sel[-1].eventdesp == "S0 state"
        r = await http.post(f"{sys_url}/Actions/ComputerSystem.Reset", json={"ResetType": "Bogus"}, headers=h)
        assert r.status_code == 400
        info = (await http.get(f"{sys_url}/ResetActionInfo", headers=h)).json()
        assert "ForcePowerCycle" in info["Parameters"][0]["AllowableValues"]


async def test_ibmc_virtual_media(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url, h = await _ibmc(emu, http)
        cd = f"{url}/redfish/v1/Managers/Blade1/VirtualMedia/CD"
        r = await http.post(f"{cd}/Actions/VirtualMedia.InsertMedia",
                            json={"Image": "http://10.0.0.1/os.iso"}, headers=h)
        assert r.status_code == 400 and "FileTransferProtocolMismatch" in r.text
        r = await http.post(f"{cd}/Actions/VirtualMedia.InsertMedia",
                            json={"Image": "nfs://10.0.0.1/export/os.iso"}, headers=h)
        assert r.status_code == 200 and "Base.1.0.Success" in r.text
        assert (await http.get(cd, headers=h)).json()["Inserted"] is True
        r = await http.post(f"{cd}/Actions/VirtualMedia.EjectMedia", json={}, headers=h)
        assert r.status_code == 200 and not emu.state.blades[1].virtual_media["CD"].inserted
        r = await http.post(f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl",
                            json={"VmmControlType": "Connect", "Image": "cifs://srv/share/os.iso"}, headers=h)
        assert r.status_code == 202 and r.json()["TaskState"] == "Running"
        await asyncio.sleep(emu.timing.vmedia_connect_s + 0.2)
        doc = (await http.get(cd, headers=h)).json()
        assert doc["Inserted"] is True and doc["Image"] == "cifs://srv/share/os.iso"
        r = await http.post(f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl",
                            json={"VmmControlType": "Disconnect"}, headers=h)
        assert r.status_code == 200 and (await http.get(cd, headers=h)).json()["Inserted"] is False


async def test_ibmc_update_service_task_monitor(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url, h = await _ibmc(emu, http)
        r = await http.post(f"{url}/redfish/v1/UpdateService/FirmwareInventory",
                            files={"imgfile": ("iBMC_6.20.hpm", b"x" * 100)}, headers=h)
        assert r.status_code == 202
        r = await http.post(f"{url}/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate",
                            json={"ImageURI": "http://a/b.hpm", "TransferProtocol": "HTTP"}, headers=h)
        assert r.status_code == 400 and "FileTransferProtocolMismatch" in r.text
        r = await http.post(f"{url}/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate",
                            json={"ImageURI": "/tmp/web/iBMC_6.20.hpm"}, headers=h)
        assert r.status_code == 202
        monitor = r.headers["Location"]
        task = r.json()
        assert task["TaskState"] == "Running" and task["Messages"] == []
        for _ in range(40):
            m = await http.get(f"{url}{monitor}", headers=h)
            if m.status_code == 200:
                break
            assert m.status_code == 202
            await asyncio.sleep(0.1)
        done = m.json()
        assert done["TaskState"] == "Completed" and done["TaskStatus"] == "OK"
        assert isinstance(done["Messages"], dict) and done["Oem"]["Huawei"]["TaskPercentage"] == "100%"
        fw = (await http.get(f"{url}/redfish/v1/UpdateService/FirmwareInventory/ActiveBMC", headers=h)).json()
        assert fw["Version"] == "6.20"


async def test_ibmc_accounts(sim):
    async with sim(profile="modern") as emu, client_for(emu) as http:
        url, h = await _ibmc(emu, http)
        r = await http.post(f"{url}/redfish/v1/AccountService/Accounts",
                            json={"UserName": "ops", "Password": "Passw0rd!", "RoleId": "Operator"}, headers=h)
        assert r.status_code == 201
        loc = r.headers["Location"]
        etag = (await http.get(f"{url}{loc}", headers=h)).headers["ETag"]
        r = await http.patch(f"{url}{loc}", json={"RoleId": "ReadOnly"}, headers={**h, "If-Match": etag})
        assert r.status_code == 200 and r.json()["Password"] is None
        assert await rf_login(http, url, "ops", "Passw0rd!")
        assert (await http.delete(f"{url}/redfish/v1/AccountService/Accounts/2", headers=h)).status_code == 400
        assert PASSWORD not in (await http.get(f"{url}/redfish/v1/AccountService/Accounts/2", headers=h)).text
