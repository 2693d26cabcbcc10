"""easyLink → Switch Profile / NIC Profile (the web API's easyLink handler)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vessel_core.chassis._util import as_int, int_list, records, split_list
from vessel_core.chassis.models import NicProfile, SwitchProfile
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

PAGE = "switch_config_central_control.html"


def switch_profile_from(row: dict[str, Any]) -> SwitchProfile:
    return SwitchProfile(name=row["name"], switches=split_list(row.get("switches")),
                         uplink_ports=split_list(row.get("uplinkports")),
                         vlans=int_list(row.get("vlans")), description=row.get("description", ""))


def nic_profile_from(row: dict[str, Any]) -> NicProfile:
    return NicProfile(name=row["name"], vlans=int_list(row.get("vlans")),
                      native_vlan=as_int(row.get("nativevlan")),
                      bandwidth_pct=as_int(row.get("bandwidth"), 100) or 100,
                      slots=int_list(row.get("slots")))


class EasyLink:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    # ------------------------------------------------------------------ switch profiles
    async def list_switch_profiles(self) -> list[SwitchProfile]:
        doc = await self._ch.web_read("easylinkhandler.php", "listswitchprofile", referer=PAGE)
        self._ch.route("easylink.list_switch_profiles", "web")
        return [switch_profile_from(r) for r in records(doc, "switchprofile") if r.get("name")]

    async def get_switch_profile(self, name: str) -> SwitchProfile:
        return _named(await self.list_switch_profiles(), name, "switch profile", self._ch)

    async def _put_switch(self, p: SwitchProfile, verb: str) -> SwitchProfile:
        bad = [s for s in p.switches if not re.fullmatch(r"Swi[1-4]", s)]
        if bad:
            raise ValidationError(f"switches: {', '.join(map(repr, bad))} not Swi1..Swi4",
                                  operation=f"easylink.{verb}")
        await self._ch.web_write("easylinkhandler.php", verb, {
            "name": p.name, "switches": ",".join(p.switches),
            "uplinkports": ",".join(p.uplink_ports), "vlans": ",".join(map(str, p.vlans)),
            "description": p.description}, operation=f"easylinkhandler.{verb}", referer=PAGE)
        self._ch.route(f"easylink.{verb}", "web")
        return await self.get_switch_profile(p.name)

    async def create_switch_profile(self, profile: SwitchProfile) -> SwitchProfile:
        return await self._put_switch(profile, "addswitchprofile")

    async def update_switch_profile(self, profile: SwitchProfile) -> SwitchProfile:
        return await self._put_switch(profile, "modifyswitchprofile")

    async def delete_switch_profile(self, name: str) -> None:
        await self._ch.web_write("easylinkhandler.php", "deleteswitchprofile", {"name": name},
                                 operation="easylinkhandler.deleteswitchprofile", referer=PAGE)
        self._ch.route("easylink.deleteswitchprofile", "web")

    # ------------------------------------------------------------------ NIC profiles
    async def list_nic_profiles(self) -> list[NicProfile]:
        doc = await self._ch.web_read("easylinkhandler.php", "listnicprofile", referer=PAGE)
        self._ch.route("easylink.list_nic_profiles", "web")
        return [nic_profile_from(r) for r in records(doc, "nicprofile") if r.get("name")]

    async def get_nic_profile(self, name: str) -> NicProfile:
        return _named(await self.list_nic_profiles(), name, "NIC profile", self._ch)

    async def _put_nic(self, p: NicProfile, verb: str) -> NicProfile:
        await self._ch.web_write("easylinkhandler.php", verb, {
            "name": p.name, "vlans": ",".join(map(str, p.vlans)),
            "nativevlan": "" if p.native_vlan is None else p.native_vlan,
            "bandwidth": p.bandwidth_pct, "slots": ",".join(map(str, p.slots))},
            operation=f"easylinkhandler.{verb}", referer=PAGE)
        self._ch.route(f"easylink.{verb}", "web")
        return await self.get_nic_profile(p.name)

    async def create_nic_profile(self, profile: NicProfile) -> NicProfile:
        return await self._put_nic(profile, "addnicprofile")

    async def update_nic_profile(self, profile: NicProfile) -> NicProfile:
        return await self._put_nic(profile, "modifynicprofile")

    async def delete_nic_profile(self, name: str) -> None:
        await self._ch.web_write("easylinkhandler.php", "deletenicprofile", {"name": name},
                                 operation="easylinkhandler.deletenicprofile", referer=PAGE)
        self._ch.route("easylink.deletenicprofile", "web")


def _named(items: list, name: str, what: str, ch: "Chassis"):
    for p in items:
        if p.name == name:
            return p
    raise NotFoundError(f"no {what} {name!r}", target=ch.target, operation=f"easylink.get {what}")
