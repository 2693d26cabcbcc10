"""PSUs & Fans → Power Meter / Hibernation / Capping."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from vessel_core.chassis._util import as_int, b01, flag, records
from vessel_core.chassis.managed import PagedSetting
from vessel_core.chassis.models import ChassisPowerPolicy, PowerCapping, PowerMeter, PowerSupply
from vessel_core.errors import ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

PAGE = "power.html"
HEALTH = {"0": "OK", "1": "Warning", "2": "Warning", "3": "Critical"}


def _state(status) -> tuple[bool, str | None]:
    if status is None:
        return True, None
    return status.state != "Absent", status.health


def _priorities(text: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for tok in filter(None, str(text or "").split(",")):
        slot, _, prio = tok.partition(":")
        if slot.isdigit() and prio and prio != "medium":
            out[int(slot)] = prio
    return out


class Policy(PagedSetting[ChassisPowerPolicy]):
    """PSUs & Fans → Capping (``powerhandler get/setpowercapping``) and Hibernation
    (``get/sethibernate``) [INF: no verb captured] as one setting. The capping failure action is
    not part of it (left as it is)."""

    kind, model, referer = "hmm.power_policy", ChassisPowerPolicy, PAGE
    factory = ChassisPowerPolicy()

    async def read_value(self) -> ChassisPowerPolicy:
        cap, hib = await asyncio.gather(self._ch.web_read("powerhandler.php", "getpowercapping", referer=PAGE),
                                        self._ch.web_read("powerhandler.php", "gethibernate", referer=PAGE))
        c, h = cap.fields, hib.fields
        return ChassisPowerPolicy.model_construct(
            capping_enabled=flag(c.get("enabled")), capping_limit_w=as_int(c.get("limit"), 6000) or 6000,
            slot_priority=_priorities(c.get("priorities", "")), hibernation_enabled=flag(h.get("enabled")),
            hibernation_mode="N+N" if h.get("mode") == "N+N" else "N+1")

    async def write_changes(self, want: ChassisPowerPolicy, have: ChassisPowerPolicy) -> None:
        if any(getattr(want, k) != getattr(have, k) for k in ("capping_enabled", "capping_limit_w", "slot_priority")):
            prios = ",".join(f"{n}:{want.slot_priority.get(n, 'medium')}" for n in range(1, 17))
            await self.send("powerhandler.php", "setpowercapping", {
                "enabled": b01(want.capping_enabled), "limit": want.capping_limit_w, "priorities": prios},
                {"capping_enabled": "enabled", "capping_limit_w": "limit", "slot_priority": "priorities"})
        if (want.hibernation_enabled, want.hibernation_mode) != (have.hibernation_enabled, have.hibernation_mode):
            await self.send("powerhandler.php", "sethibernate", {
                "enabled": b01(want.hibernation_enabled), "mode": want.hibernation_mode},
                {"hibernation_enabled": "enabled", "hibernation_mode": "mode"})


class Power:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        #: capping and PSU hibernation (a :class:`~vessel_core.chassis.managed.Setting`)
        self.policy = Policy(ch)

    async def supplies(self) -> list[PowerSupply]:
        return (await self.meter()).supplies

    async def meter(self) -> PowerMeter:
        """Chassis input power and every PSU: HMM Redfish ``Chassis/1/Power`` when offered,
        else the web API's power meter and FRU status."""
        ch = self._ch
        if await ch.has_hmm_redfish():
            p = await (await ch.hmm_redfish()).get_power("1")
            supplies = []
            for s in p.power_supplies:
                present, health = _state(s.status)
                supplies.append(PowerSupply(
                    name=s.name or s.member_id or "", model=str((s.model_extra or {}).get("Model", "")),
                    present=present, health=health,
                    rated_w=int(s.power_capacity_watts) if s.power_capacity_watts is not None else None,
                    output_w=int(s.last_power_output_watts) if s.last_power_output_watts is not None else None))
            consumed = p.power_control[0].power_consumed_watts if p.power_control else None
            ch.route("power.meter", "redfish:hmm")
            return PowerMeter(consumed_w=int(consumed or 0), supplies=supplies)
        web = await ch.web()
        meter = await ch.web_read("powerhandler.php", "getpowermeter", referer=PAGE)
        status = await web.query_status()
        supplies = [PowerSupply(name=r.get("name", ""), present=flag(r.get("present", "1")),
                                health=HEALTH.get(r.get("health", ""), r.get("health")),
                                rated_w=as_int(r.get("ratedpower")), output_w=as_int(r.get("power")))
                    for r in records(status, "fru") if r.get("name", "").startswith("PEM")]
        ch.route("power.meter", "web")
        return PowerMeter(consumed_w=as_int(meter.fields.get("power"), 0) or 0,
                          peak_w=as_int(meter.fields.get("peak")), supplies=supplies)

    async def capping(self) -> PowerCapping:
        doc = await self._ch.web_read("powerhandler.php", "getpowercapping", referer=PAGE)
        self._ch.route("power.capping", "web")
        f = doc.fields
        return PowerCapping(enabled=flag(f.get("enabled")), limit_w=as_int(f.get("limit"), 6000),
                            failure_action="poweroff" if f.get("failaction") == "poweroff" else "none",
                            hibernate=flag(f.get("hibernate")))

    async def set_capping(self, *, enabled: bool | None = None, limit_w: int | None = None,
                          failure_action: Literal["none", "poweroff"] | None = None,
                          hibernate: bool | None = None) -> PowerCapping:
        """Change the given settings only; returns what the chassis reports afterwards."""
        if limit_w is not None and not 1000 <= limit_w <= 30000:
            raise ValidationError(f"limit_w: must be 1000..30000 W, got {limit_w}",
                                  operation="power.set_capping")
        if failure_action not in (None, "none", "poweroff"):
            raise ValidationError(f"failure_action: expected none or poweroff, got "
                                  f"{failure_action!r}", operation="power.set_capping")
        await self._ch.web_write("powerhandler.php", "setpowercapping", {
            "enabled": None if enabled is None else b01(enabled), "limit": limit_w,
            "failaction": failure_action,
            "hibernate": None if hibernate is None else b01(hibernate)},
            operation="powerhandler.setpowercapping", referer=PAGE)
        self._ch.route("power.set_capping", "web")
        return await self.capping()
