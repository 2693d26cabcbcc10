"""Alarm Monitoring: active alarms and the system event logs (HMM web API)."""
from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING

from vessel_core.chassis.models import AlarmList, SelEntry
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

_COMPONENT = re.compile(r"^(smm|othersmm|Slot(?:[1-9]|[12]\d|3[0-2])|Swi[1-4])$")


class Alarms:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def list(self) -> AlarmList:
        """Active alarms of the whole chassis with the per-level counts."""
        web = await self._ch.web()
        first = await web.alarms(page=1, perpage=100)
        alarms = list(first.alarms)
        page = 1
        while len(alarms) < first.sum and first.alarms:
            page += 1
            more = await web.alarms(page=page, perpage=100)
            if not more.alarms:
                break
            alarms.extend(more.alarms)
        self._ch.route("alarms.list", "web")
        return first.model_copy(update={"alarms": alarms})

    async def sel(self, component: str = "smm", *, limit: int | None = 200) -> builtins.list[SelEntry]:
        """System event log of ``smm``/``othersmm``/``Slot<N>``/``Swi<N>``, newest first."""
        if not _COMPONENT.match(component):
            raise ValidationError(f"component: expected smm, othersmm, Slot<N> or Swi<N>, got "
                                  f"{component!r}", operation="alarms.sel")
        try:
            entries = await (await self._ch.web()).sel_all(component, limit=limit)
        except NotFoundError:
            raise NotFoundError(f"{component} is not present", target=self._ch.target,
                                operation="alarms.sel") from None
        self._ch.route("alarms.sel", "web")
        return entries
