"""Pydantic models of the Redfish resources Vessel reads (DMTF schema names, Huawei OEM kept).

Every model allows extra keys, so a document round-trips without loss:
``Model.model_validate(doc).model_dump(by_alias=True, exclude_unset=True) == doc``.
Python attribute names are snake_case; the Redfish key is the alias (``power_state`` ↔
``PowerState``). The iBMC's vendor block (``Oem.Huawei``, or ``Oem.xFusion`` after the rebrand)
is read with :meth:`Resource.vendor_oem` and the key the service names
(:attr:`ServiceRoot.oem_key`); typed views exist for what the SDK uses and everything else stays
as extra keys. ``huawei``/``huawei_oem`` are conveniences for the ``Huawei`` key only.

:func:`parse_resource` picks the model from ``@odata.type`` and falls back to
:class:`Resource`.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RedfishModel", "Link", "Status", "Resource", "Collection", "ServiceRoot",
    "Boot", "HuaweiSystemOem", "VendorSystemOem", "ComputerSystem", "Processor", "Memory",
    "Storage", "StorageController", "Drive", "Chassis", "Manager", "VirtualMedia",
    "UpdateService", "SoftwareInventory", "TaskService", "Task", "Message", "AccountService",
    "ManagerAccount", "SessionService", "Session", "Power", "PowerControl", "PowerSupply",
    "Thermal", "Temperature", "Fan", "Bios", "ErrorBody", "parse_resource", "oem_keys", "MODELS",
]


class RedfishModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        """The document as the device sent it (aliases, unset defaults omitted)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class Link(RedfishModel):
    odata_id: str = Field(alias="@odata.id")


class Status(RedfishModel):
    state: str | None = Field(None, alias="State")
    health: str | None = Field(None, alias="Health")
    health_rollup: str | None = Field(None, alias="HealthRollup")


class Oem(RedfishModel):
    """``Oem`` block; ``huawei`` is the ``Huawei`` member as a plain mapping unless typed."""

    huawei: dict[str, Any] | None = Field(None, alias="Huawei")


class Resource(RedfishModel):
    odata_id: str | None = Field(None, alias="@odata.id")
    odata_type: str | None = Field(None, alias="@odata.type")
    odata_etag: str | None = Field(None, alias="@odata.etag")
    id: str | None = Field(None, alias="Id")
    name: str | None = Field(None, alias="Name")
    status: Status | None = Field(None, alias="Status")
    oem: Oem | None = Field(None, alias="Oem")

    def vendor_oem(self, key: str) -> dict[str, Any]:
        """``Oem.<key>`` as a mapping (empty when absent); ``key`` comes from the service
        (:attr:`ServiceRoot.oem_key`), e.g. ``Huawei`` or ``xFusion``."""
        return _oem_member(self.oem, key)

    @property
    def huawei(self) -> dict[str, Any]:
        """``Oem.Huawei`` as a mapping (empty when absent)."""
        return self.vendor_oem("Huawei")

    def link(self, key: str) -> str | None:
        """``@odata.id`` of a navigation property such as ``"Power"`` or ``"VirtualMedia"``."""
        value = getattr(self, "model_extra", None) or {}
        raw = value.get(key)
        if raw is None:
            attr = next((n for n, f in type(self).model_fields.items() if f.alias == key), None)
            raw = getattr(self, attr) if attr else None
        if isinstance(raw, Link):
            return raw.odata_id
        if isinstance(raw, dict):
            return raw.get("@odata.id")
        return None


def _oem_member(oem: RedfishModel | dict[str, Any] | None, key: str) -> dict[str, Any]:
    if oem is None:
        return {}
    doc = oem if isinstance(oem, dict) else oem.dump()
    block = doc.get(key)
    return block if isinstance(block, dict) else {}


def oem_keys(oem: RedfishModel | dict[str, Any] | None) -> list[str]:
    """Vendor keys of an ``Oem`` object (members that are objects), in document order."""
    if oem is None:
        return []
    doc = oem if isinstance(oem, dict) else oem.dump()
    return [k for k, v in doc.items() if isinstance(v, dict) and not k.startswith("@")]


class Collection(Resource):
    members: list[Link] = Field(default_factory=list, alias="Members")
    members_count: int | None = Field(None, alias="Members@odata.count")

    @property
    def member_paths(self) -> list[str]:
        return [m.odata_id for m in self.members]


class ServiceRoot(Resource):
    redfish_version: str | None = Field(None, alias="RedfishVersion")
    uuid: str | None = Field(None, alias="UUID")
    systems: Link | None = Field(None, alias="Systems")
    chassis: Link | None = Field(None, alias="Chassis")
    managers: Link | None = Field(None, alias="Managers")
    # iBMC and the DMTF mockups name the task service "Tasks" (not "TaskService").
    tasks: Link | None = Field(None, alias="Tasks")
    session_service: Link | None = Field(None, alias="SessionService")
    account_service: Link | None = Field(None, alias="AccountService")
    update_service: Link | None = Field(None, alias="UpdateService")
    event_service: Link | None = Field(None, alias="EventService")
    registries: Link | None = Field(None, alias="Registries")
    vendor: str | None = Field(None, alias="Vendor")
    links: dict[str, Any] | None = Field(None, alias="Links")

    @property
    def task_service_path(self) -> str | None:
        if self.tasks:
            return self.tasks.odata_id
        return self.link("TaskService")

    @property
    def has_session_service(self) -> bool:
        """The root links a SessionService (or ``Links.Sessions``); without one a client can
        only use HTTP Basic authentication."""
        sessions = (self.links or {}).get("Sessions")
        return self.session_service is not None or bool(
            isinstance(sessions, dict) and sessions.get("@odata.id"))

    @property
    def oem_key(self) -> str | None:
        """The vendor namespace the service uses under ``Oem`` and in OEM action paths.

        Huawei's iBMC names it in the root's ``Oem`` object (``Huawei``, ``xFusion`` after the
        rebrand); newer services also say ``Vendor``. When both exist and ``Vendor`` is one of
        the ``Oem`` keys it wins; else the first ``Oem`` key; else ``Vendor``; else None."""
        keys = oem_keys(self.oem)
        if self.vendor and self.vendor in keys:
            return self.vendor
        if keys:
            return keys[0]
        return self.vendor or None


class Boot(RedfishModel):
    target: str | None = Field(None, alias="BootSourceOverrideTarget")
    enabled: str | None = Field(None, alias="BootSourceOverrideEnabled")
    mode: str | None = Field(None, alias="BootSourceOverrideMode")
    allowed_targets: list[str] | None = Field(
        None, alias="BootSourceOverrideTarget@Redfish.AllowableValues")


class HuaweiSystemOem(RedfishModel):
    power_on_strategy: str | None = Field(None, alias="PowerOnStrategy")
    panel_power_button_enabled: bool | None = Field(None, alias="PanelPowerButtonEnabled")
    safe_power_off_timeout_enabled: bool | None = Field(None, alias="SafePowerOffTimeoutEnabled")
    device_slot_id: int | None = Field(None, alias="DeviceSlotID")
    slot_width: int | None = Field(None, alias="SlotWidth")
    product_name: str | None = Field(None, alias="ProductName")
    product_version: str | None = Field(None, alias="ProductVersion")
    switch_ip_info: dict[str, Any] | None = Field(None, alias="SwitchIpInfo")
    # V3 boards only: the persistent BIOS boot order (a permutation of Hdd, Cd, Pxe, Others).
    bootup_sequence: list[str] | None = Field(None, alias="BootupSequence")


VendorSystemOem = HuaweiSystemOem


class SystemOem(Oem):
    huawei: HuaweiSystemOem | None = Field(None, alias="Huawei")  # type: ignore[assignment]


class ComputerSystem(Resource):
    power_state: str | None = Field(None, alias="PowerState")
    boot: Boot | None = Field(None, alias="Boot")
    bios_version: str | None = Field(None, alias="BiosVersion")
    model: str | None = Field(None, alias="Model")
    manufacturer: str | None = Field(None, alias="Manufacturer")
    serial_number: str | None = Field(None, alias="SerialNumber")
    uuid: str | None = Field(None, alias="UUID")
    asset_tag: str | None = Field(None, alias="AssetTag")
    actions: dict[str, Any] | None = Field(None, alias="Actions")
    oem: SystemOem | None = Field(None, alias="Oem")

    @property
    def huawei_oem(self) -> HuaweiSystemOem | None:
        return self.oem.huawei if self.oem else None

    def system_oem(self, key: str) -> VendorSystemOem | None:
        """The typed vendor block ``Oem.<key>`` (None when absent)."""
        block = self.vendor_oem(key)
        return VendorSystemOem.model_validate(block) if block else None

    def oem_action_target(self, key: str, name: str) -> str | None:
        """``Actions.Oem.<key>.#<name>.target`` (e.g. ``ComputerSystem.FruControl``)."""
        oem = ((self.actions or {}).get("Oem") or {}).get(key) or {}
        return (oem.get(f"#{name}") or {}).get("target")

    @property
    def bios_path(self) -> str | None:
        return self.link("Bios")

    @property
    def processors_path(self) -> str | None:
        return self.link("Processors")

    @property
    def memory_path(self) -> str | None:
        return self.link("Memory")

    @property
    def storage_path(self) -> str | None:
        """``Storage`` link (Huawei firmware points it at ``…/Storages``)."""
        return self.link("Storage") or self.link("Storages")

    @property
    def reset_target(self) -> str | None:
        action = (self.actions or {}).get("#ComputerSystem.Reset") or {}
        return action.get("target")

    @property
    def allowed_reset_types(self) -> list[str] | None:
        action = (self.actions or {}).get("#ComputerSystem.Reset") or {}
        return action.get("ResetType@Redfish.AllowableValues")


class Chassis(Resource):
    chassis_type: str | None = Field(None, alias="ChassisType")
    model: str | None = Field(None, alias="Model")
    manufacturer: str | None = Field(None, alias="Manufacturer")
    serial_number: str | None = Field(None, alias="SerialNumber")
    part_number: str | None = Field(None, alias="PartNumber")
    power_state: str | None = Field(None, alias="PowerState")
    indicator_led: str | None = Field(None, alias="IndicatorLED")
    power: Link | None = Field(None, alias="Power")
    thermal: Link | None = Field(None, alias="Thermal")
    links: dict[str, Any] | None = Field(None, alias="Links")

    @property
    def present(self) -> bool:
        return (self.status.state if self.status else None) != "Absent"


class Manager(Resource):
    manager_type: str | None = Field(None, alias="ManagerType")
    firmware_version: str | None = Field(None, alias="FirmwareVersion")
    model: str | None = Field(None, alias="Model")
    uuid: str | None = Field(None, alias="UUID")
    virtual_media: Link | None = Field(None, alias="VirtualMedia")
    ethernet_interfaces: Link | None = Field(None, alias="EthernetInterfaces")
    network_protocol: Link | None = Field(None, alias="NetworkProtocol")
    log_services: Link | None = Field(None, alias="LogServices")
    actions: dict[str, Any] | None = Field(None, alias="Actions")
    links: dict[str, Any] | None = Field(None, alias="Links")


class VirtualMedia(Resource):
    image: str | None = Field(None, alias="Image")
    image_name: str | None = Field(None, alias="ImageName")
    inserted: bool | None = Field(None, alias="Inserted")
    media_types: list[str] | None = Field(None, alias="MediaTypes")
    connected_via: str | None = Field(None, alias="ConnectedVia")
    actions: dict[str, Any] | None = Field(None, alias="Actions")

    def standard_action_target(self, name: str) -> str | None:
        """Target of ``#VirtualMedia.<name>`` (``InsertMedia``/``EjectMedia``) when the
        resource advertises it in ``Actions``; None otherwise."""
        action = (self.actions or {}).get(f"#VirtualMedia.{name}")
        return action.get("target") if isinstance(action, dict) else None

    def vmm_control_target(self, key: str) -> str | None:
        """The vendor's ``VirtualMedia.VmmControl`` target, when advertised. Huawei iBMCs put it
        at ``Oem.<key>.Actions`` (its URL mirrors that: ``…/CD/Oem/<key>/Actions/…``); the
        DMTF place ``Actions.Oem.<key>`` is read too."""
        for holder in ((self.vendor_oem(key).get("Actions") or {}),
                       (((self.actions or {}).get("Oem") or {}).get(key) or {})):
            action = holder.get("#VirtualMedia.VmmControl") if isinstance(holder, dict) else None
            if isinstance(action, dict) and action.get("target"):
                return str(action["target"])
        return None


class UpdateService(Resource):
    service_enabled: bool | None = Field(None, alias="ServiceEnabled")
    firmware_inventory: Link | None = Field(None, alias="FirmwareInventory")
    actions: dict[str, Any] | None = Field(None, alias="Actions")

    @property
    def simple_update_target(self) -> str:
        action = (self.actions or {}).get("#UpdateService.SimpleUpdate") or {}
        return action.get("target") or "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate"


class SoftwareInventory(Resource):
    version: str | None = Field(None, alias="Version")
    updateable: bool | None = Field(None, alias="Updateable")


class Message(RedfishModel):
    message_id: str | None = Field(None, alias="MessageId")
    message: str | None = Field(None, alias="Message")
    message_args: list[Any] | None = Field(None, alias="MessageArgs")
    severity: str | None = Field(None, alias="Severity")
    resolution: str | None = Field(None, alias="Resolution")
    related_properties: list[str] | None = Field(None, alias="RelatedProperties")


class TaskService(Resource):
    tasks: Link | None = Field(None, alias="Tasks")


TERMINAL_TASK_STATES = frozenset({"Completed", "Exception", "Killed", "Cancelled", "Interrupted"})
_PERCENT = re.compile(r"^\s*(\d+)\s*%?\s*$")


class Task(Resource):
    task_state: str | None = Field(None, alias="TaskState")
    task_status: str | None = Field(None, alias="TaskStatus")
    start_time: str | None = Field(None, alias="StartTime")
    end_time: str | None = Field(None, alias="EndTime")
    percent_complete: int | None = Field(None, alias="PercentComplete")
    # Huawei iBMC sends a single object here, DMTF a list; both shapes are kept as sent.
    messages: list[Message] | Message | None = Field(None, alias="Messages")

    @property
    def message_list(self) -> list[Message]:
        if self.messages is None:
            return []
        return list(self.messages) if isinstance(self.messages, list) else [self.messages]

    @property
    def is_terminal(self) -> bool:
        return self.task_state in TERMINAL_TASK_STATES

    @property
    def succeeded(self) -> bool:
        return self.task_state == "Completed"

    @property
    def percent(self) -> int | None:
        """``PercentComplete``, else the vendor's ``Oem.<key>.TaskPercentage`` (``"10%"``)."""
        if self.percent_complete is not None:
            return self.percent_complete
        raw = next((self.vendor_oem(k)["TaskPercentage"] for k in oem_keys(self.oem)
                    if "TaskPercentage" in self.vendor_oem(k)), None)
        if isinstance(raw, int):
            return raw
        m = _PERCENT.match(raw) if isinstance(raw, str) else None
        return int(m.group(1)) if m else None


class AccountService(Resource):
    accounts: Link | None = Field(None, alias="Accounts")
    roles: Link | None = Field(None, alias="Roles")
    service_enabled: bool | None = Field(None, alias="ServiceEnabled")


class ManagerAccount(Resource):
    user_name: str | None = Field(None, alias="UserName")
    role_id: str | None = Field(None, alias="RoleId")
    enabled: bool | None = Field(None, alias="Enabled")
    locked: bool | None = Field(None, alias="Locked")


class SessionService(Resource):
    sessions: Link | None = Field(None, alias="Sessions")
    session_timeout: int | None = Field(None, alias="SessionTimeout")
    service_enabled: bool | None = Field(None, alias="ServiceEnabled")


class Session(Resource):
    user_name: str | None = Field(None, alias="UserName")


class PowerControl(RedfishModel):
    member_id: str | None = Field(None, alias="MemberId")
    name: str | None = Field(None, alias="Name")
    power_consumed_watts: float | None = Field(None, alias="PowerConsumedWatts")
    power_capacity_watts: float | None = Field(None, alias="PowerCapacityWatts")


class PowerSupply(RedfishModel):
    member_id: str | None = Field(None, alias="MemberId")
    name: str | None = Field(None, alias="Name")
    status: Status | None = Field(None, alias="Status")
    power_capacity_watts: float | None = Field(None, alias="PowerCapacityWatts")
    last_power_output_watts: float | None = Field(None, alias="LastPowerOutputWatts")
    firmware_version: str | None = Field(None, alias="FirmwareVersion")
    serial_number: str | None = Field(None, alias="SerialNumber")


class Power(Resource):
    power_control: list[PowerControl] = Field(default_factory=list, alias="PowerControl")
    power_supplies: list[PowerSupply] = Field(default_factory=list, alias="PowerSupplies")


class Temperature(RedfishModel):
    member_id: str | None = Field(None, alias="MemberId")
    name: str | None = Field(None, alias="Name")
    reading_celsius: float | None = Field(None, alias="ReadingCelsius")
    status: Status | None = Field(None, alias="Status")


class Fan(RedfishModel):
    member_id: str | None = Field(None, alias="MemberId")
    name: str | None = Field(None, alias="Name")
    reading: float | None = Field(None, alias="Reading")
    reading_units: str | None = Field(None, alias="ReadingUnits")
    status: Status | None = Field(None, alias="Status")


class Thermal(Resource):
    temperatures: list[Temperature] = Field(default_factory=list, alias="Temperatures")
    fans: list[Fan] = Field(default_factory=list, alias="Fans")


class Bios(Resource):
    attribute_registry: str | None = Field(None, alias="AttributeRegistry")
    attributes: dict[str, Any] = Field(default_factory=dict, alias="Attributes")
    settings: dict[str, Any] | None = Field(None, alias="@Redfish.Settings")

    @property
    def settings_path(self) -> str | None:
        """``@Redfish.Settings.SettingsObject`` (the pending-settings resource), if named."""
        obj = (self.settings or {}).get("SettingsObject") or {}
        return obj.get("@odata.id") if isinstance(obj, dict) else None


class Processor(Resource):
    socket: str | None = Field(None, alias="Socket")
    processor_type: str | None = Field(None, alias="ProcessorType")
    manufacturer: str | None = Field(None, alias="Manufacturer")
    model: str | None = Field(None, alias="Model")
    total_cores: int | None = Field(None, alias="TotalCores")
    total_threads: int | None = Field(None, alias="TotalThreads")
    max_speed_mhz: int | None = Field(None, alias="MaxSpeedMHz")


class Memory(Resource):
    capacity_mib: int | None = Field(None, alias="CapacityMiB")
    manufacturer: str | None = Field(None, alias="Manufacturer")
    memory_device_type: str | None = Field(None, alias="MemoryDeviceType")
    operating_speed_mhz: int | None = Field(None, alias="OperatingSpeedMhz")
    device_locator: str | None = Field(None, alias="DeviceLocator")

    @property
    def populated(self) -> bool:
        """A DIMM slot holds a module (Huawei lists empty slots as ``Status.State: Absent``)."""
        return (self.status.state if self.status else None) != "Absent" and bool(self.capacity_mib)


class StorageController(RedfishModel):
    member_id: str | None = Field(None, alias="MemberId")
    name: str | None = Field(None, alias="Name")
    model: str | None = Field(None, alias="Model")
    firmware_version: str | None = Field(None, alias="FirmwareVersion")
    status: Status | None = Field(None, alias="Status")


class Storage(Resource):
    storage_controllers: list[StorageController] = Field(default_factory=list,
                                                         alias="StorageControllers")
    drives: list[Link] = Field(default_factory=list, alias="Drives")

    @property
    def drive_paths(self) -> list[str]:
        return [d.odata_id for d in self.drives]


class Drive(Resource):
    model: str | None = Field(None, alias="Model")
    capacity_bytes: int | None = Field(None, alias="CapacityBytes")
    media_type: str | None = Field(None, alias="MediaType")
    protocol: str | None = Field(None, alias="Protocol")
    serial_number: str | None = Field(None, alias="SerialNumber")
    manufacturer: str | None = Field(None, alias="Manufacturer")


class ErrorInfo(RedfishModel):
    code: str | None = None
    message: str | None = None
    extended_info: list[Message] = Field(default_factory=list, alias="@Message.ExtendedInfo")


class ErrorBody(RedfishModel):
    """A Redfish error document ``{"error": {...}}``."""

    error: ErrorInfo

    @property
    def message_ids(self) -> list[str]:
        return [m.message_id for m in self.error.extended_info if m.message_id]

    @property
    def is_success(self) -> bool:
        """Huawei answers some successful actions with an error-shaped body whose only
        ``@Message.ExtendedInfo`` entries are ``Base.1.0.Success``; recognise that."""
        infos = self.error.extended_info
        return bool(infos) and all(
            (m.message_id or "").rsplit(".", 1)[-1] == "Success"
            and (m.severity or "OK") == "OK" for m in infos)

    def most_severe(self) -> Message | None:
        rank = {"Critical": 0, "Warning": 1, "OK": 2}
        infos = sorted(self.error.extended_info, key=lambda m: rank.get(m.severity or "", 3))
        return infos[0] if infos else None


MODELS: dict[str, type[Resource]] = {
    "ServiceRoot": ServiceRoot, "ComputerSystem": ComputerSystem, "Chassis": Chassis,
    "Manager": Manager, "VirtualMedia": VirtualMedia, "UpdateService": UpdateService,
    "SoftwareInventory": SoftwareInventory, "TaskService": TaskService, "Task": Task,
    "AccountService": AccountService, "ManagerAccount": ManagerAccount,
    "SessionService": SessionService, "Session": Session, "Power": Power, "Thermal": Thermal,
    "Bios": Bios, "Processor": Processor, "Memory": Memory, "Storage": Storage, "Drive": Drive,
}


def _type_name(odata_type: str | None) -> str | None:
    if not odata_type:
        return None
    # "#Chassis.v1_4_0.Chassis" → "Chassis"; "#ManagerCollection.ManagerCollection" → ...
    return odata_type.lstrip("#").rsplit(".", 1)[-1]


def parse_resource(doc: dict[str, Any]) -> Resource | ErrorBody:
    """Validate ``doc`` with the model its ``@odata.type`` names (or the generic one)."""
    if "error" in doc and "@odata.id" not in doc:
        return ErrorBody.model_validate(doc)
    name = _type_name(doc.get("@odata.type"))
    if name and name.endswith("Collection") and "Members" in doc:
        return Collection.model_validate(doc)
    return MODELS.get(name or "", Resource).model_validate(doc)
