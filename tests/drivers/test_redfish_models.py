"""Redfish models against real captured payloads (Huawei iBMC, DMTF public-bladed mockup)."""
from __future__ import annotations

import json

import httpx
import pytest
from driver_fakes import BLADED_DIR, HUAWEI_DIR, load

from vessel_core.drivers.redfish.errors import ForbiddenError, PreconditionFailedError, SessionLimitError, error_for_response
from vessel_core.errors import AuthError, ConflictError, DeviceError, NotFoundError, TransientError, UnsupportedError
from vessel_core.models.redfish import (
    Bios,
    Chassis,
    Collection,
    ComputerSystem,
    Drive,
    ErrorBody,
    Manager,
    Power,
    Processor,
    Resource,
    ServiceRoot,
    Storage,
    Task,
    Thermal,
    VirtualMedia,
    parse_resource,
)

HUAWEI_FILES = sorted(HUAWEI_DIR.glob("*.json"))
BLADED_FILES = sorted(p for p in BLADED_DIR.rglob("index.json"))


def test_vendor_data_present() -> None:
    assert len(HUAWEI_FILES) == 37
    assert len(BLADED_FILES) >= 80


@pytest.mark.parametrize("path", HUAWEI_FILES + BLADED_FILES,
                         ids=lambda p: str(p).split("redfish/")[-1])
def test_every_document_round_trips_without_loss(path) -> None:
    doc = json.loads(path.read_text())
    model = parse_resource(doc)
    assert model.dump() == doc


def test_huawei_service_root() -> None:
    root = parse_resource(load("redfish.json"))
    assert isinstance(root, ServiceRoot)
    assert root.redfish_version == "1.0.2"
    assert root.task_service_path == "/redfish/v1/TaskService"  # key "Tasks" on iBMC
    assert root.huawei["ProductName"] == "2288H V5"
    assert root.huawei["DataAcquisitionService"]["@odata.id"] == "/redfish/v1/DataAcquisitionService"


@pytest.mark.parametrize("name", ["system-v5.json", "get-system-with-storage-ready.json",
                                  "get-system-with-storage-not-ready.json"])
def test_huawei_computer_system(name: str) -> None:
    s = parse_resource(load(name))
    assert isinstance(s, ComputerSystem)
    assert s.power_state == "On"
    assert s.boot is not None and s.boot.target == "None" and s.boot.enabled == "Disabled"
    assert s.boot.mode == "Legacy"
    assert s.boot.allowed_targets == ["None", "Pxe", "Floppy", "Cd", "Hdd", "BiosSetup"]
    assert s.bios_version == "0.95"
    assert s.reset_target == "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"
    oem = s.huawei_oem
    assert oem is not None
    assert oem.power_on_strategy == "TurnOn"
    assert oem.panel_power_button_enabled is True
    assert oem.safe_power_off_timeout_enabled is False
    assert oem.device_slot_id == 0
    assert oem.product_name == "2288H V5"
    assert oem.switch_ip_info == {"Base": None, "Fabric": None, "FC": None}
    # untyped Huawei fields are kept
    assert s.huawei["SafePowerOffTimoutSeconds"] == 600
    assert s.link("Storage") == "/redfish/v1/Systems/1/Storages"


def test_huawei_manager_and_chassis() -> None:
    m = parse_resource(load("manager.json"))
    assert isinstance(m, Manager)
    assert m.firmware_version == "3.12" and m.model == "iBMC"
    assert m.virtual_media.odata_id == "/redfish/v1/Managers/1/VirtualMedia"
    assert m.huawei["BMCUpTime"] == "1 days 04h:18m:19s"
    c = parse_resource(load("get-chassis-response.json"))
    assert isinstance(c, Chassis)
    assert c.chassis_type == "Rack" and c.present
    assert c.power.odata_id == "/redfish/v1/Chassis/1/Power"
    assert c.huawei["InletTemperatureCelsius"] == 26
    coll = parse_resource(load("manager-collection.json"))
    assert isinstance(coll, Collection) and coll.member_paths == ["/redfish/v1/Managers/1"]


def test_huawei_tasks_messages_object_and_list() -> None:
    running = parse_resource(load("get-initial-task-response.json"))
    assert isinstance(running, Task)
    assert running.task_state == "Running" and not running.is_terminal
    assert running.message_list == [] and running.percent is None
    done = parse_resource(load("create-volume-task-complete-response.json"))
    assert done.succeeded and done.task_status == "OK"
    assert [m.message_id for m in done.message_list] == ["iBMC.1.0.VolumeCreationSuccess"]
    failed = parse_resource(load("create-volume-task-exception-response.json"))
    assert failed.is_terminal and not failed.succeeded
    assert failed.message_list[0].message_id == "iBMC.1.0.PhysicalDiskIdInvalid"
    assert failed.message_list[0].related_properties == ["#/Oem/Huawei/Drives"]
    pct = Task.model_validate({"TaskState": "Running", "Oem": {"Huawei": {"TaskPercentage": "10%"}}})
    assert pct.percent == 10


def test_generic_resources_keep_fields() -> None:
    drive = parse_resource(load("get-drive-0.json"))
    assert isinstance(drive, Drive) and drive.id == "HDDPlaneDisk0"
    assert drive.odata_id.startswith("/redfish/v1/Chassis/1/Drives/")
    assert drive.capacity_bytes == 3999999721472 and drive.media_type == "HDD" and drive.protocol == "SATA"
    assert drive.model is None and drive.huawei["Position"] == "HDDPlane"   # the capture's null model kept
    assert type(parse_resource({"@odata.type": "#Volume.v1_0_0.Volume", "Id": "0"})) is Resource
    bios = parse_resource(load("bios.json"))
    assert bios.attributes["ProcessorVMXEnable"] == "Enabled"


def test_dmtf_bladed_mockup() -> None:
    def doc(rel: str) -> dict:
        return json.loads((BLADED_DIR / rel / "index.json").read_text())

    root = parse_resource(doc("."))
    assert isinstance(root, ServiceRoot) and root.redfish_version == "1.15.0"
    assert root.task_service_path == "/redfish/v1/TaskService"
    system = parse_resource(doc("Systems/529QB9450R6"))
    assert isinstance(system, ComputerSystem)
    assert system.power_state == "On" and system.model == "SX1000"
    assert "Usb" in system.boot.allowed_targets
    assert system.allowed_reset_types == ["On", "ForceOff", "GracefulShutdown", "GracefulRestart",
                                          "ForceRestart", "Nmi", "ForceOn", "PushPowerButton"]
    blade = parse_resource(doc("Chassis/Blade1"))
    assert isinstance(blade, Chassis) and blade.chassis_type == "Blade" and blade.power_state == "On"
    assert blade.links["ContainedBy"]["@odata.id"] == "/redfish/v1/Chassis/MultiBladeEncl"
    power = parse_resource(doc("Chassis/MultiBladeEncl/Power"))
    assert isinstance(power, Power)
    assert [p.last_power_output_watts for p in power.power_supplies] == [650, 635]
    thermal = parse_resource(doc("Chassis/MultiBladeEncl/Thermal"))
    assert isinstance(thermal, Thermal) and thermal.fans
    sessions = parse_resource(doc("SessionService/Sessions"))
    assert isinstance(sessions, Collection)
    assert sessions.member_paths == ["/redfish/v1/SessionService/Sessions/12623963E803C264"]
    acct = parse_resource(doc("AccountService/Accounts/1"))
    assert acct.user_name and acct.role_id


# ---------------------------------------------------------------- error bodies
@pytest.mark.parametrize("name", ["restore-raid-storage-response.json",
                                  "restore-storage-response.json",
                                  "quick-init-volume-response.json"])
def test_error_shaped_success_is_recognised(name: str) -> None:
    body = parse_resource(load(name))
    assert isinstance(body, ErrorBody)
    assert body.is_success
    assert body.message_ids == ["Base.1.0.Success"]


def test_real_error_body_is_not_success() -> None:
    body = parse_resource(load("create-volume-failed-400-response.json"))
    assert isinstance(body, ErrorBody) and not body.is_success
    assert body.most_severe().message_id == "iBMC.1.0.UnnecessaryPropWhenCreateVol"


def _resp(status: int, doc: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=doc) if doc is not None else httpx.Response(status)


def _ext(mid: str) -> dict:
    return {"error": {"code": "Base.1.0.GeneralError", "message": "x",
                      "@Message.ExtendedInfo": [{"MessageId": mid, "Message": f"msg {mid}",
                                                 "Severity": "Warning"}]}}


@pytest.mark.parametrize("status,doc,cls", [
    (400, load("create-volume-failed-400-response.json"), DeviceError),
    (401, _ext("iBMC.1.0.AuthorizationFailed"), AuthError),
    (403, None, ForbiddenError),
    (404, _ext("Base.1.0.ResourceMissingAtURI"), NotFoundError),
    (409, None, ConflictError),
    (412, _ext("Base.1.0.PreconditionFailed"), PreconditionFailedError),
    (405, None, UnsupportedError),
    (400, _ext("Base.1.0.PropertyNotWritable"), UnsupportedError),
    (503, None, TransientError),
    (503, _ext("Base.1.0.SessionLimitExceeded"), SessionLimitError),
])
def test_error_bodies_map_to_typed_errors(status, doc, cls) -> None:
    err = error_for_response(_resp(status, doc), target="bmc", operation="PATCH /x")
    assert type(err) is cls
    assert err.status == status and err.target == "bmc" and err.operation == "PATCH /x"


def test_error_message_carries_device_text_redacted() -> None:
    doc = _ext("iBMC.1.0.FileTransferProtocolMismatch")
    doc["error"]["@Message.ExtendedInfo"][0]["Message"] = "bad uri nfs://u:hunter2@h/x password=hunter2"
    err = error_for_response(_resp(400, doc), target="bmc", operation="POST /a",
                             secrets=("hunter2",))
    assert "FileTransferProtocolMismatch" in str(err)
    assert "hunter2" not in str(err)
    assert err.message_ids == ["iBMC.1.0.FileTransferProtocolMismatch"]


RACK_SYSTEM = BLADED_DIR.parent / "public-rackmount1" / "Systems" / "437XR1138R2"


def _rebrand(doc: object, old: str = "Huawei", new: str = "xFusion") -> object:
    """The same document as rebranded firmware serves it (key and paths renamed)."""
    return json.loads(json.dumps(doc).replace(f'"{old}"', f'"{new}"').replace(f"/{old}/", f"/{new}/"))


def test_oem_key_from_the_service_root() -> None:
    root = ServiceRoot.model_validate(load("redfish.json"))
    assert root.oem_key == "Huawei" and root.has_session_service
    xf = ServiceRoot.model_validate(_rebrand(load("redfish.json")))
    assert xf.oem_key == "xFusion" and xf.vendor_oem("xFusion")["ProductName"] == "2288H V5"
    assert xf.huawei == {}
    # Vendor wins when it is one of the Oem keys; alone it still names the key
    both = ServiceRoot.model_validate({"Vendor": "xFusion", "Oem": {"Contoso": {}, "xFusion": {}}})
    assert both.oem_key == "xFusion"
    assert ServiceRoot.model_validate({"Vendor": "xFusion"}).oem_key == "xFusion"
    bladed = ServiceRoot.model_validate(json.loads((BLADED_DIR / "index.json").read_text()))
    assert bladed.has_session_service
    no_sessions = {k: v for k, v in load("redfish.json").items() if k != "SessionService"}
    assert not ServiceRoot.model_validate(no_sessions).has_session_service


def test_vendor_blocks_under_either_key() -> None:
    for key, doc in (("Huawei", load("system-v5.json")), ("xFusion", _rebrand(load("system-v5.json")))):
        s = ComputerSystem.model_validate(doc)
        oem = s.system_oem(key)
        assert oem is not None and oem.product_version == "V5" and oem.power_on_strategy == "TurnOn"
        assert oem.bootup_sequence is None          # a V5 board: boot order lives in the BIOS
        assert s.oem_action_target(key, "ComputerSystem.FruControl") == \
            f"/redfish/v1/Systems/1/Actions/Oem/{key}/ComputerSystem.FruControl"
        assert s.storage_path == "/redfish/v1/Systems/1/Storages"     # Huawei's "Storages"
        assert s.bios_path == "/redfish/v1/Systems/1/Bios" and s.processors_path.endswith("/Processors")
    t = Task.model_validate({"TaskState": "Running", "Oem": {"xFusion": {"TaskPercentage": "40%"}}})
    assert t.percent == 40


def test_virtual_media_actions_standard_and_vendor() -> None:
    cd = "/redfish/v1/Managers/1/VirtualMedia/CD"
    huawei = VirtualMedia.model_validate({
        "@odata.id": cd, "Actions": {},
        "Oem": {"Huawei": {"Actions": {"#VirtualMedia.VmmControl": {
            "target": f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl"}}}}})
    assert huawei.standard_action_target("InsertMedia") is None
    assert huawei.vmm_control_target("Huawei") == f"{cd}/Oem/Huawei/Actions/VirtualMedia.VmmControl"
    assert huawei.vmm_control_target("xFusion") is None
    dmtf_place = VirtualMedia.model_validate({"Actions": {"Oem": {"xFusion": {
        "#VirtualMedia.VmmControl": {"target": "/x"}}}}})
    assert dmtf_place.vmm_control_target("xFusion") == "/x"
    std = VirtualMedia.model_validate({"Actions": {
        "#VirtualMedia.InsertMedia": {"target": f"{cd}/Actions/VirtualMedia.InsertMedia"},
        "#VirtualMedia.EjectMedia": {"target": f"{cd}/Actions/VirtualMedia.EjectMedia"}}})
    assert std.standard_action_target("EjectMedia") == f"{cd}/Actions/VirtualMedia.EjectMedia"


def test_storage_bios_and_inventory_captures() -> None:
    st = parse_resource(load("get-raid-storage-0.json"))
    assert isinstance(st, Storage) and st.id == "RAIDStorage0"
    assert st.storage_controllers[0].model == "SAS3508" and len(st.drive_paths) == 10
    assert st.drive_paths[0] == "/redfish/v1/Chassis/1/Drives/HDDPlaneDisk0"
    bios = parse_resource(load("bios.json"))
    assert isinstance(bios, Bios) and bios.settings_path == "/redfish/v1/Systems/1/Bios/Settings"
    assert [bios.attributes[f"BootTypeOrder{i}"] for i in range(4)] == \
        ["DVDROMDrive", "PXE", "HardDiskDrive", "Others"]
    cpu = parse_resource(json.loads((RACK_SYSTEM / "Processors" / "CPU1" / "index.json").read_text()))
    assert isinstance(cpu, Processor) and cpu.total_cores == 8 and cpu.model.startswith("Multi-Core Intel")
    dimm = parse_resource(json.loads((RACK_SYSTEM / "Memory" / "DIMM1" / "index.json").read_text()))
    assert dimm.capacity_mib == 32768 and dimm.populated
    assert not type(dimm).model_validate({"Status": {"State": "Absent"}, "CapacityMiB": None}).populated
