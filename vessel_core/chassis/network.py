"""Network Settings → MMs / Blades / Switch Modules: external management addresses."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from vessel_core.chassis._util import records
from vessel_core.chassis.models import MgmtAddress
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

_KINDS = {"blade": 0, "swi": 1, "smm": 2}
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")


def _kind_of(name: str) -> str:
    if re.fullmatch(r"Slot\d+", name):
        return "blade"
    if re.fullmatch(r"Swi[1-4]", name):
        return "swi"
    if name in ("HMM1", "HMM2", "float"):
        return "smm"
    raise ValidationError(f"name: expected Slot<N>, Swi<N>, HMM1, HMM2 or float, got {name!r}",
                          operation="network")


class Network:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def list(self, kind: Literal["blade", "swi", "smm"]) -> list[MgmtAddress]:
        if kind not in _KINDS:
            raise ValidationError(f"kind: expected blade, swi or smm, got {kind!r}",
                                  operation="network.list")
        doc = await (await self._ch.web()).bmc_ip_data(_KINDS[kind])
        self._ch.route("network.list", "web")
        return [MgmtAddress(name=r.get("bladename", ""), ip=r.get("ip", ""),
                            mask=r.get("mask", ""), gateway=r.get("gateway", ""),
                            mode="dhcp" if r.get("mode") == "dhcp" else "static",
                            fabric_ip=r.get("fabricip", "")) for r in records(doc, "item")]

    async def get(self, name: str) -> MgmtAddress:
        for a in await self.list(_kind_of(name)):  # type: ignore[arg-type]
            if a.name == name:
                return a
        raise NotFoundError(f"no management address entry {name!r}", target=self._ch.target,
                            operation="network.get")

    async def set(self, name: str, *, ip: str, mask: str = "255.255.255.0", gateway: str = "",
                  mode: Literal["static", "dhcp"] = "static") -> MgmtAddress:
        """Set (or, with ``ip=""``, remove) the external address of ``name``."""
        _kind_of(name)
        for field, value in (("ip", ip), ("mask", mask), ("gateway", gateway)):
            if value and not _IPV4.match(value):
                raise ValidationError(f"{field}: {value!r} is not an IPv4 address",
                                      operation="network.set")
        if mode not in ("static", "dhcp"):
            raise ValidationError(f"mode: expected static or dhcp, got {mode!r}",
                                  operation="network.set")
        await self._ch.web_write("networkhandler.php", "setbmcipdata",
                                 {"bladename": name, "ip": ip, "mask": mask, "gateway": gateway,
                                  "mode": mode}, operation="networkhandler.setbmcipdata")
        self._ch.route("network.set", "web")
        return await self.get(name)
