"""snapshot → change → watchdog → rollback-or-commit → audit, as one reusable envelope.

A provider process lives for one Terraform walk, so an :class:`Envelope` is created once per
process: the first change to a target captures its snapshot, later changes in the same walk
reuse that snapshot id ("snapshot before the first change of an apply").

Building blocks, usable separately when several mutations share one commit (batching):

* :meth:`Envelope.ensure_snapshot` — capture once per target;
* :meth:`Envelope.watchdog` — retry a heartbeat until it answers or the deadline passes;
* :meth:`Envelope.rollback` — restore from the snapshot, retrying while management is lost;
* :meth:`Envelope.audit` — one record per mutation.

:meth:`Envelope.change` strings them together for the common single-mutation case.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from vessel_core.errors import VesselError
from vessel_core.safety.audit import AuditLog, digest
from vessel_core.safety.snapshot import Snapshot, SnapshotStore

log = logging.getLogger("vessel_core.safety")

Capture = Callable[[], Awaitable[dict[str, bytes | str]]]
Heartbeat = Callable[[], Awaitable[Any]]
Restore = Callable[[Snapshot], Awaitable[Any]]


class ChangeRolledBack(VesselError):
    """The change was applied, the watchdog heartbeat failed, and the snapshot was restored
    (``restored`` tells whether the restore itself succeeded)."""

    def __init__(self, message: str, *, restored: bool, snapshot_id: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.restored = restored
        self.snapshot_id = snapshot_id


@dataclass
class Envelope:
    snapshots: SnapshotStore
    audit_log: AuditLog
    actor: dict[str, Any]
    watchdog_deadline: float = 30.0
    heartbeat_interval: float = 0.5
    restore_timeout: float = 120.0
    _taken: dict[tuple[str, str], Snapshot] = field(default_factory=dict, init=False)
    _locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict, init=False)

    async def ensure_snapshot(self, target_kind: str, target_id: str, capture: Capture,
                              scope: str | None = None) -> Snapshot:
        key = (target_kind, target_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._taken:
                files = await capture()
                self._taken[key] = await asyncio.to_thread(
                    self.snapshots.create, scope=scope or target_kind, target=target_id, files=files,
                    actor=self.actor)
                log.info("snapshot %s taken for %s %s", self._taken[key].id, target_kind, target_id)
            return self._taken[key]

    def snapshot_for(self, target_kind: str, target_id: str) -> Snapshot | None:
        return self._taken.get((target_kind, target_id))

    async def watchdog(self, heartbeat: Heartbeat) -> tuple[bool, str]:
        """True when ``heartbeat`` answers before the deadline; else False and the last error."""
        deadline = time.monotonic() + self.watchdog_deadline
        last = "no heartbeat attempted"
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False, last
            try:
                await asyncio.wait_for(heartbeat(), timeout=remaining)
                return True, "ok"
            except asyncio.TimeoutError:
                last = f"no answer within {self.watchdog_deadline:g}s"
            except Exception as exc:  # any failure of the heartbeat is a failed beat
                last = str(exc) or type(exc).__name__
            await asyncio.sleep(min(self.heartbeat_interval, max(0.0, deadline - time.monotonic())))

    async def rollback(self, snapshot: Snapshot, restore: Restore) -> tuple[bool, str]:
        """Restore the snapshot, retrying while the target is unreachable, up to restore_timeout."""
        deadline = time.monotonic() + self.restore_timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(restore(snapshot), timeout=max(0.1, deadline - time.monotonic()))
                return True, "restored"
            except Exception as exc:
                last = str(exc) or type(exc).__name__
                await asyncio.sleep(self.heartbeat_interval)
        return False, last or "restore timed out"

    def audit(self, *, target_kind: str, target_id: str, op: str, outcome: str, started: float,
              snapshot_id: str | None, before: Any = None, after: Any = None,
              evidence: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.audit_log.record(
            actor=self.actor, target_kind=target_kind, target_id=target_id, op=op, outcome=outcome,
            snapshot_id=snapshot_id, before_digest=digest(before), after_digest=digest(after),
            duration_ms=(time.monotonic() - started) * 1000.0, evidence=evidence)

    async def change(self, *, target_kind: str, target_id: str, op: str, capture: Capture,
                     apply: Callable[[], Awaitable[Any]], before: Any = None,
                     after: Callable[[], Awaitable[Any]] | None = None,
                     heartbeat: Heartbeat | None = None, restore: Restore | None = None,
                     evidence: dict[str, Any] | None = None) -> Any:
        started = time.monotonic()
        snap = await self.ensure_snapshot(target_kind, target_id, capture)
        ev = dict(evidence or {})
        try:
            result = await apply()
        except BaseException as exc:
            ev["error"] = str(exc) or type(exc).__name__
            self.audit(target_kind=target_kind, target_id=target_id, op=op, outcome="failed",
                       started=started, snapshot_id=snap.id, before=before, evidence=ev)
            raise
        if heartbeat is not None:
            ok, detail = await self.watchdog(heartbeat)
            if not ok:
                restored, rdetail = (False, "no restore procedure") if restore is None else \
                    await self.rollback(snap, restore)
                ev.update(reason=f"management heartbeat failed: {detail}", restored=restored,
                          restore_detail=rdetail)
                self.audit(target_kind=target_kind, target_id=target_id, op=op, outcome="rollback",
                           started=started, snapshot_id=snap.id, before=before, evidence=ev)
                what = "the pre-change configuration was restored" if restored else \
                    f"restoring the pre-change configuration FAILED ({rdetail}); manual recovery needed"
                raise ChangeRolledBack(
                    f"management plane did not answer within {self.watchdog_deadline:g}s after the change "
                    f"({detail}); {what} from snapshot {snap.id}",
                    restored=restored, snapshot_id=snap.id, target=target_id, operation=op)
        after_value = await after() if after is not None else None
        self.audit(target_kind=target_kind, target_id=target_id, op=op, outcome="success", started=started,
                   snapshot_id=snap.id, before=before, after=after_value, evidence=ev)
        return result
