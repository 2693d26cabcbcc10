"""How long emulated operations take (wall-clock seconds).

Defaults are in the range a real blade shows; the pytest fixture passes :meth:`Timing.fast`
so tests wait fractions of a second. ``firmware_flash='slow'`` multiplies flash times by
``slow_factor``.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Timing(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    power_on_s: float = Field(default=4.0, ge=0)
    force_off_s: float = Field(default=1.0, ge=0)
    graceful_off_s: float = Field(default=6.0, ge=0)
    restart_s: float = Field(default=6.0, ge=0)
    flash_s: float = Field(default=30.0, ge=0)
    vmedia_connect_s: float = Field(default=2.0, ge=0)
    #: [INF] an HMM switchover: the new active module answers after this long (sessions are gone)
    failover_s: float = Field(default=30.0, ge=0)
    slow_factor: float = Field(default=5.0, ge=1)
    #: [INF] a CX310 reboots this long after a flash; its fabric is down meanwhile
    switch_reboot_s: float = Field(default=20.0, ge=0)

    @classmethod
    def fast(cls) -> "Timing":
        return cls(power_on_s=0.3, force_off_s=0.1, graceful_off_s=0.4, restart_s=0.4,
                   flash_s=1.0, vmedia_connect_s=0.2, failover_s=0.5, slow_factor=3.0,
                   switch_reboot_s=0.5)

    def flash_duration(self, outcome: str) -> float:
        """Seconds until a flash with this fault outcome reaches its end (failures stop at 60%)."""
        if outcome == "slow":
            return self.flash_s * self.slow_factor
        if outcome in ("fail", "brick"):
            return self.flash_s * 0.6
        return self.flash_s
