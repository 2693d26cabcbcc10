"""Chassis Settings → Basic: enclosure identity, asset tag, slot aliases, server time."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from vessel_core.chassis._util import check_blade_slot
from vessel_core.chassis.models import ChassisInfo
from vessel_core.errors import ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis


class Basic:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def get(self) -> ChassisInfo:
        """Enclosure model/serial/health (HMM Redfish ``Chassis/1`` when offered) plus the
        web API's asset tag, slot aliases and server time."""
        ch = self._ch
        web = await ch.web()
        tag, aliases, now = await asyncio.gather(web.asset_tag(), web.slot_aliases(),
                                                 web.server_time())
        info = ChassisInfo(asset_tag=tag or "", slot_aliases=aliases, server_time=now)
        if await ch.has_hmm_redfish():
            enc = await (await ch.hmm_redfish()).get_chassis("1")
            info.model, info.serial_number = enc.model, enc.serial_number
            info.part_number = enc.part_number
            info.health = enc.status.health if enc.status else None
            ch.route("basic.get", "redfish:hmm+web")
        else:
            ch.route("basic.get", "web")
        return info

    async def set_asset_tag(self, tag: str) -> None:
        if len(tag) > 48:
            raise ValidationError("asset_tag: at most 48 characters", operation="basic.set_asset_tag")
        await self._ch.web_write("userhandler.php", "setassettag", {"assettag": tag},
                                 operation="userhandler.setassettag",
                                 referer="cabinet_basic_setting.html")
        self._ch.route("basic.set_asset_tag", "web")

    async def set_slot_alias(self, slot: int, alias: str) -> None:
        check_blade_slot(slot, "basic.set_slot_alias")
        if len(alias) > 32:
            raise ValidationError("alias: at most 32 characters", operation="basic.set_slot_alias")
        await self._ch.web_write("userhandler.php", "setslotalias", {"slot": slot, "alias": alias},
                                 operation="userhandler.setslotalias",
                                 referer="cabinet_basic_setting.html")
        self._ch.route("basic.set_slot_alias", "web")
