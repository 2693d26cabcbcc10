"""The MM910's own Redfish service (fact sheet §3.2): Redfish 1.0.2 with the real limits.

* ``/redfish/v1/Systems`` is empty; ``/Systems/Blade<N>`` answers **403**.
* ``/Chassis`` lists ``1`` (the enclosure), ``Blade1``..``Blade24``, ``Swi1``..``Swi4``,
  ``HMM1``, ``HMM2``; unpopulated ones are ``Absent``. ``/Chassis/Blade<N>/Power`` → **403**.
* ``/AccountService/Accounts`` lists the HMM accounts; root is ``/Accounts/2``
  (``/Accounts/1`` → 404).
* Managers ``HMM1``/``HMM2`` with EthernetInterfaces (``StaticEth0``), SerialInterfaces,
  NetworkProtocol, LogServices. Registries: Base, HMM, HMMEvents.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from vessel_core.sim.redfish_common import (
    RedfishError,
    RfSessions,
    collection,
    common_routes,
    json_response,
    ref,
    registries,
    session_routes,
)

if TYPE_CHECKING:
    from vessel_core.sim.emulator import Emulator
    from vessel_core.sim.state import ChassisState

HMM_BLADE_IDS = 24
NAMESPACES = [
    "ServiceRoot.v1_1_0", "ComputerSystemCollection", "ChassisCollection", "Chassis.v1_2_0",
    "Power.v1_0_0", "Thermal.v1_0_0", "ManagerCollection", "Manager.v1_0_0",
    "EthernetInterfaceCollection", "EthernetInterface.v1_0_0", "SerialInterfaceCollection",
    "ManagerNetworkProtocol.v1_0_0", "LogServiceCollection", "AccountService.v1_0_0",
    "ManagerAccountCollection", "ManagerAccount.v1_0_0", "SessionService.v1_0_0",
    "SessionCollection", "Session.v1_0_0", "EventService.v1_0_0", "EventDestinationCollection",
    "TaskService.v1_0_0", "TaskCollection", "UpdateService.v1_1_0", "SoftwareInventoryCollection",
    "SoftwareInventory.v1_0_0", "MessageRegistryFileCollection", "MessageRegistryFile.v1_0_0",
    "Resource", "Resource.v1_0_0",
]


def _status(present: bool, health: str = "OK") -> dict[str, str]:
    return {"State": "Enabled", "Health": health} if present else {"State": "Absent"}


class HmmService:
    """Routes and resource bodies of the MM910's Redfish service (one per emulator)."""

    def __init__(self, emulator: "Emulator", sessions: RfSessions) -> None:
        self.emu = emulator
        self.sessions = sessions
        self.reg_ref, self.reg_routes = registries(["Base", "HMM", "HMMEvents"])

    # ------------------------------------------------------------------ helpers
    @property
    def st(self) -> ChassisState:
        return self.emu.state

    def check_password(self, user: str, pw: str) -> bool:
        return self.emu.check_hmm_password(user, pw, "REDFISH")

    def routes(self) -> list[web.RouteDef]:
        r = [
            web.get("/redfish/v1/Systems", self.systems),
            web.route("*", "/redfish/v1/Systems/{sid}", self.system_one),
            web.route("*", "/redfish/v1/Systems/{sid}/{rest:.*}", self.forbidden),
            web.get("/redfish/v1/Chassis", self.chassis_coll),
            web.get("/redfish/v1/Chassis/{cid}", self.chassis_one),
            web.get("/redfish/v1/Chassis/{cid}/Power", self.chassis_power),
            web.get("/redfish/v1/Chassis/{cid}/Thermal", self.chassis_thermal),
            web.get("/redfish/v1/Managers", self.managers),
            web.get("/redfish/v1/Managers/{mid}", self.manager_one),
            web.post("/redfish/v1/Managers/{mid}/Actions/Manager.ForceFailover", self.force_failover),
            web.get("/redfish/v1/Managers/{mid}/EthernetInterfaces", self.manager_eths),
            web.get("/redfish/v1/Managers/{mid}/EthernetInterfaces/{eid}", self.manager_eth),
            web.get("/redfish/v1/Managers/{mid}/SerialInterfaces", self.manager_serials),
            web.get("/redfish/v1/Managers/{mid}/LogServices", self.manager_logs),
            web.get("/redfish/v1/Managers/{mid}/NetworkProtocol", self.manager_proto),
            web.get("/redfish/v1/AccountService", self.account_service),
            web.get("/redfish/v1/AccountService/Accounts", self.accounts),
            web.get("/redfish/v1/AccountService/Accounts/{aid}", self.account_one),
            web.get("/redfish/v1/EventService", self.event_service),
            web.get("/redfish/v1/EventService/Subscriptions", self.subscriptions),
            web.get("/redfish/v1/TaskService", self.task_service),
            web.get("/redfish/v1/TaskService/Tasks", self.tasks),
            web.get("/redfish/v1/UpdateService", self.update_service),
            web.get("/redfish/v1/UpdateService/FirmwareInventory", self.fw_inventory),
            web.get("/redfish/v1/UpdateService/FirmwareInventory/{fid}", self.fw_one),
        ]
        r += self.reg_routes
        r += common_routes(self.root, NAMESPACES)
        r += session_routes(self.sessions, self.check_password, lambda: self.emu.faults.refuse_logins,
                            lambda: self.emu.faults.session_idle_timeout_s)
        return r

    # ------------------------------------------------------------------ resources
    def root(self) -> dict[str, Any]:
        return {
            "@odata.id": "/redfish/v1/", "@odata.type": "#ServiceRoot.v1_1_0.ServiceRoot",
            "Id": "RootService", "Name": "Root Service", "RedfishVersion": "1.0.2",
            "UUID": _mm_uuid(self.emu),
            "Systems": ref("/redfish/v1/Systems"), "Chassis": ref("/redfish/v1/Chassis"),
            "Managers": ref("/redfish/v1/Managers"), "Tasks": ref("/redfish/v1/TaskService"),
            "SessionService": ref("/redfish/v1/SessionService"),
            "AccountService": ref("/redfish/v1/AccountService"),
            "EventService": ref("/redfish/v1/EventService"),
            "UpdateService": ref("/redfish/v1/UpdateService"),
            "Registries": self.reg_ref(),
            "Links": {"Sessions": ref("/redfish/v1/SessionService/Sessions")},
        }

    async def systems(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Systems",
                                        "ComputerSystemCollection.ComputerSystemCollection",
                                        "Computer System Collection", []))

    async def forbidden(self, request: web.Request) -> web.StreamResponse:
        raise RedfishError(403, "Base.1.0.InsufficientPrivilege",
                           "There are insufficient privileges for the account or credentials "
                           "associated with the current session to perform the requested operation.")

    async def system_one(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["sid"].startswith("Blade"):
            return await self.forbidden(request)
        raise web.HTTPNotFound()

    def chassis_ids(self) -> list[str]:
        return (["1"] + [f"Blade{n}" for n in range(1, HMM_BLADE_IDS + 1)]
                + [f"Swi{n}" for n in range(1, 5)] + ["HMM1", "HMM2"])

    async def chassis_coll(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Chassis", "ChassisCollection.ChassisCollection",
                                        "Chassis Collection",
                                        [f"/redfish/v1/Chassis/{c}" for c in self.chassis_ids()]))

    def chassis_doc(self, cid: str) -> dict[str, Any] | None:
        s = self.st
        base = {"@odata.id": f"/redfish/v1/Chassis/{cid}", "@odata.type": "#Chassis.v1_2_0.Chassis",
                "Id": cid, "Manufacturer": "Huawei",
                "Links": {"ContainedBy": ref("/redfish/v1/Chassis/1")}}
        if cid == "1":
            return {**base, "Name": "E9000", "ChassisType": "Enclosure", "Model": "E9000",
                    "SerialNumber": s.chassis.serial_number, "PartNumber": s.chassis.part_number,
                    "AssetTag": s.chassis.asset_tag, "Status": _status(True, _enclosure_health(self.emu)),
                    "Power": ref("/redfish/v1/Chassis/1/Power"),
                    "Thermal": ref("/redfish/v1/Chassis/1/Thermal"),
                    "Links": {"ManagedBy": [ref("/redfish/v1/Managers/HMM1"),
                                            ref("/redfish/v1/Managers/HMM2")]}}
        if cid.startswith("Blade") and cid[5:].isdigit() and 1 <= int(cid[5:]) <= HMM_BLADE_IDS:
            b = s.blades.get(int(cid[5:]))
            present = b is not None and b.present
            doc = {**base, "Name": cid, "ChassisType": "Blade", "Status": _status(present)}
            if present and b is not None:
                doc.update(Model=b.model, SerialNumber=b.serial_number, PartNumber=b.part_number,
                           PowerState=b.power_state,
                           Status=_status(True, "Critical" if b.bricked else b.health))
            return doc
        if cid.startswith("Swi") and cid[3:] in ("1", "2", "3", "4"):
            sw = s.switches[int(cid[3:])]
            doc = {**base, "Name": cid, "ChassisType": "Module", "Status": _status(sw.present)}
            if sw.present:
                doc.update(Model=sw.model, SerialNumber=sw.serial_number, PowerState=sw.power_state,
                           Status=_status(True, sw.health))
            return doc
        if cid in ("HMM1", "HMM2"):
            mm = s.mms[int(cid[3])]
            return {**base, "Name": cid, "ChassisType": "Module", "Model": "MM910",
                    "SerialNumber": mm.serial_number, "Status": _status(mm.present, mm.health)}
        return None

    async def chassis_one(self, request: web.Request) -> web.StreamResponse:
        doc = self.chassis_doc(request.match_info["cid"])
        if doc is None:
            raise web.HTTPNotFound()
        return json_response(doc)

    async def chassis_power(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["cid"]
        if cid != "1":
            if cid.startswith("Blade") or self.chassis_doc(cid) is not None:
                return await self.forbidden(request)
            raise web.HTTPNotFound()
        s = self.st
        supplies = [{"@odata.id": f"/redfish/v1/Chassis/1/Power#/PowerSupplies/{i}",
                     "MemberId": str(i), "Name": f"PSU{p.slot}", "Model": p.model,
                     "PowerCapacityWatts": p.rated_w, "LastPowerOutputWatts": p.output_w,
                     "Status": _status(p.present, p.health)}
                    for i, p in enumerate(s.psus.values())]
        total = sum(p.output_w for p in s.psus.values())
        pc = s.power_capping
        return json_response({
            "@odata.id": "/redfish/v1/Chassis/1/Power", "@odata.type": "#Power.v1_0_0.Power",
            "Id": "Power", "Name": "Power",
            "PowerControl": [{"@odata.id": "/redfish/v1/Chassis/1/Power#/PowerControl/0",
                              "MemberId": "0", "Name": "Chassis Power Control",
                              "PowerConsumedWatts": total,
                              "PowerLimit": {"LimitInWatts": pc.limit_w if pc.enabled else None,
                                             "LimitException": "HardPowerOff" if pc.failure_action == "poweroff" else "NoAction"}}],
            "PowerSupplies": supplies})

    async def chassis_thermal(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["cid"]
        if cid != "1":
            if self.chassis_doc(cid) is not None:
                return await self.forbidden(request)
            raise web.HTTPNotFound()
        fans = [{"@odata.id": f"/redfish/v1/Chassis/1/Thermal#/Fans/{i}", "MemberId": str(i),
                 "FanName": f"Fan{f.slot}", "Reading": f.speed_rpm,
                 "Status": _status(f.present, f.health)}
                for i, f in enumerate(self.st.fans.values())]
        temps = [{"@odata.id": f"/redfish/v1/Chassis/1/Thermal#/Temperatures/{i}", "MemberId": str(i),
                  "Name": t.name, "ReadingCelsius": t.reading_c, "UpperThresholdCritical": t.upper_critical_c,
                  "Status": _status(True, "OK" if t.reading_c < t.upper_critical_c else "Critical")}
                 for i, t in enumerate(self.st.temperatures)]   # [INF] inlet and outlet
        return json_response({"@odata.id": "/redfish/v1/Chassis/1/Thermal",
                              "@odata.type": "#Thermal.v1_0_0.Thermal", "Id": "Thermal",
                              "Name": "Thermal", "Fans": fans, "Temperatures": temps})

    async def managers(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/Managers", "ManagerCollection.ManagerCollection",
                                        "Manager Collection",
                                        ["/redfish/v1/Managers/HMM1", "/redfish/v1/Managers/HMM2"]))

    def mm_of(self, request: web.Request):
        mid = request.match_info["mid"]
        if mid not in ("HMM1", "HMM2"):
            raise web.HTTPNotFound()
        return mid, self.st.mms[int(mid[3])]

    async def manager_one(self, request: web.Request) -> web.StreamResponse:
        mid, mm = self.mm_of(request)
        base = f"/redfish/v1/Managers/{mid}"
        return json_response({
            "@odata.id": base, "@odata.type": "#Manager.v1_0_0.Manager", "Id": mid, "Name": mid,
            "ManagerType": "EnclosureManager", "Model": "MM910",
            "FirmwareVersion": mm.firmware.software.split(")")[-1],
            "UUID": _mm_uuid(self.emu, mm.slot), "Status": _status(mm.present, mm.health),
            "EthernetInterfaces": ref(f"{base}/EthernetInterfaces"),
            "SerialInterfaces": ref(f"{base}/SerialInterfaces"),
            "NetworkProtocol": ref(f"{base}/NetworkProtocol"),
            "LogServices": ref(f"{base}/LogServices"),
            "Links": {"ManagerForChassis": [ref("/redfish/v1/Chassis/1")]},
            **({"Actions": {"#Manager.ForceFailover": {"target": f"{base}/Actions/Manager.ForceFailover"}}}
               if mm.active else {}),
            "Oem": {"Huawei": {"ActiveStatus": "Active" if mm.active else "Standby"}}})

    async def force_failover(self, request: web.Request) -> web.StreamResponse:
        """[INF] (the MM920's public code has it; MM910 v7.63 was not captured) the active module
        hands over to the standby one: every web and Redfish session is gone and the HMM answers
        503 for ``timing.failover_s``; answered before the switchover starts."""
        mid, mm = self.mm_of(request)
        if not mm.active:
            raise RedfishError(400, "Base.1.0.ActionNotSupported", f"{mid} is the standby module; fail over from the "
                               "active one.")
        other = self.st.standby_mm()
        if not other.present or other.health == "Critical":
            raise RedfishError(400, "Base.1.0.ActionNotSupported", f"{other.name} cannot take over (absent or failed).")
        mm.active, other.active = False, True
        self.st.hmm_down_until = time.time() + self.emu.timing.failover_s
        self.sessions.sessions.clear()
        self.emu.web_sessions.sessions.clear()
        self.emu.changed()
        return web.Response(status=204)

    async def manager_eths(self, request: web.Request) -> web.StreamResponse:
        mid, _ = self.mm_of(request)
        base = f"/redfish/v1/Managers/{mid}/EthernetInterfaces"
        return json_response(collection(base, "EthernetInterfaceCollection.EthernetInterfaceCollection",
                                        "Ethernet Interface Collection", [f"{base}/StaticEth0"]))

    async def manager_eth(self, request: web.Request) -> web.StreamResponse:
        mid, mm = self.mm_of(request)
        if request.match_info["eid"] != "StaticEth0":
            raise web.HTTPNotFound()
        ip = self.st.network.hmm_static.get(mid)
        return json_response({
            "@odata.id": f"/redfish/v1/Managers/{mid}/EthernetInterfaces/StaticEth0",
            "@odata.type": "#EthernetInterface.v1_0_0.EthernetInterface", "Id": "StaticEth0",
            "Name": "eth0", "Status": _status(True),
            "IPv4Addresses": [{"Address": ip.ip if ip else mm.eth0_ip,
                               "SubnetMask": ip.mask if ip else "255.255.255.0",
                               "Gateway": ip.gateway if ip else "", "AddressOrigin": "Static"}]})

    async def manager_serials(self, request: web.Request) -> web.StreamResponse:
        mid, _ = self.mm_of(request)
        return json_response(collection(f"/redfish/v1/Managers/{mid}/SerialInterfaces",
                                        "SerialInterfaceCollection.SerialInterfaceCollection",
                                        "Serial Interface Collection", []))

    async def manager_logs(self, request: web.Request) -> web.StreamResponse:
        mid, _ = self.mm_of(request)
        return json_response(collection(f"/redfish/v1/Managers/{mid}/LogServices",
                                        "LogServiceCollection.LogServiceCollection",
                                        "Log Service Collection", []))

    async def manager_proto(self, request: web.Request) -> web.StreamResponse:
        mid, _ = self.mm_of(request)
        return json_response({
            "@odata.id": f"/redfish/v1/Managers/{mid}/NetworkProtocol",
            "@odata.type": "#ManagerNetworkProtocol.v1_0_0.ManagerNetworkProtocol",
            "Id": "NetworkProtocol", "Name": "Manager Network Protocol",
            "HostName": f"hmm{mid[3]}", "Status": _status(True),
            "HTTP": {"ProtocolEnabled": True, "Port": 80},
            "HTTPS": {"ProtocolEnabled": True, "Port": 443},
            "SSH": {"ProtocolEnabled": True, "Port": 22},
            "Telnet": {"ProtocolEnabled": False, "Port": 23},
            "SNMP": {"ProtocolEnabled": False, "Port": 161},
            "IPMI": {"ProtocolEnabled": True, "Port": 623}})

    async def account_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/AccountService",
            "@odata.type": "#AccountService.v1_0_0.AccountService", "Id": "AccountService",
            "Name": "Account Service", "ServiceEnabled": True, "Status": _status(True),
            "MinPasswordLength": 8, "MaxPasswordLength": 20,
            "Accounts": ref("/redfish/v1/AccountService/Accounts")})

    async def accounts(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/AccountService/Accounts",
                                        "ManagerAccountCollection.ManagerAccountCollection",
                                        "Accounts Collection",
                                        [f"/redfish/v1/AccountService/Accounts/{a.id}"
                                         for a in self.st.accounts]))

    async def account_one(self, request: web.Request) -> web.StreamResponse:
        aid = request.match_info["aid"]
        a = next((a for a in self.st.accounts if str(a.id) == aid), None)
        if a is None:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"/redfish/v1/AccountService/Accounts/{a.id}",
            "@odata.type": "#ManagerAccount.v1_0_0.ManagerAccount", "Id": str(a.id),
            "Name": "User Account", "UserName": a.username, "RoleId": a.role if a.role != "Commonuser" else "ReadOnly",
            "Enabled": a.enabled, "Locked": a.locked, "Password": None,
            "Oem": {"Huawei": {"UserInterfaces": a.interfaces, "UserDomain": "superdomain"}}})

    async def event_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/EventService", "@odata.type": "#EventService.v1_0_0.EventService",
            "Id": "EventService", "Name": "Event Service", "ServiceEnabled": False,
            "Status": _status(True), "DeliveryRetryAttempts": 3, "DeliveryRetryIntervalSeconds": 60,
            "EventTypesForSubscription": ["Alert"],
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
            "Status": _status(True), "Tasks": ref("/redfish/v1/TaskService/Tasks")})

    async def tasks(self, request: web.Request) -> web.StreamResponse:
        return json_response(collection("/redfish/v1/TaskService/Tasks", "TaskCollection.TaskCollection",
                                        "Task Collection", []))

    def fw_items(self) -> dict[str, str]:
        s = self.st
        return {"ActiveHMM": s.active_mm().firmware.software.split(")")[-1],
                "StandbyHMM": s.standby_mm().firmware.software.split(")")[-1]}

    async def update_service(self, request: web.Request) -> web.StreamResponse:
        return json_response({
            "@odata.id": "/redfish/v1/UpdateService", "@odata.type": "#UpdateService.v1_1_0.UpdateService",
            "Id": "UpdateService", "Name": "Update Service", "ServiceEnabled": True,
            "Status": _status(True),
            "FirmwareInventory": ref("/redfish/v1/UpdateService/FirmwareInventory")})

    async def fw_inventory(self, request: web.Request) -> web.StreamResponse:
        base = "/redfish/v1/UpdateService/FirmwareInventory"
        return json_response(collection(base, "SoftwareInventoryCollection.SoftwareInventoryCollection",
                                        "Firmware Inventory Collection",
                                        [f"{base}/{k}" for k in self.fw_items()]))

    async def fw_one(self, request: web.Request) -> web.StreamResponse:
        fid = request.match_info["fid"]
        items = self.fw_items()
        if fid not in items:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"/redfish/v1/UpdateService/FirmwareInventory/{fid}",
            "@odata.type": "#SoftwareInventory.v1_0_0.SoftwareInventory", "Id": fid, "Name": fid,
            "Version": items[fid], "Updateable": True, "Status": _status(True)})


def _enclosure_health(emulator: "Emulator") -> str:
    levels = [a.level for a in emulator.state.alarms if not a.cleared]
    return "Critical" if 3 in levels else "Warning" if levels else "OK"


def _mm_uuid(emulator: "Emulator", slot: int = 0) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"vessel-hmm-{emulator.state.seed}-{slot}")).upper()
