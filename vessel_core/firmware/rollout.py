"""The rollout: a plan's waves run one after another through the chassis' guard.

Per wave: (an HMM failover when the plan says so) → the power state of each blade recorded →
blades whose host firmware is flashed powered off → each component class of the wave uploaded
and flashed as one HMM upgrade job → power restored → the health gate (versions read back,
every iBMC and the HMM answering, host power as it was), retried until its deadline.

A failed flash or gate stops the rollout: every component of the wave goes back to the image it
ran before (the iBMC's backup slot, the previous image the HMM kept), the old versions are
verified, and later waves never start. One audit record per component flashed
(``firmware.flash``), rolled back (``rollback`` / ``rollback-failed``) or skipped
(``firmware.skip``, ``no-op``); the wave's snapshot (versions and power states) is written
before its first flash.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from vessel_core.errors import ChangeError, TransientError, VesselError
from vessel_core.firmware.image import Image
from vessel_core.firmware.inventory import read_inventory, switch_slot
from vessel_core.firmware.model import HOST_KINDS, Inventory, Plan, Step, Wave, compare_versions

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

log = logging.getLogger(__name__)
_LOCKS: "weakref.WeakKeyDictionary[Any, asyncio.Lock]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Event:
    """A progress event: ``wave``, ``component`` (a component id or ``""``), ``percent``."""

    wave: int
    component: str
    percent: int
    message: str

    def __str__(self) -> str:
        who = f" {self.component}" if self.component else ""
        return f"wave {self.wave}{who} {self.percent}%: {self.message}"


@dataclass
class Report:
    flashed: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    #: component id → the version it runs after the rollout (what was read back last)
    versions: dict[str, str] = field(default_factory=dict)
    failed_wave: int | None = None
    error: str | None = None


class RolloutError(ChangeError):
    """The rollout stopped: ``report`` says which components are where."""

    def __init__(self, message: str, report: Report, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.report = report


def token(step: Step) -> str:
    """The bladelist token of a step (an HMM is flashed as the standby, ``othersmm``)."""
    if step.kind == "hmm":
        return "othersmm"
    if step.kind == "switch":
        return f"Swi{switch_slot(step.target)}:fru0;"
    return f"{step.target}:fru0;"


class WaveScope:
    """A wave as a safety scope: captured as the versions and power states of its targets."""

    kind = "firmware"

    def __init__(self, rollout: "Rollout", wave: Wave) -> None:
        self.target = f"wave{wave.index}"
        self._r, self._wave = rollout, wave

    async def capture(self) -> dict[str, bytes | str]:
        inv = await read_inventory(self._r.ch)
        ids = set(self._wave.members)
        doc = {"wave": self._wave.index, "components": {c.id: c.version for c in inv.components if c.id in ids},
               "power": {str(k): v for k, v in inv.blade_power.items()}}
        return {"firmware.json": json.dumps(doc, indent=2, sort_keys=True) + "\n"}

    async def verify(self, change: Any) -> None:
        await self._r.gate(self._wave, {s.id: s.to_version for s in self._wave.steps})

    async def restore(self, files: Any) -> None:
        await self._r.roll_back(self._wave)


class Rollout:
    """Runs ``plan`` with ``images`` (component kind → staged :class:`Image`) on ``ch``."""

    def __init__(self, ch: "Chassis", plan: Plan, images: dict[str, Image], *, flash_timeout: float = 3600.0,
                 gate_timeout: float = 600.0, poll_interval: float = 3.0,
                 on_event: Callable[[Event], Any] | None = None) -> None:
        missing = {s.kind for s in plan.steps} - set(images)
        if missing:
            raise ValueError(f"no staged image for {', '.join(sorted(missing))}")
        self.ch, self.plan, self.images = ch, plan, images
        self.flash_timeout, self.gate_timeout, self.poll_interval = flash_timeout, gate_timeout, poll_interval
        self.on_event = on_event
        self.report = Report()
        self._power: dict[int, str] = {}

    # ------------------------------------------------------------------ events
    def _emit(self, wave: int, component: str, percent: int, message: str) -> None:
        ev = Event(wave, component, percent, message)
        log.info("firmware %s", ev)
        if self.on_event is not None:
            self.on_event(ev)

    # ------------------------------------------------------------------ run
    async def run(self) -> Report:
        lock = _LOCKS.setdefault(self.ch, asyncio.Lock())
        async with lock:  # one upgrade job at a time on a chassis (the HMM runs one)
            guard = self.ch.guard
            for cid, version in sorted(self.plan.skipped.items()):
                if guard is not None:
                    await guard.audit(_Named("firmware", cid.split("/")[0]), "firmware.skip", "no-op",
                                      started=time.monotonic(), snapshot_id=None, target_id=cid,
                                      evidence={"version": version, "reason": "already at the target version"})
            for wave in self.plan.waves:
                await self._wave(wave)
            inv = await read_inventory(self.ch)
            self.report.versions = {c.id: c.version for c in inv.components}
            return self.report

    async def _wave(self, wave: Wave) -> None:
        guard = self.ch.guard
        scope = WaveScope(self, wave)
        snap = await guard.snapshot(scope) if guard is not None else None
        started = time.monotonic()
        self._emit(wave.index, "", 0, f"starting: {', '.join(wave.members)}")
        try:
            if wave.failover_first:
                self._emit(wave.index, "", 0, "HMM failover to the standby module")
                await self.ch.management.failover(timeout=self.gate_timeout)
            await self._flash_wave(wave)
            ok, detail = await self._gate_watch(wave)
            if not ok:
                raise TransientError(f"health gate: {detail}", operation="firmware.gate", target=scope.target)
        except (VesselError, OSError, asyncio.TimeoutError) as exc:
            await self._fail(wave, scope, snap.id if snap else None, started, exc)
            return
        for s in wave.steps:
            self.report.flashed.append(s.id)
            if guard is not None:
                await guard.audit(scope, "firmware.flash", "success", started=started, snapshot_id=snap.id if snap
                                  else None, target_id=s.id, before={"version": s.from_version},
                                  after={"version": s.to_version},
                                  evidence={"wave": wave.index, "from": s.from_version, "to": s.to_version,
                                            "sha256": self.images[s.kind].sha256})
        self._emit(wave.index, "", 100, "done, health gate passed")

    async def _flash_wave(self, wave: Wave) -> None:
        ch = self.ch
        host_slots = sorted({int(s.target[4:]) for s in wave.steps if s.kind in HOST_KINDS})
        self._power = {b.slot: b.power_state for b in await ch.blade.list()}
        for slot in host_slots:
            if self._power.get(slot) == "On":
                self._emit(wave.index, f"Slot{slot}", 0, "powering the host off for its firmware")
                await ch.blade.power(slot, "ForceOff", wait=True, timeout=self.gate_timeout,
                                     interval=self.poll_interval)
        try:
            for kind in ("hmm", "switch", "ibmc", "bios", "cpld"):
                steps = [s for s in wave.steps if s.kind == kind]
                if steps:
                    await self._flash(wave, kind, steps)
        finally:
            await self._restore_power(wave, host_slots)

    async def _restore_power(self, wave: Wave, slots: list[int]) -> None:
        for slot in slots:
            if self._power.get(slot) == "On":
                self._emit(wave.index, f"Slot{slot}", 100, "powering the host back on")
                await self.ch.blade.power(slot, "On", wait=True, timeout=self.gate_timeout,
                                          interval=self.poll_interval)

    async def _flash(self, wave: Wave, kind: str, steps: list[Step]) -> None:
        img = self.images[kind]
        bladelist = "othersmm" if kind == "hmm" else "".join(token(s) for s in steps)
        if kind == "hmm":
            (step,) = steps
            active = (await self.ch.management.active.read()).active
            if step.target == active:
                raise ChangeError(f"{step.id} is the active module; only the standby is flashed",
                                  target=step.id, operation="firmware.flash")
        ids = [s.id for s in steps]
        self._emit(wave.index, ",".join(ids), 0, f"uploading {img.filename} ({len(img.data)} bytes)")
        await self.ch.upgrade.upload(img.filename, img.data, targets=bladelist)
        await self.ch.upgrade.apply(bladelist)

        def progress(st: Any) -> None:
            for t in st.targets:
                self._emit(wave.index, t.name, t.progress, t.progressdesp or "")

        try:
            await self.ch.upgrade.wait(timeout=self.flash_timeout, interval=self.poll_interval,
                                       on_progress=progress)
        finally:
            try:
                await self.ch.upgrade.cancel()  # the upload buffer is cleaned either way
            except VesselError:
                pass

    # ------------------------------------------------------------------ gate
    async def _gate_watch(self, wave: Wave) -> tuple[bool, str]:
        want = {s.id: s.to_version for s in wave.steps}
        guard = self.ch.guard
        if guard is not None:
            return await guard.watch(lambda: self.gate(wave, want), deadline=self.gate_timeout)
        try:
            await asyncio.wait_for(self.gate(wave, want), self.gate_timeout)
            return True, "ok"
        except (VesselError, asyncio.TimeoutError) as exc:
            return False, str(exc)

    async def gate(self, wave: Wave, want: dict[str, str]) -> None:
        """Raise unless every component of ``wave`` reads back ``want``, each iBMC and the HMM
        answer (a version block for every target) and host power is what it was."""
        self.ch.cache.invalidate("upgrade")
        inv = await self._inventory()
        bad = []
        for cid, version in want.items():
            target, kind = cid.split("/")
            c = inv.get(target, kind)
            if c is None:
                bad.append(f"{cid} does not answer")
            elif compare_versions(c.version, version) != 0:
                bad.append(f"{cid} runs {c.version}, not {version}")
        for slot in {int(s.target[4:]) for s in wave.steps if s.target.startswith("Slot")}:
            was, now = self._power.get(slot), inv.blade_power.get(slot)
            if was in ("On", "Off") and now != was:
                bad.append(f"Slot{slot} host power is {now}, was {was}")
        if bad:
            raise TransientError("; ".join(bad), operation="firmware.gate")

    async def _inventory(self) -> Inventory:
        self.ch.cache.invalidate("stateless.nodes")
        self.ch.cache.invalidate("blade")
        return await read_inventory(self.ch)

    # ------------------------------------------------------------------ rollback
    async def roll_back(self, wave: Wave) -> None:
        """Every component of ``wave`` back to the image before its flash, verified."""
        for kind in ("hmm", "switch", "ibmc", "bios", "cpld"):
            steps = [s for s in wave.steps if s.kind == kind]
            if steps:
                bladelist = "othersmm" if kind == "hmm" else "".join(token(s) for s in steps)
                await self.ch.upgrade.rollback(bladelist, kind)
        await self.gate(wave, {s.id: s.from_version for s in wave.steps})

    async def _fail(self, wave: Wave, scope: WaveScope, snapshot_id: str | None, started: float,
                    exc: BaseException) -> None:
        reason = str(exc)
        self._emit(wave.index, "", 100, f"FAILED: {reason}; rolling the wave back")
        guard = self.ch.guard
        if guard is not None:
            restored, rdetail = await guard.watch(lambda: self.roll_back(wave), deadline=self.gate_timeout)
        else:
            try:
                await self.roll_back(wave)
                restored, rdetail = True, "ok"
            except VesselError as e:
                restored, rdetail = False, str(e)
        if restored:
            hosts = sorted({int(s.target[4:]) for s in wave.steps if s.kind in HOST_KINDS})
            try:
                await self._restore_power(wave, hosts)
            except VesselError as e:
                restored, rdetail = False, f"power not restored: {e}"
        try:
            inv = await self._inventory()
            self.report.versions = {c.id: c.version for c in inv.components}
        except VesselError:
            pass
        outcome = "rollback" if restored else "rollback-failed"
        for s in wave.steps:
            if restored:
                self.report.rolled_back.append(s.id)
            if guard is not None:
                await guard.audit(scope, "firmware.flash", outcome, started=started, snapshot_id=snapshot_id,
                                  target_id=s.id, before={"version": s.from_version},
                                  after={"version": self.report.versions.get(s.id)},
                                  evidence={"wave": wave.index, "from": s.from_version, "to": s.to_version,
                                            "reason": reason, "restored": restored, "restore_detail": rdetail})
        later = [w.index for w in self.plan.waves if w.index > wave.index]
        where = ", ".join(f"{s.id} at {self.report.versions.get(s.id, '?')}" for s in wave.steps)
        self.report.failed_wave, self.report.error = wave.index, reason
        what = (f"the wave was rolled back ({where})" if restored else
                f"rolling the wave back FAILED ({rdetail}); {where}: manual recovery needed")
        self._emit(wave.index, "", 100, what)
        raise RolloutError(f"wave {wave.index} ({', '.join(wave.members)}) failed: {reason}; {what}"
                           + (f"; waves {', '.join(map(str, later))} not started" if later else ""),
                           self.report, outcome=outcome, rolled_back=restored, snapshot_id=snapshot_id,
                           target=scope.target, operation="firmware.rollout")


@dataclass(frozen=True)
class _Named:
    kind: str
    target: str

