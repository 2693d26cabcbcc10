"""A blade's own iBMC Redfish service (``modern`` profile; fact sheet §3.3/§3.4).

One HTTPS listener per present blade; resources use the id ``Blade<N>``. Conventions from
Huawei's iBMC: the root's task link is named ``Tasks``; PATCH needs ``If-Match`` (412
otherwise); actions answer 200 with the error-shaped ``Base.1.0.Success`` body; VmmControl
and SimpleUpdate answer 202 with a Task whose ``Messages`` is a single object once terminal
and whose ``Oem.<vendor>.TaskPercentage`` is a string such as ``"40%"``.

Per-iBMC differences (``EmulatorOptions``): the vendor key (``Huawei`` or the rebranded
``xFusion``) in every OEM block and OEM action path; Basic-only services without a
SessionService; VirtualMedia with or without the standard InsertMedia/EjectMedia actions; an
opt-in VmmControl Connect that fails the first N times.

Board generations (``Blade.generation``): a V3 board carries its persistent boot order as
``Oem.<vendor>.BootupSequence`` on the ComputerSystem (PATCH with If-Match, immediate) and
serves no Bios resource [INF]; a V5 board has none there and keeps it in the BIOS attributes
``BootTypeOrder0..3``: ``Systems/<id>/Bios`` (in effect) and ``Bios/Settings`` (pending, PATCH
with If-Match), applied when the host next boots.

Inventory as the iBMC captures link it: ``Processors`` (members ``1``, ``2`` [INF]),
``Memory`` (``mainboardDIMM<cpu><channel><slot>``, empty slots listed as Absent), ``Storage``
pointing at ``…/Storages`` with ``RAIDStorage0`` whose drives are
``/Chassis/<id>/Drives/HDDPlaneDisk<n>``.

A blade whose firmware flash ended in ``brick`` answers 503 to everything.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from vessel_core.sim.redfish_common import (
    RedfishError,
    RfSessions,
    check_if_match,
    collection,
    common_routes,
    json_response,
    message,
    read_json,
    ref,
    registries,
    session_routes,
    success_body,
    unknown_props,
)
from vessel_core.sim.state import (
    BOOT_ORDER_ATTRS,
    BOOT_ORDER_V3_NAME,
    BOOT_TARGETS,
    RESET_TYPES,
    Account,
    Blade,
    OperationRefused,
    RedfishTask,
    normalise_boot_order,
    request_power,
    set_boot_order,
)

if TYPE_CHECKING:
    from vessel_core.sim.emulator import Emulator

NAMESPACES = [
    "ServiceRoot.v1_1_0", "ComputerSystemCollection", "ComputerSystem.v1_2_0", "ActionInfo.v1_0_0",
    "ChassisCollection", "Chassis.v1_2_0", "ManagerCollection", "Manager.v1_3_0",
    "VirtualMediaCollection", "VirtualMedia.v1_2_0", "AccountService.v1_0_0",
    "ManagerAccountCollection", "ManagerAccount.v1_0_0", "SessionService.v1_0_0", "SessionCollection",
    "Session.v1_0_0", "EventService.v1_0_0", "EventDestinationCollection", "TaskService.v1_0_0",
    "TaskCollection", "Task.v1_0_2", "UpdateService.v1_1_0", "SoftwareInventoryCollection",
    "SoftwareInventory.v1_0_0", "MessageRegistryFileCollection", "MessageRegistryFile.v1_0_0",
    "Bios.v1_0_0", "ProcessorCollection", "Processor.v1_0_0", "MemoryCollection", "Memory.v1_1_0",
    "StorageCollection", "Storage.v1_1_0", "Drive.v1_1_0",
    "Resource", "Resource.v1_0_0",
]
BIOS_REGISTRY = "BiosAttributeRegistry.1.8.7"   # the 2288H V5 capture's
DIMM_GIB = 32                                     # [INF] module size
DIMMS_PER_CPU = 8                                 # [INF] slots listed per processor
PROTOCOLS = ("HTTPS", "SCP", "SFTP", "CIFS", "TFTP", "NFS")
MEDIA_SCHEMES = ("nfs", "cifs", "https")
UPLOAD_DIR = "/tmp/web/"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _bad_value(prop: str, value: object) -> RedfishError:
    return RedfishError(400, "Base.1.0.PropertyValueNotInList",
                        f"The value {value} for the property {prop} is not in the list of "
                        "acceptable values.", related=[f"#/{prop}"], args=[str(value), prop])


class IbmcService:
    """Routes and resource bodies of blade ``slot``'s iBMC."""

    def __init__(self, emulator: "Emulator", slot: int) -> None:
        self.emu = emulator
        self.slot = slot
        self.rid = f"Blade{slot}"
        self.sessions = RfSessions(max_slots=emulator.options.max_redfish_sessions)
        self.uploads: dict[str, int] = {}
        opts = emulator.options
        self.oem = opts.ibmc_vendor(slot)
        self.basic_only = slot in opts.ibmc_basic_auth_only
        self.standard_vmedia = opts.ibmc_standard_vmedia(slot)
        self.connect_failures_left = opts.ibmc_vmm_connect_failures.get(slot, 0)

    # ------------------------------------------------------------------ helpers
    @property
    def blade(self) -> Blade:
        b = self.emu.state.present_blade(self.slot)
        if b is None:
            raise RedfishError(503, "Base.1.0.ServiceTemporarilyUnavailable", "The blade is absent.")
        return b

    def check_password(self, user: str, pw: str) -> bool:
        b = self.emu.state.present_blade(self.slot)
        if b is None:
            return False
        a = next((a for a in b.accounts if a.username == user), None)
        return a is not None and a.enabled and not a.locked and a.password == pw

    @property
    def sys_path(self) -> str:
        return f"/redfish/v1/Systems/{self.rid}"

    @property
    def mgr_path(self) -> str:
        return f"/redfish/v1/Managers/{self.rid}"

    def _check_id(self, request: web.Request, key: str = "id") -> None:
        if request.match_info[key] != self.rid:
            raise web.HTTPNotFound()

    def _check_vendor(self, request: web.Request) -> None:
        """An OEM action path names this service's vendor key, else it does not exist."""
        self._check_id(request)
        if request.match_info["vendor"] != self.oem:
            raise web.HTTPNotFound()

    @property
    def manufacturer(self) -> str:
        return self.oem   # [INF] rebranded firmware reports its own name

    # ------------------------------------------------------------------ documents
    def root(self) -> dict[str, Any]:
        b = self.emu.state.blades[self.slot]
        owner = "Huawei Technologies Co., Ltd." if self.oem == "Huawei" else "xFusion Digital Technologies Co., Ltd."
        doc: dict[str, Any] = {
            "@odata.id": "/redfish/v1/", "@odata.type": "#ServiceRoot.v1_1_0.ServiceRoot",
            "Id": "RootService", "Name": "Root Service", "RedfishVersion": "1.0.2", "UUID": b.uuid,
            "Systems": ref("/redfish/v1/Systems"), "Chassis": ref("/redfish/v1/Chassis"),
            "Managers": ref("/redfish/v1/Managers"), "Tasks": ref("/redfish/v1/TaskService"),
            "SessionService": ref("/redfish/v1/SessionService"),
            "AccountService": ref("/redfish/v1/AccountService"),
            "EventService": ref("/redfish/v1/EventService"),
            "UpdateService": ref("/redfish/v1/UpdateService"),
            "Registries": ref("/redfish/v1/Registries"),
            "Links": {"Sessions": ref("/redfish/v1/SessionService/Sessions")},
            "Oem": {self.oem: {"ProductName": b.model, "HostName": f"blade{self.slot}",
                               "LanguageSet": "en,zh", "DomainName": None,
                               "Copyright": f"{owner} 2004-2018. All rights reserved.",
                               "SecurityBanner": "Authorized users only."}},
        }
        if self.basic_only:
            del doc["SessionService"], doc["Links"]
        return doc

    def system_doc(self) -> dict[str, Any]:
        b = self.blade
        oem: dict[str, Any] = {
            "PowerOnStrategy": b.power_on_strategy, "PanelPowerButtonEnabled": True,
            "SafePowerOffTimeoutEnabled": False, "DeviceSlotID": self.slot, "SlotWidth": b.slot_width,
            "ProductName": b.model, "ProductVersion": b.generation,
            "SwitchIpInfo": {"Base": None, "Fabric": None, "FC": None}}
        if b.generation == "V3":
            oem["BootupSequence"] = list(b.bootup_sequence)
        doc: dict[str, Any] = {
            "@odata.id": self.sys_path, "@odata.type": "#ComputerSystem.v1_2_0.ComputerSystem",
            "Id": self.rid, "Name": "Computer System", "Manufacturer": self.manufacturer, "Model": b.model,
            "SerialNumber": b.serial_number, "PartNumber": b.part_number, "UUID": b.uuid,
            "AssetTag": self.emu.state.chassis.slot_alias.get(str(self.slot), ""),
            "SystemType": "Physical", "PowerState": b.power_state,
            "Status": {"State": "Enabled", "Health": b.health},
            "BiosVersion": b.firmware.bios.split(")")[-1],
            "Boot": {"BootSourceOverrideTarget": b.boot.target,
                     "BootSourceOverrideEnabled": b.boot.enabled,
                     "BootSourceOverrideMode": b.boot.mode,
                     "BootSourceOverrideTarget@Redfish.AllowableValues": list(BOOT_TARGETS)},
            "ProcessorSummary": {"Count": b.cpu_count, "Model": "Central Processor",
                                 "Status": {"HealthRollup": "OK"}},
            "MemorySummary": {"TotalSystemMemoryGiB": b.memory_gib, "Status": {"HealthRollup": "OK"}},
            "Processors": ref(f"{self.sys_path}/Processors"),
            "Memory": ref(f"{self.sys_path}/Memory"),
            "Storage": ref(f"{self.sys_path}/Storages"),   # the captures' spelling of the path
            "Links": {"Chassis": [ref(f"/redfish/v1/Chassis/{self.rid}")],
                      "ManagedBy": [ref(self.mgr_path)]},
            "Actions": {"#ComputerSystem.Reset": {
                "target": f"{self.sys_path}/Actions/ComputerSystem.Reset",
                "@Redfish.ActionInfo": f"{self.sys_path}/ResetActionInfo"},
                "Oem": {self.oem: {"#ComputerSystem.FruControl": {
                    "target": f"{self.sys_path}/Actions/Oem/{self.oem}/ComputerSystem.FruControl"}}}},
            "Oem": {self.oem: oem},
        }
        if b.generation == "V5":
            doc["Bios"] = ref(f"{self.sys_path}/Bios")
        return doc

    def media_doc(self, dev: str) -> dict[str, Any]:
        vm = self.blade.virtual_media[dev]
        base = f"{self.mgr_path}/VirtualMedia/{dev}"
        actions = {
            "#VirtualMedia.InsertMedia": {"target": f"{base}/Actions/VirtualMedia.InsertMedia"},
            "#VirtualMedia.EjectMedia": {"target": f"{base}/Actions/VirtualMedia.EjectMedia"},
        } if self.standard_vmedia else {}
        return {
            "@odata.id": base, "@odata.type": "#VirtualMedia.v1_2_0.VirtualMedia", "Id": dev,
            "Name": "VirtualMedia", "MediaTypes": ["CD", "DVD"] if dev == "CD" else ["USBStick"],
            "Image": vm.image, "ImageName": vm.image.rsplit("/", 1)[-1] if vm.image else None,
            "ConnectedVia": vm.connected_via, "Inserted": vm.inserted,
            "WriteProtected": vm.write_protected, "Actions": actions,
            "Oem": {self.oem: {"Actions": {"#VirtualMedia.VmmControl": {
                "target": f"{base}/Oem/{self.oem}/Actions/VirtualMedia.VmmControl"}}}},
        }

    def account_doc(self, a: Account) -> dict[str, Any]:
        return {"@odata.id": f"/redfish/v1/AccountService/Accounts/{a.id}",
                "@odata.type": "#ManagerAccount.v1_0_0.ManagerAccount", "Id": str(a.id),
                "Name": "User Account", "UserName": a.username,
                "RoleId": a.role if a.role != "Commonuser" else "ReadOnly",
                "Enabled": a.enabled, "Locked": a.locked, "Password": None,
                "Oem": {self.oem: {"LoginInterface": a.interfaces}}}

    def fw_items(self) -> dict[str, str]:
        f = self.blade.firmware
        strip = lambda v: v.split(")")[-1]  # noqa: E731
        return {"ActiveBMC": strip(f.imana), "BackupBMC": strip(f.backup_imana),
                "Bios": strip(f.bios), "MainBoardCPLD": strip(f.cpld)}

    def task_doc(self, t: RedfishTask) -> dict[str, Any]:
        now = time.time()
        frac = 1.0 if t.duration_s <= 0 else min(1.0, (now - t.started) / t.duration_s)
        doc: dict[str, Any] = {
            "@odata.id": f"/redfish/v1/TaskService/Tasks/{t.id}",
            "@odata.type": "#Task.v1_0_2.Task", "Id": str(t.id), "Name": t.name,
            "StartTime": _iso(t.started)}
        if not t.applied:
            doc.update(TaskState="Running", Messages=[],
                       Oem={self.oem: {"TaskPercentage": f"{int(frac * 100)}%" if frac > 0 else None}})
        elif t.outcome == "ok":
            text = ("The virtual media is connected." if t.kind == "vmedia"
                    else "The upgrade is successfully completed.")
            doc.update(TaskState="Completed", TaskStatus="OK", EndTime=_iso(t.started + t.duration_s),
                       Messages=message("Base.1.0.Success", text, severity="OK"),
                       Oem={self.oem: {"TaskPercentage": "100%"}})
        else:
            mid, text = (("iBMC.1.0.ConnectionFailed", "Failed to connect the virtual media.")
                         if t.kind == "vmedia" else
                         ("iBMC.1.0.FirmwareUpgradeError", "The firmware upgrade failed.")
                         if t.outcome == "fail" else
                         ("iBMC.1.0.ConnectionFailed", "The component stopped responding during the upgrade."))
            doc.update(TaskState="Exception", TaskStatus="Warning",
                       EndTime=_iso(t.started + t.duration_s), Messages=message(mid, text),
                       Oem={self.oem: {"TaskPercentage": f"{int(frac * 60)}%"}})
        return doc

    def new_task(self, name: str, kind: str, duration: float, outcome: str, target: str,
                 version: str = "") -> RedfishTask:
        st = self.emu.state
        t = RedfishTask(id=st.next_task_id, name=name, owner=self.rid, started=time.time(),
                        duration_s=duration, outcome=outcome, kind=kind,
                        target=target, new_version=version)
        st.next_task_id += 1
        st.tasks.append(t)
        self.emu.changed()
        return t

    def my_tasks(self) -> list[RedfishTask]:
        return [t for t in self.emu.state.tasks if t.owner == self.rid]

    def task_accepted(self, t: RedfishTask) -> web.Response:
        return json_response(self.task_doc(t), status=202, etag=False, headers={
            "Location": f"/redfish/v1/TaskService/Tasks/{t.id}/Monitor"})

    # ------------------------------------------------------------------ routes
    def routes(self) -> list[web.RouteDef]:
        reg_ref, reg_routes = registries(["Base", "iBMC"])
        r = [
            web.get("/redfish/v1/Systems", self.systems),
            web.get("/redfish/v1/Systems/{id}", self.system_get),
            web.patch("/redfish/v1/Systems/{id}", self.system_patch),
            web.get("/redfish/v1/Systems/{id}/ResetActionInfo", self.reset_info),
            web.post("/redfish/v1/Systems/{id}/Actions/ComputerSystem.Reset", self.reset),
            web.post("/redfish/v1/Systems/{id}/Actions/Oem/{vendor}/ComputerSystem.FruControl",
                     self.frucontrol),
            web.get("/redfish/v1/Systems/{id}/Bios", self.bios_get),
            web.get("/redfish/v1/Systems/{id}/Bios/Settings", self.bios_settings_get),
            web.patch("/redfish/v1/Systems/{id}/Bios/Settings", self.bios_settings_patch),
            web.get("/redfish/v1/Systems/{id}/Processors", self.processors),
            web.get("/redfish/v1/Systems/{id}/Processors/{pid}", self.processor_get),
            web.get("/redfish/v1/Systems/{id}/Memory", self.memory),
            web.get("/redfish/v1/Systems/{id}/Memory/{mid}", self.memory_get),
            web.get("/redfish/v1/Systems/{id}/Storages", self.storages),
            web.get("/redfish/v1/Systems/{id}/Storages/{sid}", self.storage_get),
            web.get("/redfish/v1/Chassis/{id}/Drives/{did}", self.drive_get),
            web.get("/redfish/v1/Chassis", self.chassis_coll),
            web.get("/redfish/v1/Chassis/{id}", self.chassis_get),
            web.get("/redfish/v1/Managers", self.managers),
            web.get("/redfish/v1/Managers/{id}", self.manager_get),
            web.get("/redfish/v1/Managers/{id}/VirtualMedia", self.media_coll),
            web.get("/redfish/v1/Managers/{id}/VirtualMedia/{dev}", self.media_get),
            web.post("/redfish/v1/Managers/{id}/VirtualMedia/{dev}/Actions/VirtualMedia.InsertMedia",
                     self.media_insert),
            web.post("/redfish/v1/Managers/{id}/VirtualMedia/{dev}/Actions/VirtualMedia.EjectMedia",
                     self.media_eject),
            web.post("/redfish/v1/Managers/{id}/VirtualMedia/{dev}/Oem/{vendor}/Actions/VirtualMedia.VmmControl",
                     self.media_vmm),
            web.get("/redfish/v1/AccountService", self.account_service),
            web.get("/redfish/v1/AccountService/Accounts", self.accounts),
            web.post("/redfish/v1/AccountService/Accounts", self.account_create),
            web.get("/redfish/v1/AccountService/Accounts/{aid}", self.account_get),
            web.patch("/redfish/v1/AccountService/Accounts/{aid}", self.account_patch),
            web.delete("/redfish/v1/AccountService/Accounts/{aid}", self.account_delete),
            web.get("/redfish/v1/EventService", self.event_service),
            web.get("/redfish/v1/EventService/Subscriptions", self.subscriptions),
            web.get("/redfish/v1/TaskService", self.task_service),
            web.get("/redfish/v1/TaskService/Tasks", self.tasks),
            web.get("/redfish/v1/TaskService/Tasks/{tid}", self.task_get),
            web.get("/redfish/v1/TaskService/Tasks/{tid}/Monitor", self.task_monitor),
            web.get("/redfish/v1/UpdateService", self.update_service),
            web.get("/redfish/v1/UpdateService/FirmwareInventory", self.fw_inventory),
            web.post("/redfish/v1/UpdateService/FirmwareInventory", self.fw_upload),
            web.get("/redfish/v1/UpdateService/FirmwareInventory/{fid}", self.fw_get),
            web.post("/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate", self.simple_update),
        ]
        r += reg_routes
        r += common_routes(self.root, NAMESPACES)
        if not self.basic_only:
            r += session_routes(self.sessions, self.check_password,
                                lambda: self.emu.faults.refuse_logins,
                                lambda: self.emu.faults.session_idle_timeout_s)
        return r

    # ------------------------------------------------------------------ systems
    async def systems(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Systems",
                                        "ComputerSystemCollection.ComputerSystemCollection",
                                        "Computer System Collection", [self.sys_path]))

    async def system_get(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        return json_response(self.system_doc())

    async def system_patch(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        check_if_match(request, self.system_doc())
        body = await read_json(request)
        unknown_props(body, {"Boot", "AssetTag", "Oem"})
        b = self.blade
        sequence = self._bootup_sequence(body.get("Oem"), b)
        boot = body.get("Boot", {})
        if not isinstance(boot, dict):
            raise _bad_value("Boot", boot)
        unknown_props(boot, {"BootSourceOverrideTarget", "BootSourceOverrideEnabled",
                             "BootSourceOverrideMode"})
        new = b.boot.model_copy()
        for prop, attr, allowed in (
                ("BootSourceOverrideTarget", "target", BOOT_TARGETS),
                ("BootSourceOverrideEnabled", "enabled", ("Disabled", "Once", "Continuous")),
                ("BootSourceOverrideMode", "mode", ("Legacy", "UEFI"))):
            if prop in boot:
                if boot[prop] not in allowed:
                    raise _bad_value(f"Boot/{prop}", boot[prop])
                setattr(new, attr, boot[prop])
        if "AssetTag" in body:
            if not isinstance(body["AssetTag"], str) or len(body["AssetTag"]) > 48:
                raise _bad_value("AssetTag", body["AssetTag"])
            self.emu.state.chassis.slot_alias[str(self.slot)] = body["AssetTag"]
        b.boot = new
        if sequence is not None:
            set_boot_order(b, sequence)   # V3: in effect at once
        self.emu.changed()
        return json_response(self.system_doc())

    async def reset_info(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        return json_response({
            "@odata.id": f"{self.sys_path}/ResetActionInfo",
            "@odata.type": "#ActionInfo.v1_0_0.ActionInfo", "Id": "ResetActionInfo",
            "Name": "Reset Action Info",
            "Parameters": [{"Name": "ResetType", "Required": True, "DataType": "String",
                            "AllowableValues": list(RESET_TYPES)}]})

    async def reset(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        body = await read_json(request)
        rt = body.get("ResetType")
        if rt is None:
            raise RedfishError(400, "Base.1.0.ActionParameterMissing",
                               "The action ComputerSystem.Reset requires the parameter ResetType "
                               "to be present in the request body.", related=["#/ResetType"])
        if rt not in RESET_TYPES:
            raise _bad_value("ResetType", rt)
        try:
            request_power(self.emu.state, self.slot, rt, self.emu.timing)
        except OperationRefused as exc:
            raise RedfishError(400, "iBMC.1.0.PowerStateConflict", str(exc)) from None
        self.emu.changed()
        return json_response(success_body(), etag=False)

    async def frucontrol(self, request: web.Request) -> web.StreamResponse:
        self._check_vendor(request)
        body = await read_json(request)
        mapping = {"On": "On", "GracefulShutdown": "GracefulShutdown", "ForceOff": "ForceOff",
                   "ForceRestart": "ForceRestart", "Nmi": "Nmi", "ForcePowerCycle": "ForcePowerCycle"}
        ft = body.get("FruControlType")
        if ft not in mapping:
            raise _bad_value("FruControlType", ft)
        try:
            request_power(self.emu.state, self.slot, mapping[ft], self.emu.timing)
        except OperationRefused as exc:
            raise RedfishError(400, "iBMC.1.0.PowerStateConflict", str(exc)) from None
        self.emu.changed()
        return json_response(success_body(), etag=False)

    # ------------------------------------------------------------------ boot order and BIOS
    def _bootup_sequence(self, oem: object, b: Blade) -> list[str] | None:
        """``Oem.<vendor>.BootupSequence`` of a system PATCH (V3 boards only), validated."""
        if oem is None:
            return None
        if not isinstance(oem, dict):
            raise _bad_value("Oem", oem)
        unknown_props(oem, {self.oem})
        block = oem[self.oem]
        if not isinstance(block, dict):
            raise _bad_value(f"Oem/{self.oem}", block)
        allowed = {"BootupSequence"} if b.generation == "V3" else set()
        for k in block:
            if k not in allowed:
                raise RedfishError(400, "Base.1.0.PropertyUnknown",
                                   f"The property {k} is not in the list of valid properties for the "
                                   "resource.", related=[f"#/Oem/{self.oem}/{k}"], args=[k])
        seq = block.get("BootupSequence")
        if seq is None:
            return None
        try:
            if not isinstance(seq, list) or any(x not in BOOT_ORDER_V3_NAME.values() for x in seq):
                raise ValueError(seq)
            return normalise_boot_order(seq)
        except ValueError:
            raise _bad_value(f"Oem/{self.oem}/BootupSequence", seq) from None

    def _v5(self, request: web.Request) -> Blade:
        self._check_id(request)
        b = self.blade
        if b.generation != "V5":   # [INF] the boot order of a V3 board is not a BIOS attribute
            raise web.HTTPNotFound()
        return b

    def bios_doc(self, b: Blade) -> dict[str, Any]:
        base = f"{self.sys_path}/Bios"
        return {"@odata.id": base, "@odata.type": "#Bios.v1_0_0.Bios", "Id": "Bios",
                "Name": "BIOS Configuration Current Settings", "AttributeRegistry": BIOS_REGISTRY,
                "Attributes": dict(b.bios_attributes),
                "@Redfish.Settings": {"@odata.type": "#Settings.v1_0_0.Settings", "Messages": [],
                                      "SettingsObject": ref(f"{base}/Settings")}}

    def bios_settings_doc(self, b: Blade) -> dict[str, Any]:
        return {"@odata.id": f"{self.sys_path}/Bios/Settings", "@odata.type": "#Bios.v1_0_0.Bios",
                "Id": "Settings", "Name": "BIOS Configuration Pending Settings",
                "AttributeRegistry": BIOS_REGISTRY, "Attributes": dict(b.bios_pending)}

    async def bios_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.bios_doc(self._v5(request)))

    async def bios_settings_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.bios_settings_doc(self._v5(request)))

    async def bios_settings_patch(self, request: web.Request) -> web.StreamResponse:
        """Pending until the next boot; the boot-order attributes must stay a permutation."""
        b = self._v5(request)
        check_if_match(request, self.bios_settings_doc(b))
        body = await read_json(request)
        unknown_props(body, {"Attributes"})
        attrs = body.get("Attributes")
        if not isinstance(attrs, dict):
            raise _bad_value("Attributes", attrs)
        for k, v in attrs.items():
            if k not in b.bios_attributes:
                raise RedfishError(400, "Base.1.0.PropertyUnknown",
                                   f"The property {k} is not in the list of valid properties for the "
                                   "resource.", related=[f"#/Attributes/{k}"], args=[k])
            if k in BOOT_ORDER_ATTRS and v not in BOOT_ORDER_V3_NAME:
                raise _bad_value(f"Attributes/{k}", v)
        merged = {**b.bios_attributes, **b.bios_pending, **attrs}
        try:
            normalise_boot_order([merged[a] for a in BOOT_ORDER_ATTRS])
        except ValueError:
            raise RedfishError(400, "Base.1.0.PropertyValueConflict",   # [INF] wording
                               "The boot type order attributes must name every boot type once.",
                               related=[f"#/Attributes/{a}" for a in BOOT_ORDER_ATTRS]) from None
        b.bios_pending = {**b.bios_pending, **attrs}   # as written; applied at the next boot
        self.emu.changed()
        return json_response(self.bios_settings_doc(b))

    # ------------------------------------------------------------------ inventory
    def _sub(self, request: web.Request, kind: str) -> str:
        self._check_id(request)
        return f"{self.sys_path}/{kind}"

    async def processors(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Processors")
        return json_response(collection(base, "ProcessorCollection.ProcessorCollection",
                                        "Processors Collection",
                                        [f"{base}/{n}" for n in range(1, self.blade.cpu_count + 1)]))

    async def processor_get(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Processors")
        b = self.blade
        pid = request.match_info["pid"]
        if not pid.isdigit() or not 1 <= int(pid) <= b.cpu_count:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"{base}/{pid}", "@odata.type": "#Processor.v1_0_0.Processor", "Id": pid,
            "Name": f"CPU{pid}", "Socket": f"CPU{pid}", "ProcessorType": "CPU",
            "ProcessorArchitecture": "x86", "InstructionSet": "x86-64",
            "Manufacturer": "Intel(R) Corporation", "Model": b.cpu_model,
            "TotalCores": b.cpu_cores, "TotalThreads": b.cpu_cores * 2,
            "Status": {"State": "Enabled", "Health": "OK"}})

    def dimms(self, b: Blade) -> dict[str, int]:
        """DIMM id → GiB (0 for an empty slot), filled round-robin over the processors."""
        slots = [f"mainboardDIMM{cpu}{ch}{n}" for n in range(DIMMS_PER_CPU // 4) for ch in range(4)
                 for cpu in range(b.cpu_count)]
        size = DIMM_GIB if b.memory_gib // DIMM_GIB <= len(slots) else 2 * DIMM_GIB
        count = b.memory_gib // size
        return {d: (size if i < count else 0) for i, d in enumerate(slots)}

    async def memory(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Memory")
        return json_response(collection(base, "MemoryCollection.MemoryCollection", "Memory Collection",
                                        [f"{base}/{d}" for d in sorted(self.dimms(self.blade))]))

    async def memory_get(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Memory")
        mid = request.match_info["mid"]
        gib = self.dimms(self.blade).get(mid)
        if gib is None:
            raise web.HTTPNotFound()
        doc: dict[str, Any] = {"@odata.id": f"{base}/{mid}", "@odata.type": "#Memory.v1_1_0.Memory",
                               "Id": mid, "Name": mid.removeprefix("mainboard"),
                               "DeviceLocator": mid.removeprefix("mainboard")}
        if gib:
            doc.update(CapacityMiB=gib * 1024, Manufacturer="Samsung", MemoryDeviceType="DDR4",
                       OperatingSpeedMhz=2133 if self.blade.generation == "V3" else 2666,
                       DataWidthBits=72, RankCount=2, Status={"State": "Enabled", "Health": "OK"})
        else:
            doc.update(CapacityMiB=None, Status={"State": "Absent", "Health": None})
        return json_response(doc)

    async def storages(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Storages")
        return json_response(collection(base, "StorageCollection.StorageCollection", "Storage Collection",
                                        [f"{base}/RAIDStorage0"] if self.blade.drives else []))

    async def storage_get(self, request: web.Request) -> web.StreamResponse:
        base = self._sub(request, "Storages")
        b = self.blade
        if request.match_info["sid"] != "RAIDStorage0" or not b.drives:
            raise web.HTTPNotFound()
        drives = [ref(f"/redfish/v1/Chassis/{self.rid}/Drives/HDDPlaneDisk{d.id}") for d in b.drives]
        return json_response({
            "@odata.id": f"{base}/RAIDStorage0", "@odata.type": "#Storage.v1_1_0.Storage",
            "Id": "RAIDStorage0", "Name": "RAIDStorage0", "StorageControllers@odata.count": 1,
            "StorageControllers": [{
                "MemberId": "0", "@odata.id": f"{base}/RAIDStorage0#/StorageControllers/0",
                "Name": "RAID Card1 Controller", "Status": {"State": "Enabled", "Health": "OK"},
                "SpeedGbps": 12, "SupportedDeviceProtocols": ["SAS"], "Model": b.raid_model}],
            "Drives@odata.count": len(drives), "Drives": drives})

    async def drive_get(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        did = request.match_info["did"].removeprefix("HDDPlaneDisk")
        d = next((d for d in self.blade.drives if str(d.id) == did), None)
        if d is None:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"/redfish/v1/Chassis/{self.rid}/Drives/HDDPlaneDisk{d.id}",
            "@odata.type": "#Drive.v1_1_0.Drive", "Id": f"HDDPlaneDisk{d.id}", "Name": f"Disk{d.id}",
            "Model": d.model, "CapacityBytes": d.capacity_bytes, "MediaType": d.media_type,
            "Protocol": d.protocol, "SerialNumber": d.serial_number,
            "Status": {"State": "Enabled", "Health": "OK"}})

    # ------------------------------------------------------------------ chassis / managers
    async def chassis_coll(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Chassis", "ChassisCollection.ChassisCollection",
                                        "Chassis Collection", [f"/redfish/v1/Chassis/{self.rid}"]))

    async def chassis_get(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        b = self.blade
        return json_response({
            "@odata.id": f"/redfish/v1/Chassis/{self.rid}", "@odata.type": "#Chassis.v1_2_0.Chassis",
            "Id": self.rid, "Name": "Computer System Chassis", "ChassisType": "Blade",
            "Manufacturer": self.manufacturer, "Model": b.model, "SerialNumber": b.serial_number,
            "PartNumber": b.part_number, "PowerState": b.power_state,
            "Status": {"State": "Enabled", "Health": b.health},
            "Links": {"ComputerSystems": [ref(self.sys_path)], "ManagedBy": [ref(self.mgr_path)]},
            "Oem": {self.oem: {"Width": b.slot_width, "Height": 1}}})

    async def managers(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Managers", "ManagerCollection.ManagerCollection",
                                        "Manager Collection", [self.mgr_path]))

    async def manager_get(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        b = self.blade
        return json_response({
            "@odata.id": self.mgr_path, "@odata.type": "#Manager.v1_3_0.Manager", "Id": self.rid,
            "Name": "Manager", "ManagerType": "BMC", "Model": "iBMC",
            "FirmwareVersion": b.firmware.imana.split(")")[-1], "UUID": b.uuid,
            "Status": {"State": "Enabled", "Health": "OK"},
            "VirtualMedia": ref(f"{self.mgr_path}/VirtualMedia"),
            "Links": {"ManagerForServers": [ref(self.sys_path)],
                      "ManagerForChassis": [ref(f"/redfish/v1/Chassis/{self.rid}")]},
            "Oem": {self.oem: {"DeviceIPv4": self.emu.state.ibmc_ip(self.slot),
                               "HostName": f"blade{self.slot}"}}})

    async def media_coll(self, request: web.Request) -> web.StreamResponse:
        self._check_id(request)
        base = f"{self.mgr_path}/VirtualMedia"
        return json_response(collection(base, "VirtualMediaCollection.VirtualMediaCollection",
                                        "Virtual Media Collection",
                                        [f"{base}/{d}" for d in self.blade.virtual_media]))

    def _dev(self, request: web.Request) -> str:
        self._check_id(request)
        dev = request.match_info["dev"]
        if dev not in self.blade.virtual_media:
            raise web.HTTPNotFound()
        return dev

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.media_doc(self._dev(request)))

    @staticmethod
    def _check_image(image: object) -> str:
        if not isinstance(image, str) or "://" not in image:
            raise _bad_value("Image", image)
        if image.split("://", 1)[0].lower() not in MEDIA_SCHEMES:
            raise RedfishError(400, "iBMC.1.0.FileTransferProtocolMismatch",
                               "The file transfer protocol of the image is not supported; use "
                               "NFS, CIFS or HTTPS.", related=["#/Image"])
        return image

    def _insert(self, dev: str, image: str, write_protected: bool = True) -> None:
        vm = self.blade.virtual_media[dev]
        vm.inserted, vm.image, vm.connected_via, vm.write_protected = True, image, "URI", write_protected
        self.emu.changed()

    def _eject(self, dev: str) -> None:
        vm = self.blade.virtual_media[dev]
        if not vm.inserted:
            raise RedfishError(400, "iBMC.1.0.VirtualMediaNotConnected",
                               "No virtual media is connected.")
        vm.inserted, vm.image, vm.connected_via = False, None, "NotConnected"
        self.emu.changed()

    def _standard_action(self, request: web.Request) -> str:
        dev = self._dev(request)
        if not self.standard_vmedia:   # this firmware has no such action (not advertised)
            raise web.HTTPNotFound()
        return dev

    async def media_insert(self, request: web.Request) -> web.StreamResponse:
        dev = self._standard_action(request)
        body = await read_json(request)
        unknown_props(body, {"Image", "Inserted", "WriteProtected", "TransferProtocolType",
                             "UserName", "Password"})
        image = self._check_image(body.get("Image"))
        if self.blade.virtual_media[dev].inserted:
            raise RedfishError(400, "iBMC.1.0.VirtualMediaConnected",
                               "A virtual media image is already connected.")
        self._insert(dev, image, bool(body.get("WriteProtected", True)))
        return json_response(success_body(), etag=False)

    async def media_eject(self, request: web.Request) -> web.StreamResponse:
        self._eject(self._standard_action(request))
        return json_response(success_body(), etag=False)

    async def media_vmm(self, request: web.Request) -> web.StreamResponse:
        self._check_vendor(request)
        dev = self._dev(request)
        body = await read_json(request)
        kind = body.get("VmmControlType")
        if kind == "Disconnect":
            self._eject(dev)
            return json_response(success_body(), etag=False)
        if kind != "Connect":
            raise _bad_value("VmmControlType", kind)
        image = self._check_image(body.get("Image"))
        if self.blade.virtual_media[dev].inserted:
            raise RedfishError(400, "iBMC.1.0.VirtualMediaConnected",
                               "A virtual media image is already connected.")
        outcome = "ok"
        if self.connect_failures_left > 0:   # opt-in fault: this connect fails, a retry works
            self.connect_failures_left -= 1
            outcome = "fail"
        t = self.new_task("vmm connect task", "vmedia", self.emu.timing.vmedia_connect_s, outcome,
                          f"{dev}|{image}")
        return self.task_accepted(t)

    # ------------------------------------------------------------------ accounts
    async def account_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/AccountService",
            "@odata.type": "#AccountService.v1_0_0.AccountService", "Id": "AccountService",
            "Name": "Account Service", "ServiceEnabled": True,
            "Status": {"State": "Enabled", "Health": "OK"}, "MinPasswordLength": 8,
            "MaxPasswordLength": 20, "AccountLockoutThreshold": 5, "AccountLockoutDuration": 300,
            "Accounts": ref("/redfish/v1/AccountService/Accounts")})

    async def accounts(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/AccountService/Accounts",
                                        "ManagerAccountCollection.ManagerAccountCollection",
                                        "Accounts Collection",
                                        [f"/redfish/v1/AccountService/Accounts/{a.id}"
                                         for a in self.blade.accounts]))

    def _account(self, request: web.Request) -> Account:
        a = next((a for a in self.blade.accounts if str(a.id) == request.match_info["aid"]), None)
        if a is None:
            raise web.HTTPNotFound()
        return a

    async def account_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.account_doc(self._account(request)))

    @staticmethod
    def _check_pw(pw: object) -> str:
        if not isinstance(pw, str) or len(pw) < 8 or len(pw) > 20:
            raise RedfishError(400, "iBMC.1.0.InvalidPassword",
                               "The password must have 8 to 20 characters.", related=["#/Password"])
        return pw

    async def account_create(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        unknown_props(body, {"UserName", "Password", "RoleId", "Enabled"})
        b = self.blade
        name = body.get("UserName")
        if not isinstance(name, str) or not 1 <= len(name) <= 16:
            raise _bad_value("UserName", name)
        if any(a.username == name for a in b.accounts):
            raise RedfishError(409, "Base.1.0.ResourceAlreadyExists",
                               f"The account {name} already exists.", related=["#/UserName"])
        role = body.get("RoleId", "Operator")
        if role not in ("Administrator", "Operator", "ReadOnly"):
            raise _bad_value("RoleId", role)
        used = {a.id for a in b.accounts}
        free = [i for i in range(3, 18) if i not in used]
        if not free:
            raise RedfishError(400, "iBMC.1.0.AccountLimitExceeded", "No free account slot.")
        a = Account(id=free[0], username=name, password=self._check_pw(body.get("Password")),
                    role=role, enabled=bool(body.get("Enabled", True)))
        b.accounts.append(a)
        self.emu.changed()
        return json_response(self.account_doc(a), status=201,
                             headers={"Location": f"/redfish/v1/AccountService/Accounts/{a.id}"})

    async def account_patch(self, request: web.Request) -> web.StreamResponse:
        a = self._account(request)
        check_if_match(request, self.account_doc(a))
        body = await read_json(request)
        unknown_props(body, {"UserName", "Password", "RoleId", "Enabled", "Locked"})
        new = a.model_copy()
        if "Password" in body:
            new.password = self._check_pw(body["Password"])
        if "RoleId" in body:
            if body["RoleId"] not in ("Administrator", "Operator", "ReadOnly"):
                raise _bad_value("RoleId", body["RoleId"])
            new.role = body["RoleId"]
        if "UserName" in body:
            if not isinstance(body["UserName"], str) or not 1 <= len(body["UserName"]) <= 16:
                raise _bad_value("UserName", body["UserName"])
            new.username = body["UserName"]
        if "Enabled" in body:
            new.enabled = bool(body["Enabled"])
        if "Locked" in body:
            if body["Locked"] is not False:
                raise _bad_value("Locked", body["Locked"])
            new.locked = False
        accts = self.blade.accounts
        accts[accts.index(a)] = new
        self.emu.changed()
        return json_response(self.account_doc(new))

    async def account_delete(self, request: web.Request) -> web.StreamResponse:
        a = self._account(request)
        if a.id == 2:
            raise RedfishError(400, "iBMC.1.0.AccountForbidRemoved",
                               "The default administrator account cannot be deleted.")
        self.blade.accounts.remove(a)
        self.emu.changed()
        return json_response(success_body(), etag=False)

    # ------------------------------------------------------------------ events / tasks
    async def event_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/EventService", "@odata.type": "#EventService.v1_0_0.EventService",
            "Id": "EventService", "Name": "Event Service", "ServiceEnabled": True,
            "Status": {"State": "Enabled", "Health": "OK"}, "DeliveryRetryAttempts": 3,
            "DeliveryRetryIntervalSeconds": 60, "EventTypesForSubscription": ["Alert"],
            "Subscriptions": ref("/redfish/v1/EventService/Subscriptions")})

    async def subscriptions(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/EventService/Subscriptions",
                                        "EventDestinationCollection.EventDestinationCollection",
                                        "Event Subscriptions Collection", []))

    async def task_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/TaskService", "@odata.type": "#TaskService.v1_0_0.TaskService",
            "Id": "TaskService", "Name": "Task Service", "ServiceEnabled": True,
            "CompletedTaskOverWritePolicy": "Oldest", "LifeCycleEventOnTaskStateChange": False,
            "Status": {"State": "Enabled", "Health": "OK"},
            "Tasks": ref("/redfish/v1/TaskService/Tasks")})

    async def tasks(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/TaskService/Tasks", "TaskCollection.TaskCollection",
                                        "Task Collection",
                                        [f"/redfish/v1/TaskService/Tasks/{t.id}" for t in self.my_tasks()]))

    def _task(self, request: web.Request) -> RedfishTask:
        t = next((t for t in self.my_tasks() if str(t.id) == request.match_info["tid"]), None)
        if t is None:
            raise web.HTTPNotFound()
        return t

    async def task_get(self, request: web.Request) -> web.StreamResponse:
        return json_response(self.task_doc(self._task(request)), etag=False)

    async def task_monitor(self, request: web.Request) -> web.StreamResponse:
        t = self._task(request)
        if not t.applied:
            return json_response(self.task_doc(t), status=202, etag=False, headers={
                "Location": f"/redfish/v1/TaskService/Tasks/{t.id}/Monitor", "Retry-After": "1"})
        return json_response(self.task_doc(t), etag=False)

    # ------------------------------------------------------------------ update service
    async def update_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/UpdateService", "@odata.type": "#UpdateService.v1_1_0.UpdateService",
            "Id": "UpdateService", "Name": "Update Service", "ServiceEnabled": True,
            "Status": {"State": "Enabled", "Health": "OK"},
            "FirmwareInventory": ref("/redfish/v1/UpdateService/FirmwareInventory"),
            "Actions": {"#UpdateService.SimpleUpdate": {
                "target": "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate",
                "TransferProtocol@Redfish.AllowableValues": list(PROTOCOLS)}}})

    async def fw_inventory(self, request: web.Request) -> web.StreamResponse:
        base = "/redfish/v1/UpdateService/FirmwareInventory"
        return json_response(collection(base, "SoftwareInventoryCollection.SoftwareInventoryCollection",
                                        "Firmware Inventory Collection",
                                        [f"{base}/{k}" for k in self.fw_items()]))

    async def fw_get(self, request: web.Request) -> web.StreamResponse:
        fid = request.match_info["fid"]
        items = self.fw_items()
        if fid not in items:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"/redfish/v1/UpdateService/FirmwareInventory/{fid}",
            "@odata.type": "#SoftwareInventory.v1_0_0.SoftwareInventory", "Id": fid, "Name": fid,
            "Version": items[fid], "Updateable": fid != "BackupBMC",
            "Status": {"State": "Enabled", "Health": "OK"}})

    async def fw_upload(self, request: web.Request) -> web.StreamResponse:
        """Multipart upload, form field ``imgfile``; the file lands at ``/tmp/web/<name>``."""
        if not request.content_type.startswith("multipart/"):
            raise RedfishError(400, "Base.1.0.MalformedJSON", "Expected a multipart upload.")
        reader = await request.multipart()
        name = None
        async for part in reader:
            if part is None:  # never: __anext__ stops at None, but its annotation keeps Optional
                continue
            if isinstance(part, BodyPartReader) and part.name == "imgfile":
                name = (part.filename or "image.hpm").rsplit("/", 1)[-1]
                size, h = 0, hashlib.sha256()
                while chunk := await part.read_chunk():
                    size += len(chunk)
                    h.update(chunk)
                self.uploads[name] = size
            else:
                await part.release()
        if name is None:
            raise RedfishError(400, "Base.1.0.ActionParameterMissing",
                               "The form field imgfile is missing.", related=["#/imgfile"])
        return json_response(success_body(), status=202, etag=False)

    async def simple_update(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        unknown_props(body, {"ImageURI", "TransferProtocol"})
        uri = body.get("ImageURI")
        if not isinstance(uri, str) or not uri:
            raise RedfishError(400, "Base.1.0.ActionParameterMissing",
                               "The action SimpleUpdate requires the parameter ImageURI.",
                               related=["#/ImageURI"])
        if uri.startswith(UPLOAD_DIR):
            if uri[len(UPLOAD_DIR):] not in self.uploads:
                raise RedfishError(400, "iBMC.1.0.FileTransferErrorDesc",
                                   f"The file {uri} does not exist.", related=["#/ImageURI"])
        else:
            scheme = uri.split("://", 1)[0].upper() if "://" in uri else ""
            proto = body.get("TransferProtocol", scheme)
            if scheme not in PROTOCOLS or proto != scheme:
                raise RedfishError(400, "iBMC.1.0.FileTransferProtocolMismatch",
                                   "The file transfer protocol does not match the image URI or is "
                                   "not one of " + ", ".join(PROTOCOLS) + ".",
                                   related=["#/ImageURI", "#/TransferProtocol"])
        if any(not t.applied and t.kind == "firmware" for t in self.my_tasks()):
            raise RedfishError(400, "iBMC.1.0.UpgradeInProgress", "An upgrade is in progress.")
        outcome = self.emu.faults.firmware_flash
        filename = uri.rsplit("/", 1)[-1]
        from vessel_core.sim.hmm.upgrade import image_version

        t = self.new_task("Upgarde Task", "firmware", self.emu.timing.flash_duration(outcome),
                          "ok" if outcome == "slow" else outcome, filename, image_version(filename))
        return self.task_accepted(t)
