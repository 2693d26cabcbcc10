"""Fault injection knobs of the emulated chassis.

One :class:`Faults` instance lives on the emulator (``emulator.faults``). It can be given at
start (``Emulator(faults=...)``, ``vessel-sim --faults JSON``), changed from Python at run time
(``emulator.faults.latency_ms = 200``), or over HTTPS with ``POST /__sim/faults`` (a partial
JSON object, merged). Every service reads the knobs on each request, so a change applies to
the next request.
"""
from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FlashOutcome = Literal["ok", "slow", "fail", "brick"]


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_ms: int = Field(default=0, ge=0, description="Added before every HTTP answer (web, Redfish).")
    http_5xx_rate: float = Field(default=0.0, ge=0.0, le=1.0,
                                 description="Share of HTTP requests answered 503 (seeded RNG).")
    ssh_drop_after_commands: int | None = Field(
        default=None, ge=1, description="The SSH server closes a session after this many commands.")
    ssh_drop_after_command: str | None = Field(
        None, description="A regular expression: right after a switch CLI command matching it has run "
                          "(e.g. '^commit$', '^save'), the SSH connection is cut, so the command takes "
                          "effect and its answer never arrives. Fires ssh_drop_times times.")
    ssh_drop_times: int = Field(1, ge=0, description="How many more drops ssh_drop_after_command makes "
                                                     "(decremented by each one).")
    refuse_logins: bool = Field(default=False, description="Every new web or Redfish login is refused "
                                                   "as if all session slots were taken.")
    mgmt_loss_after_commit_s: dict[str, float] = Field(
        default_factory=dict,
        description="Per switch ('Swi2', 'Swi3'): after a VRP commit the switch management "
                    "plane stops answering for this many seconds.")
    web_write_drops_fields: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per web verb ('ntphandler.set'): form fields the HMM accepts and silently "
                    "ignores (answers retcode 0, applies the rest). [INF] a firmware that does not "
                    "know a field behaves so; used to prove read-back verification and restore.")
    web_5xx_after_verbs: dict[str, int] = Field(
        default_factory=dict,
        description="Per web verb ('ntphandler.set'): the next N calls are carried out, then answered "
                    "HTTP 503, so the change is made and its answer lost. [INF] a busy HMM web server "
                    "(or a proxy in front of it) behaves so; used to prove a lost answer is re-read.")
    ibmc_hang_on_profile: dict[str, int] = Field(
        default_factory=dict,
        description="Per compute profile name ('*' for any): the next N applications of it leave the "
                    "blade's iBMC not answering (Redfish 503, SSH hop refused) until the blade is bound "
                    "to another profile or unbound. [INF] a profile whose BIOS or identity settings "
                    "the iBMC cannot take; used to prove the previous binding is restored.")
    mgmt_unreachable_addresses: list[str] = Field(
        default_factory=list,
        description="HMM management addresses (with the emulator's mgmt_on_loopback option) at which the "
                    "HMM does not answer, as if the provider's network had no route to them: after moving "
                    "the floating address to one of them, nothing answers there. [INF] used to prove an "
                    "address change the provider cannot follow is rolled back.")
    firmware_flash: FlashOutcome = Field(default="ok", description="Outcome of the next firmware flashes.")
    firmware_flash_targets: dict[str, FlashOutcome] = Field(
        default_factory=dict,
        description="Per flash target ('Slot3', 'Swi2', 'HMM1'): the outcome of its flashes, over "
                    "firmware_flash (kept until changed).")
    session_idle_timeout_s: float = Field(
        default=1800.0, gt=0, description="Idle time after which web and Redfish sessions expire.")

    @field_validator("mgmt_loss_after_commit_s", mode="before")
    @classmethod
    def _switch_keys(cls, v: object) -> object:
        if not isinstance(v, dict):
            return v
        out = {}
        for k, s in v.items():
            key = str(k)
            if key.isdigit():
                key = f"Swi{key}"
            elif key.lower().startswith("swi") and key[3:].isdigit():
                key = f"Swi{key[3:]}"
            else:
                raise ValueError(f"mgmt_loss_after_commit_s: switch key {k!r} is not Swi1..Swi4")
            out[key] = s
        return out

    def mgmt_loss_for(self, switch_slot: int) -> float | None:
        """Seconds of management loss after a commit on switch ``switch_slot``, if any."""
        return self.mgmt_loss_after_commit_s.get(f"Swi{switch_slot}")


class FaultDice:
    """The seeded random source behind ``http_5xx_rate`` (same seed, same failures)."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"faults-{seed}")

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate
