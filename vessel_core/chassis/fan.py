"""PSUs & Fans → Fan Meter."""
from __future__ import annotations

from typing import TYPE_CHECKING

from vessel_core.chassis._util import as_int, flag, records
from vessel_core.chassis.models import Fan
from vessel_core.chassis.power import HEALTH

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis


class Fans:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def status(self) -> list[Fan]:
        """Every fan: HMM Redfish ``Chassis/1/Thermal`` when offered, else the web API's FRU
        status (which also carries the speed percentage)."""
        ch = self._ch
        if await ch.has_hmm_redfish():
            th = await (await ch.hmm_redfish()).get_thermal("1")
            out = []
            for f in th.fans:
                extra = f.model_extra or {}
                st = f.status
                out.append(Fan(name=str(extra.get("FanName") or f.name or f.member_id or ""),
                               present=st is None or st.state != "Absent",
                               health=st.health if st else None,
                               speed_rpm=int(f.reading) if f.reading is not None else None))
            ch.route("fan.status", "redfish:hmm")
            return out
        doc = await (await ch.web()).query_status()
        ch.route("fan.status", "web")
        return [Fan(name=r.get("name", ""), present=flag(r.get("present", "1")),
                    health=HEALTH.get(r.get("health", ""), r.get("health")),
                    speed_rpm=as_int(r.get("speed")), speed_pct=as_int(r.get("speedpct")))
                for r in records(doc, "fru") if r.get("name", "").startswith("Fan")]

    async def get(self, name: str) -> Fan:
        from vessel_core.errors import NotFoundError
        for f in await self.status():
            if f.name == name:
                return f
        raise NotFoundError(f"no fan {name!r}", target=self._ch.target, operation="fan.get")
