"""One guarded door for every mutation: snapshot → change → verify → restore-or-keep → audit.

A :class:`Scope` is something that can be changed safely: it knows how to *capture* itself
(files for the snapshot store), how to *verify* itself after a change (read back equals what
was wanted, the management plane answers) and how to *restore* itself from captured files.
An HMM web setting, a switch's running configuration, a blade's boot settings and a firmware
wave are scopes; the :class:`Guard` knows nothing about any of them.

    guard = Guard(SnapshotStore(dir), AuditLog(path), default_actor("vessel"))
    walk = guard.session()                       # one Terraform walk, one CLI run, one request
    async with walk.change(scope, "ntp.update", want=model, before=current) as ch:
        ch.after = await write(model)            # the mutation itself
    # -> snapshot (once per session and scope), verify within the deadline, restore the state
    #    captured just before this change if verification fails, one audit record, always

Snapshot policy: the first change to a scope within a guard *session* writes its capture to
the snapshot store and every later change of that session reuses the id ("snapshot before the
first change"). A long-lived process (REST, a daemon) opens a session per request; the policy
never belongs to the process. Every change additionally captures the scope in memory just
before it runs, so a rollback returns to the state before *this* change, not to the start of
the session (earlier changes of the session were verified and reported as done).

Outcomes (the audit record's word and :attr:`vessel_core.errors.ChangeError.outcome`):
``success``, ``no-op`` (the block set ``ch.outcome``), ``failed`` (the block raised: not
applied, or applied in part as ``ChangeError.after`` says), ``rollback`` (applied, verify
failed, restored and the restore verified), ``rollback-failed`` (applied, verify failed, the
restore failed: the change may be live). Audit records are written off the event loop
(``fsync`` + ``flock`` would otherwise stall every concurrent request).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping, Protocol, runtime_checkable

from vessel_core.errors import ChangeError, VesselError

if TYPE_CHECKING:
    from vessel_core.safety.audit import AuditLog
    from vessel_core.safety.snapshot import Snapshot, SnapshotStore

log = logging.getLogger(__name__)

Files = Mapping[str, "bytes | str"]


@runtime_checkable
class Scope(Protocol):
    """What can be changed safely (see the module docstring)."""

    kind: str  #: "switch", "hmm.ntp", "hmm.users", "blade.boot", "firmware"
    target: str  #: "2X", "hmm", "Slot3"

    async def capture(self) -> dict[str, bytes | str]:
        """The scope's current state as files (no secret in them)."""

    async def verify(self, change: "Change") -> None:
        """Raise when the change did not take or the target is unhealthy (retried until the
        guard's deadline); return when it is good."""

    async def restore(self, files: Files) -> None:
        """Bring the target back to ``files`` (a capture); raise when that did not work."""


@dataclass
class Change:
    """What a guarded block sees and fills in."""

    scope: Scope
    op: str
    snapshot_id: str | None
    want: Any = None  #: what the change asks for (for verify)
    before: Any = None  #: the object before the change (for the audit digest)
    after: Any = None  #: the object after the change, set by the block
    outcome: str = "success"  #: the block may set "no-op"
    evidence: dict[str, Any] = field(default_factory=dict)
    verify: bool = True  #: the block may turn verification off for a no-op
    started: float = field(default_factory=time.monotonic)
    files: dict[str, bytes | str] | None = None  #: the capture taken just before the change


def _text(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_text(e) for e in exc.exceptions)
    return str(exc) or type(exc).__name__


class Guard:
    """Snapshot store + audit log + actor + deadlines; :meth:`session` scopes the snapshots.

    Args:
        verify_deadline: how long verification may keep failing before the change is rolled
            back (the watchdog deadline).
        retry_interval: pause between verification (and restore) attempts.
        restore_timeout: how long a restore may keep failing (management lost) before the
            guard gives up and reports ``rollback-failed``.
    """

    def __init__(self, snapshots: "SnapshotStore", audit_log: "AuditLog", actor: dict[str, Any], *,
                 verify_deadline: float = 30.0, retry_interval: float = 0.5,
                 restore_timeout: float = 120.0) -> None:
        self.snapshots = snapshots
        self.audit_log = audit_log
        self.actor = actor
        self.verify_deadline = verify_deadline
        self.retry_interval = retry_interval
        self.restore_timeout = restore_timeout
        self._taken: dict[tuple[str, str], "Snapshot"] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.records = 0  #: audit records written through this guard session

    def session(self) -> "Guard":
        """A guard with the same store, log and deadlines and a fresh snapshot policy."""
        return Guard(self.snapshots, self.audit_log, self.actor, verify_deadline=self.verify_deadline,
                     retry_interval=self.retry_interval, restore_timeout=self.restore_timeout)

    # ------------------------------------------------------------------ parts
    async def snapshot(self, scope: Scope, files: dict[str, bytes | str] | None = None) -> "Snapshot":
        """The session's snapshot of ``scope`` (captured and written on first call)."""
        key = (scope.kind, scope.target)
        async with self._locks.setdefault(key, asyncio.Lock()):
            snap = self._taken.get(key)
            if snap is None:
                if files is None:
                    files = await scope.capture()
                snap = self._taken[key] = await asyncio.to_thread(
                    self.snapshots.create, scope=scope.kind, target=scope.target, files=dict(files),
                    actor=self.actor)
                log.info("snapshot %s taken for %s %s", snap.id, scope.kind, scope.target)
            return snap

    # ------------------------------------------------------------------ intents
    def _intent_path(self, target_id: str) -> Path:
        log_path = Path(self.audit_log.path)
        name = hashlib.sha256(target_id.encode()).hexdigest()[:32] + ".json"
        return log_path.parent / (log_path.name + ".intents") / name

    def intend(self, target_id: str, op: str) -> None:
        """Note, before a mutation is sent, that ``op`` on ``target_id`` is under way. The note
        outlives a killed process: the next run finds it (:meth:`intended`) and knows an object it
        meets was made by the interrupted run, not by someone else."""
        path = self._intent_path(target_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"target": target_id, "op": op, "actor": self.actor,
                                   "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
        os.replace(tmp, path)

    def intended(self, target_id: str) -> dict[str, Any] | None:
        """The unfinished intent on ``target_id`` (None when there is none)."""
        try:
            return json.loads(self._intent_path(target_id).read_text())
        except (OSError, ValueError):
            return None

    def fulfilled(self, target_id: str) -> None:
        """The mutation on ``target_id`` is recorded in the audit log: forget its intent."""
        try:
            self._intent_path(target_id).unlink()
        except OSError:
            pass

    def adopt(self, scope: Scope, snapshot: "Snapshot") -> None:
        """Record that ``snapshot`` (a whole-chassis one, taken just now) holds this session's
        snapshot of ``scope``: its first change writes no second copy and names that id."""
        self._taken.setdefault((scope.kind, scope.target), snapshot)

    def snapshot_for(self, scope: Scope) -> "Snapshot | None":
        return self._taken.get((scope.kind, scope.target))

    async def watch(self, probe: Any, *, deadline: float | None = None) -> tuple[bool, str]:
        """Await ``probe()`` until it returns without raising or ``deadline`` seconds pass.
        Returns (True, "ok") or (False, the last failure)."""
        ok, detail, _ = await self._watch(probe, deadline)
        return ok, detail

    async def _watch(self, probe: Any, deadline: float | None) -> tuple[bool, str, BaseException | None]:
        limit = self.verify_deadline if deadline is None else deadline
        end = time.monotonic() + limit
        last, last_exc = "no attempt made", None  # type: tuple[str, BaseException | None]
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return False, last, last_exc
            try:
                await asyncio.wait_for(probe(), timeout=remaining)
                return True, "ok", None
            except asyncio.TimeoutError as exc:
                last, last_exc = f"no answer within {limit:g}s", exc
            except Exception as exc:  # any failure of a probe is a failed attempt
                last, last_exc = _text(exc), exc
            await asyncio.sleep(min(self.retry_interval, max(0.0, end - time.monotonic())))

    async def restore(self, scope: Scope, files: Files) -> tuple[bool, str]:
        """Restore ``files`` into ``scope``, retrying while it fails, up to restore_timeout."""
        return await self.watch(lambda: scope.restore(files), deadline=self.restore_timeout)

    async def audit(self, scope: Scope, op: str, outcome: str, *, started: float, snapshot_id: str | None,
                    before: Any = None, after: Any = None, evidence: dict[str, Any] | None = None,
                    target_id: str | None = None) -> dict[str, Any]:
        """One audit record, written on a worker thread."""
        from vessel_core.safety.audit import digest

        rec = await asyncio.to_thread(
            self.audit_log.record, actor=self.actor, target_kind=scope.kind,
            target_id=target_id or scope.target, op=op, outcome=outcome, snapshot_id=snapshot_id,
            before_digest=digest(_plain(before)), after_digest=digest(_plain(after)),
            duration_ms=(time.monotonic() - started) * 1000.0, evidence=evidence)
        self.records += 1
        return rec

    # ------------------------------------------------------------------ the door
    @asynccontextmanager
    async def change(self, scope: Scope, op: str, *, want: Any = None, before: Any = None,
                     target_id: str | None = None, files: Files | None = None) -> AsyncIterator[Change]:
        """Guard one mutation of ``scope`` (see the module docstring). ``files``: the capture,
        when the caller has just read the scope anyway (else ``scope.capture()``). Raises
        :class:`ChangeError` for every outcome but success and no-op."""
        started = time.monotonic()
        files = dict(files) if files is not None else await scope.capture()
        snap = await self.snapshot(scope, files)
        ch = Change(scope, op, snap.id, want=want, before=before, started=started, files=files)
        tid = target_id or scope.target
        try:
            yield ch
        except BaseException as exc:
            err = exc if isinstance(exc, ChangeError) else None
            if err is not None and err.snapshot_id is None:
                err.snapshot_id = snap.id
            ev = {**ch.evidence, "error": _text(exc)}
            await asyncio.shield(self.audit(scope, op, err.outcome if err else "failed", started=started,
                                            snapshot_id=snap.id, before=before,
                                            after=err.after if err and err.after_known else None,
                                            evidence=ev, target_id=tid))
            if isinstance(exc, Exception) and err is None:
                raise _as_change_error(exc, snap.id, op, tid) from exc
            raise
        if ch.outcome == "no-op" or not ch.verify:
            await self.audit(scope, op, ch.outcome, started=started, snapshot_id=snap.id, before=before,
                             after=ch.after, evidence=ch.evidence, target_id=tid)
            return
        ok, detail, why = await self._watch(lambda: scope.verify(ch), None)
        if ok:
            await self.audit(scope, op, "success", started=started, snapshot_id=snap.id, before=before,
                             after=ch.after, evidence=ch.evidence, target_id=tid)
            return
        restored, rdetail = await self.restore(scope, files)
        outcome = "rollback" if restored else "rollback-failed"
        await self.audit(scope, op, outcome, started=started, snapshot_id=snap.id, before=before,
                         after=before if restored else None,
                         evidence={**ch.evidence, "reason": f"verification failed: {detail}",
                                   "restored": restored, "restore_detail": rdetail}, target_id=tid)
        what = (f"the state before the change was restored (snapshot {snap.id})" if restored else
                f"restoring the state before the change FAILED ({rdetail}); the change may be live: "
                f"manual recovery needed (snapshot {snap.id})")
        raise ChangeError(f"{op} on {tid}: verification failed within {self.verify_deadline:g}s "
                          f"({detail}); {what}", outcome=outcome, rolled_back=restored,
                          snapshot_id=snap.id, after=before, after_known=restored, target=tid,
                          operation=op, field=getattr(why, "field", None))


def _as_change_error(exc: Exception, snapshot_id: str, op: str, target: str) -> ChangeError:
    kw: dict[str, Any] = {}
    if isinstance(exc, VesselError):
        kw = dict(field=exc.field, hint=exc.hint, device_message=exc.device_message,
                  target=exc.target or target, operation=exc.operation or op)
        message = exc.message
    else:
        kw = dict(target=target, operation=op)
        message = _text(exc)
    return ChangeError(message, outcome="failed", snapshot_id=snapshot_id, **kw)


def _plain(obj: Any) -> Any:
    """A JSON-able form of a model for digests (pydantic models, dataclasses, sets)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((_plain(v) for v in obj), key=repr)
    if hasattr(obj, "__dict__"):
        return {k: _plain(v) for k, v in vars(obj).items() if not k.startswith("_")}
    return str(obj)
