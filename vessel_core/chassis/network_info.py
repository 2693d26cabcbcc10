"""easyLink Network Info → Overview / Ethernet / FC / MAC (read only)."""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Literal

from vessel_core.chassis._util import as_int, int_list, records
from vessel_core.chassis.easylink import nic_profile_from, switch_profile_from
from vessel_core.chassis.models import FabricSwitch, MezzCard, MgmtInterface, NetworkOverview
from vessel_core.errors import NotFoundError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis


class NetworkInfo:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def overview(self) -> NetworkOverview:
        doc = await (await self._ch.web()).flattened()
        self._ch.route("network_info.overview", "web")
        return NetworkOverview(
            switches=[FabricSwitch(name=r.get("name", ""), label=r.get("label", ""),
                                   model=r.get("model", ""), vrp=r.get("vrp", ""),
                                   vlans=int_list(r.get("vlans"))) for r in records(doc, "switch")],
            switch_profiles=[switch_profile_from(r) for r in records(doc, "switchprofile")],
            nic_profiles=[nic_profile_from(r) for r in records(doc, "nicprofile")])

    async def interfaces(self, kind: Literal["eth", "fc", "mgmt"] = "eth") -> list[MgmtInterface]:
        doc = await (await self._ch.web()).network_list(kind)
        self._ch.route("network_info.interfaces", "web")
        return [MgmtInterface(name=r.get("name", ""), ip=r.get("ip", ""), mask=r.get("mask", ""),
                              gateway=r.get("gateway", "")) for r in records(doc, "item")]

    async def present(self, kind: Literal["swi", "blade", "fan", "pem"]) -> list[str]:
        """Names of the present FRUs of one class (``Slot1``, ``Swi2``, ``Fan3``, ``PEM1``)."""
        doc = await (await self._ch.web()).list_present_fru(kind)
        self._ch.route("network_info.present", "web")
        return [r.get("name", "") for r in records(doc, "fru") if r.get("name")]

    async def mezz(self, slot: int) -> list[MezzCard]:
        """Mezzanine cards of one blade with their port MACs."""
        try:
            doc = await (await self._ch.web()).mezz_info(slot)
        except NotFoundError:
            raise NotFoundError(f"slot {slot} holds no blade", target=self._ch.target,
                                operation="network_info.mezz") from None
        self._ch.route("network_info.mezz", "web")
        out = []
        for r in records(doc, "mezz"):
            macs = [v for k, v in sorted(r.items(), key=lambda kv: kv[0])
                    if re.fullmatch(r"mac\d+", k) and v]
            out.append(MezzCard(slot=slot, position=as_int(r.get("position"), 0) or 0,
                                name=r.get("name", ""), type=r.get("type", ""),
                                ports=as_int(r.get("ports"), 0) or 0, macs=macs))
        return out

    async def macs(self) -> list[MezzCard]:
        """Every present blade's mezzanine MACs (one request per blade, run concurrently)."""
        slots = [int(n[4:]) for n in await self.present("blade")]
        per = await asyncio.gather(*(self.mezz(s) for s in slots))
        return [card for cards in per for card in cards]
