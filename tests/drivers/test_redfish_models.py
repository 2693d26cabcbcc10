"""Redfish models against real captured payloads (Huawei iBMC, DMTF public-bladed mockup)."""
from __future__ import annotations

import json

import httpx
import pytest
from driver_fakes import BLADED_DIR, HUAWEI_DIR, load

from vessel_core.drivers.redfish.errors import ForbiddenError, PreconditionFailedError, SessionLimitError, error_for_response
from vessel_core.errors import AuthError, ConflictError, DeviceError, NotFoundError, TransientError, UnsupportedError
from vessel_core.models.redfish import (
    Chassis,
    Collection,
    ComputerSystem,
    ErrorBody,
    Manager,
    Power,
    Resource,
    ServiceRoot,
    Task,
    Thermal,
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
    assert type(drive) is Resource and drive.id and drive.odata_id.startswith("/redfish/v1/Chassis/1/Drives/")
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
