"""RedfishClient against the differences between real iBMCs: Basic-only services, the vendor
(OEM) key read from the service (Huawei or xFusion), virtual media with or without the standard
actions, and the two boot-order places (V3 ``BootupSequence``, V5 BIOS pending settings).

The scripted service starts from the real Huawei captures (``redfish.json``, ``system-v5.json``,
``bios.json``); a rebranded service is the same documents with the key renamed."""
from __future__ import annotations

import json

import httpx
import pytest
from driver_fakes import FakeRedfish, fake_client, load

from vessel_core.drivers.redfish import TaskFailedError
from vessel_core.errors import AuthError, DeviceError, UnsupportedError

SESSIONS = "/redfish/v1/SessionService/Sessions"
CD = "/redfish/v1/Managers/1/VirtualMedia/CD"


client = fake_client


def rebrand(fake: FakeRedfish, new: str = "xFusion") -> None:
    for path, doc in list(fake.resources.items()):
        if isinstance(doc, dict) and path != "__actions__":
            fake.resources[path] = json.loads(
                json.dumps(doc).replace('"Huawei"', f'"{new}"').replace("/Huawei/", f"/{new}/"))


# ---------------------------------------------------------------- auth
async def test_root_without_session_service_means_basic_and_no_session_post(fake_redfish) -> None:
    root = fake_redfish.resources["/redfish/v1/"]
    del root["SessionService"]
    async with client(fake_redfish) as rf:
        assert rf.auth_in_use == "basic"
        assert (await rf.get_system("1")).id == "1"
    assert fake_redfish.method_count("POST", SESSIONS) == 0
    last = fake_redfish.requests[-1]
    assert last.headers["Authorization"].startswith("Basic ") and "X-Auth-Token" not in last.headers


async def test_session_post_401_with_basic_challenge_falls_back(fake_redfish) -> None:
    fake_redfish.basic_challenge = True
    async with client(fake_redfish) as rf:
        assert rf.auth_in_use == "basic"
        assert (await rf.get_system("1")).power_state == "On"
    assert fake_redfish.method_count("POST", SESSIONS) == 1
    assert fake_redfish.sessions == {}


async def test_refused_password_with_basic_challenge_is_auth_error_once(fake_redfish) -> None:
    # the emulator (and many services) add WWW-Authenticate to every 401, the refused login too
    fake_redfish.script[("POST", SESSIONS)] = [httpx.Response(
        401, headers={"WWW-Authenticate": "Basic"},
        json={"error": {"code": "Base.1.0.GeneralError", "@Message.ExtendedInfo": [
            {"MessageId": "iBMC.1.0.AuthorizationFailed", "Message": "bad password",
             "Severity": "Warning"}]}})]
    rf = client(fake_redfish)
    with pytest.raises(AuthError, match="AuthorizationFailed"):
        await rf.login()
    assert rf.auth_in_use is None
    assert not any("Authorization" in r.headers for r in fake_redfish.requests)
    await rf.close()


async def test_forced_session_mode_does_not_fall_back(fake_redfish) -> None:
    fake_redfish.basic_challenge = True
    rf = client(fake_redfish, auth="session")
    with pytest.raises(AuthError):
        await rf.login()
    await rf.close()


# ---------------------------------------------------------------- vendor key
@pytest.mark.parametrize("key", ["Huawei", "xFusion"])
async def test_oem_key_drives_vmm_control_and_bootup_sequence(fake_redfish, key) -> None:
    if key != "Huawei":
        rebrand(fake_redfish, key)
    fake_redfish.resources[CD] = {"@odata.id": CD, "Id": "CD", "Inserted": False, "Actions": {}}
    posted: list[tuple[str, dict]] = []

    def vmm(req: httpx.Request) -> httpx.Response:
        posted.append((req.url.path, json.loads(req.content)))
        return httpx.Response(200, json={"error": {"code": "Base.1.0.Success", "@Message.ExtendedInfo": [
            {"MessageId": "Base.1.0.Success", "Severity": "OK"}]}})

    target = f"{CD}/Oem/{key}/Actions/VirtualMedia.VmmControl"
    fake_redfish.resources["__actions__"] = {target: vmm}
    async with client(fake_redfish) as rf:
        assert await rf.oem_key() == key
        await rf.vmm_control("1", "Disconnect")
        await rf.set_bootup_sequence("1", ["Pxe", "Hdd", "Cd", "Others"])
        patched = [r for r in fake_redfish.requests if r.method == "PATCH"][-1]
    assert posted == [(target, {"VmmControlType": "Disconnect"})]
    assert json.loads(patched.content) == {"Oem": {key: {"BootupSequence": ["Pxe", "Hdd", "Cd", "Others"]}}}
    assert patched.headers["If-Match"]


async def test_no_vendor_named_is_unsupported(fake_redfish) -> None:
    del fake_redfish.resources["/redfish/v1/"]["Oem"]
    async with client(fake_redfish) as rf:
        with pytest.raises(UnsupportedError, match="vendor"):
            await rf.oem_key()


# ---------------------------------------------------------------- virtual media
def _vm(standard: bool, key: str = "Huawei") -> dict:
    doc: dict = {"@odata.id": CD, "Id": "CD", "Inserted": False, "Image": None, "Actions": {},
                 "Oem": {key: {"Actions": {"#VirtualMedia.VmmControl": {
                     "target": f"{CD}/Oem/{key}/Actions/VirtualMedia.VmmControl"}}}}}
    if standard:
        doc["Actions"] = {"#VirtualMedia.InsertMedia": {"target": f"{CD}/Actions/VirtualMedia.InsertMedia"},
                          "#VirtualMedia.EjectMedia": {"target": f"{CD}/Actions/VirtualMedia.EjectMedia"}}
    return doc


class _VmmService:
    """VmmControl answering 202 + a task; the first ``failures`` connects end in Exception."""

    def __init__(self, fake: FakeRedfish, failures: int) -> None:
        self.fake, self.failures, self.calls = fake, failures, 0
        fake.resources["__actions__"] = {f"{CD}/Oem/Huawei/Actions/VirtualMedia.VmmControl": self}

    def __call__(self, req: httpx.Request) -> httpx.Response:
        self.calls += 1
        uri = f"/redfish/v1/TaskService/Tasks/{self.calls}"
        ok = self.calls > self.failures
        end = {"@odata.id": uri, "Id": str(self.calls), "TaskState": "Completed" if ok else "Exception",
               "TaskStatus": "OK" if ok else "Warning",
               "Messages": {"MessageId": "Base.1.0.Success" if ok else "iBMC.1.0.ConnectionFailed",
                            "Message": "connected" if ok else "connection failed"}}
        self.fake.tasks[uri] = [{"@odata.id": uri, "Id": str(self.calls), "TaskState": "Running"}, end]
        if ok:
            self.fake.resources[CD].update(Inserted=True, Image=json.loads(req.content)["Image"])
        return httpx.Response(202, json={"@odata.id": uri, "@odata.type": "#Task.v1_0_2.Task",
                                         "TaskState": "Running"}, headers={"Location": uri})


async def test_standard_insert_and_eject_when_advertised(fake_redfish, sleeper) -> None:
    fake_redfish.resources[CD] = _vm(standard=True)
    seen: list[tuple[str, dict]] = []

    def std(req: httpx.Request) -> httpx.Response:
        seen.append((req.url.path.rsplit("/", 1)[-1], json.loads(req.content)))
        return httpx.Response(204)

    fake_redfish.resources["__actions__"] = {f"{CD}/Actions/VirtualMedia.InsertMedia": std,
                                             f"{CD}/Actions/VirtualMedia.EjectMedia": std}
    async with client(fake_redfish, sleeper) as rf:
        assert await rf.insert_media("1", "nfs://h/os.iso") == "InsertMedia"
        assert await rf.eject_media("1") == "EjectMedia"
    assert seen == [("VirtualMedia.InsertMedia", {"Image": "nfs://h/os.iso", "Inserted": True,
                                                  "WriteProtected": True}),
                    ("VirtualMedia.EjectMedia", {})]
    assert not any("VmmControl" in r.url.path for r in fake_redfish.requests)


async def test_vmm_control_when_standard_actions_missing_and_connect_retried(fake_redfish, sleeper) -> None:
    fake_redfish.resources[CD] = _vm(standard=False)
    svc = _VmmService(fake_redfish, failures=1)
    async with client(fake_redfish, sleeper, task_poll_interval=0.01) as rf:
        assert await rf.insert_media("1", "nfs://h/os.iso") == "VmmControl"
    assert svc.calls == 2 and fake_redfish.resources[CD]["Inserted"] is True
    assert not any(r.url.path.endswith("InsertMedia") for r in fake_redfish.requests)


async def test_connect_failing_every_time_gives_up_with_the_task_error(fake_redfish, sleeper) -> None:
    fake_redfish.resources[CD] = _vm(standard=False)
    svc = _VmmService(fake_redfish, failures=10)
    async with client(fake_redfish, sleeper, task_poll_interval=0.01) as rf:
        with pytest.raises(TaskFailedError) as ei:
            await rf.insert_media("1", "nfs://h/os.iso", connect_attempts=2)
    assert svc.calls == 2 and ei.value.message_ids == ["iBMC.1.0.ConnectionFailed"]


async def test_refused_connect_is_not_retried(fake_redfish, sleeper) -> None:
    fake_redfish.resources[CD] = _vm(standard=False)
    calls: list[int] = []

    def refuse(req: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": {"code": "Base.1.0.GeneralError", "@Message.ExtendedInfo": [
            {"MessageId": "iBMC.1.0.FileTransferProtocolMismatch", "Severity": "Warning"}]}})

    fake_redfish.resources["__actions__"] = {f"{CD}/Oem/Huawei/Actions/VirtualMedia.VmmControl": refuse}
    async with client(fake_redfish, sleeper) as rf:
        with pytest.raises(DeviceError) as ei:
            await rf.insert_media("1", "http://h/os.iso")
    assert not isinstance(ei.value, TaskFailedError) and calls == [1]
    assert ei.value.message_ids == ["iBMC.1.0.FileTransferProtocolMismatch"]


# ---------------------------------------------------------------- BIOS (V5 boot order)
async def test_bios_pending_settings_from_the_capture(fake_redfish) -> None:
    bios = load("bios.json")
    fake_redfish.resources["/redfish/v1/Systems/1/Bios"] = bios
    fake_redfish.resources["/redfish/v1/Systems/1/Bios/Settings"] = {
        "@odata.id": "/redfish/v1/Systems/1/Bios/Settings", "Id": "Settings", "Attributes": {}}
    async with client(fake_redfish) as rf:
        current = await rf.get_bios("1")
        assert current.attributes["BootTypeOrder0"] == "DVDROMDrive"
        await rf.set_bios_settings("1", {"BootTypeOrder0": "PXE", "BootTypeOrder1": "DVDROMDrive"})
        pending = await rf.get_bios_settings("1")
    assert pending.attributes == {"BootTypeOrder0": "PXE", "BootTypeOrder1": "DVDROMDrive"}
    patch = [r for r in fake_redfish.requests if r.method == "PATCH"][-1]
    assert patch.url.path == "/redfish/v1/Systems/1/Bios/Settings" and patch.headers["If-Match"]


async def test_storage_readers_follow_the_systems_link(fake_redfish) -> None:
    fake_redfish.resources["/redfish/v1/Systems/1/Storages"] = load("get-raid-storage-collection.json")
    fake_redfish.resources["/redfish/v1/Systems/1/Storages/RAIDStorage0"] = load("get-raid-storage-0.json")
    for n in (0, 1):
        fake_redfish.resources[f"/redfish/v1/Chassis/1/Drives/HDDPlaneDisk{n}"] = load(f"get-drive-{n}.json")
    async with client(fake_redfish) as rf:
        [st] = await rf.storage("1")
        assert st.storage_controllers[0].model == "SAS3508"
        st.drives = st.drives[:2]
        drives = await rf.drives(st)
    assert [d.id for d in drives] == ["HDDPlaneDisk0", "HDDPlaneDisk1"]
    assert all(d.capacity_bytes and d.capacity_bytes > 10**11 for d in drives)
    assert fake_redfish.method_count("GET", "/redfish/v1/Systems/1/Storages") == 1   # the link, not "Storage"


async def test_system_without_inventory_links_reads_empty(fake_redfish) -> None:
    for k in ("Processors", "Memory", "Storage"):
        del fake_redfish.resources["/redfish/v1/Systems/1"][k]
    async with client(fake_redfish) as rf:
        assert await rf.processors("1") == [] and await rf.memory("1") == [] and await rf.storage("1") == []
