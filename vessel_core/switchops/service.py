"""Batched, safety-wrapped changes to CX310 switches.

One :class:`SwitchOps` per guard session (a Terraform walk); one :class:`Switch` per switch
module, created on first use. Resources call :meth:`Switch.view` to read and
:meth:`Switch.apply` to change; neither speaks CLI.

A :class:`Switch` is the :class:`vessel_core.safety.Scope` of its running configuration:
capture = the ``display current-configuration`` text, verify = the heartbeat (a FRESH SSH
login and a complete configuration read within the guard's deadline), restore = the lines
that bring VLANs, ports and LAGs back to a captured text. The :class:`~vessel_core.safety.Guard`
does the snapshot (once per guard session), the watching, the restore retries and the audit
records; this module only batches.

Reads: one ``display current-configuration`` per switch serves every VLAN, port and LAG;
the parsed view is cached for ``cache_ttl`` seconds, concurrent readers share the one
in-flight read, and a write replaces the cache with what the switch shows afterwards.

Writes: :meth:`Switch.apply` queues a change and waits. The first change of an idle switch
starts a gather window (``gather_window`` seconds); every change queued meanwhile (Terraform
sends up to 10 at once) joins the same batch, and changes queued while a batch runs form the
next one. A batch is:

1. a fresh read of the running configuration (the pre-change view) and the session's snapshot;
2. all lines in one configuration session with one ``commit`` (vrp8);
3. verify: the heartbeat within the deadline; its output is the post-change view;
4. on verify failure: restore the pre-change view (retried while management is lost); every
   change of the batch fails with ``rollback`` (or ``rollback-failed``: may be live);
5. ``save`` (retried over a new session while it drops); one audit record per change.

A device error in a batch of several changes re-runs them one by one, so only the change
the switch refuses fails. A session dropped mid-way is never taken as "not applied": the
switch may hold all, some or none of the lines (vrp5 applies each line at once; a vrp8 drop
at ``commit`` may or may not have committed). The heartbeat re-reads it (a switch that stays
silent is restored, as after any commit); what is still missing is sent again over a new
session; then the batch is verified and saved like any other. Only what the switch shows,
verified and saved, is reported done.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping

from vessel_core.drivers.ssh.session import CliCommandError
from vessel_core.drivers.vrp.cli import VrpCli
from vessel_core.errors import ChangeError, ConflictError, TransientError, VesselError
from vessel_core.switchops.model import SwitchView, parse_view, switch_slot
from vessel_core.switchops.plan import Change, object_of, plan_lines, restore_changes, satisfied

if TYPE_CHECKING:
    from vessel_core.safety.guard import Change as GuardChange
    from vessel_core.safety.guard import Guard

log = logging.getLogger("vessel.switchops")

Connect = Callable[[int], VrpCli]
CONFIG_FILE = "running-config.cfg"
#: how often what a dropped session did not deliver is sent again, while each round makes progress
MAX_RESENDS = 5


class SwitchChangeError(ChangeError):
    """A switch change did not happen as asked (see :class:`vessel_core.errors.ChangeError`)."""


@dataclass
class ChangeResult:
    snapshot_id: str | None
    after: Any  # the object as the switch shows it after the change (None: absent)
    outcome: str  # success | no-op


@dataclass
class _Pending:
    change: Change
    op: str
    future: asyncio.Future
    started: float = field(default_factory=time.monotonic)


class Switch:
    """One switch module: its cached view, its batch queue, and its safety :class:`Scope`."""

    kind = "switch"

    def __init__(self, ops: "SwitchOps", label: str) -> None:
        self.ops = ops
        self.label = label
        self.target = label
        self.slot = switch_slot(label)
        self.cli: VrpCli = ops.connect(self.slot)
        self._cache: tuple[float, asyncio.Future] | None = None
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task | None = None
        self._write_lock = asyncio.Lock()
        self._beat = ""  # the configuration text the last heartbeat read
        self.commits = 0  # configuration sessions committed (one per batch, plus resends)
        self.batches: list[int] = []  # size of each batch run

    @property
    def guard(self) -> "Guard":
        return self.ops.guard

    # ------------------------------------------------------------------ reads
    async def _read(self) -> SwitchView:
        text = await self.cli.current_configuration()
        return parse_view(text, self.cli.flavour)

    async def view(self) -> SwitchView:
        """The switch's VLANs, ports and LAGs (cached for ``cache_ttl``, shared in flight)."""
        now = time.monotonic()
        if self._cache is not None:
            expires, fut = self._cache
            if not fut.done() or (now < expires and fut.exception() is None):
                return await asyncio.shield(fut)
        fut = asyncio.get_running_loop().create_future()
        self._cache = (float("inf"), fut)
        try:
            view = await self._read()
        except BaseException as exc:
            self._cache = None
            fut.set_exception(exc)
            fut.exception()
            raise
        fut.set_result(view)
        self._cache = (time.monotonic() + self.ops.cache_ttl, fut)
        return view

    def _remember(self, view: SwitchView) -> None:
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(view)
        self._cache = (time.monotonic() + self.ops.cache_ttl, fut)

    def invalidate(self) -> None:
        self._cache = None

    async def get(self, kind: str, key: int | str) -> Any:
        return object_of(await self.view(), kind, key)

    # ------------------------------------------------------------------ Scope
    async def capture(self) -> dict[str, bytes | str]:
        return {CONFIG_FILE: (await self._read()).text}

    async def verify(self, change: "GuardChange | None" = None) -> None:
        """The heartbeat: a fresh login reads a complete configuration (kept in ``_beat``)."""
        cli = self.ops.connect(self.slot)  # a fresh login each time
        try:
            text = await cli.current_configuration()
        finally:
            await cli.close()
        if "return" not in text:
            raise TransientError("incomplete configuration read", target=self.label, operation="watchdog")
        self._beat = text

    async def restore(self, files: Mapping[str, bytes | str]) -> None:
        raw = files[CONFIG_FILE]
        target = parse_view(raw.decode() if isinstance(raw, bytes) else raw, self.cli.flavour)
        now = await self._read()
        lines, _ = plan_lines(now, restore_changes(now, target))
        if lines:
            await self.cli.configure(lines, commit_comment="vessel rollback")
        after = await self._read()
        if restore_changes(after, target):
            raise TransientError("switch does not match the pre-change configuration after restore",
                                 target=self.label, operation="rollback")

    async def _heartbeat_view(self) -> tuple[bool, str, SwitchView | None]:
        self._beat = ""
        ok, detail = await self.guard.watch(self.verify)
        return ok, detail, (parse_view(self._beat, self.cli.flavour) if ok else None)

    # ------------------------------------------------------------------ writes
    async def apply(self, change: Change, op: str) -> ChangeResult:
        """Queue ``change`` (operation name ``op`` for the audit log) and wait for its batch."""
        item = _Pending(change, op, asyncio.get_running_loop().create_future())
        self._pending.append(item)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_soon())
        return await item.future

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.ops.gather_window)
        async with self._write_lock:
            batch, self._pending = self._pending, []
            self._flusher = None
            if not batch:
                return
            try:
                await self._run(batch)
            except BaseException as exc:  # never leave a caller waiting
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc if isinstance(exc, Exception) else
                                               SwitchChangeError("cancelled", target=self.label))
                if not isinstance(exc, Exception):
                    raise

    def _tid(self, p: _Pending) -> str:
        return f"{self.label}/{p.change.target}"

    def _refuse_existing(self, p: _Pending) -> None:
        key_field = {"vlan": "vlan_id", "lag": "lag_id"}.get(p.change.kind)
        err = ConflictError(
            f"{p.change.target} already exists on switch {self.label} and was not created by this "
            "configuration; creating it would take it over", target=self.label, operation=p.op,
            field=key_field, hint=f"to manage it, import it (import ID {self.label}/{p.change.key}) instead of "
                                  "creating it; or choose another id")
        if not p.future.done():
            p.future.set_exception(err)

    async def _settle(self, p: _Pending, *, outcome: str, snapshot_id: str | None, before: Any, after: Any,
                      evidence: dict | None = None, error: Exception | None = None) -> None:
        await asyncio.shield(self.guard.audit(
            self, p.op, outcome, started=p.started, snapshot_id=snapshot_id, before=before, after=after,
            evidence=evidence, target_id=self._tid(p)))
        self.guard.fulfilled(self._tid(p))
        if p.future.done():
            return
        if error is not None:
            p.future.set_exception(error)
        else:
            p.future.set_result(ChangeResult(snapshot_id, after, outcome))

    async def _run(self, batch: list[_Pending]) -> None:
        self.batches.append(len(batch))
        try:
            before = await self._read()
        except VesselError as exc:
            for p in batch:
                await self._settle(p, outcome="failed", snapshot_id=None, before=None, after=None,
                                   evidence={"error": str(exc)},
                                   error=SwitchChangeError(f"cannot read switch {self.label}: {exc}",
                                                           target=self.label, operation=p.op, after_known=False))
            return
        snap = await self.guard.snapshot(self, {CONFIG_FILE: before.text})
        todo, completed = [], []
        for p in batch:
            obj = object_of(before, p.change.kind, p.change.key)
            interrupted = None
            if p.op.endswith(".create") and p.change.kind != "port" and obj is not None:
                interrupted = self.guard.intended(self._tid(p))
                if interrupted is None:  # someone else's object: never adopt it silently
                    self._refuse_existing(p)
                    continue
            if satisfied(before, p.change):
                if interrupted is not None:  # made by a run killed before it could record it
                    completed.append((p, obj, interrupted))
                else:
                    await self._settle(p, outcome="no-op", snapshot_id=snap.id, before=obj, after=obj)
            else:
                todo.append(p)
        if completed:  # the killed run may have died before its save: save, then record
            saved, save_detail = await self._save()
            for p, obj, interrupted in completed:
                note = f"completed a create interrupted at {interrupted.get('at')}: the object was on the switch"
                if saved:
                    await self._settle(p, outcome="success", snapshot_id=snap.id, before=None, after=obj,
                                       evidence={"note": note + "; saved"})
                else:
                    msg = (f"switch {self.label}: {p.change.target} is live but NOT saved ({save_detail}); "
                           "run apply again to save it")
                    await self._settle(p, outcome="unsaved", snapshot_id=snap.id, before=None, after=obj,
                                       evidence={"note": note, "error": msg},
                                       error=SwitchChangeError(msg, outcome="unsaved", snapshot_id=snap.id,
                                                               target=self.label, operation=p.op, after=obj,
                                                               after_known=True))
        if not todo:
            self._remember(before)
            return
        for p in todo:  # survives a killed process: the next run knows these objects are ours
            self.guard.intend(self._tid(p), p.op)
        lines, _expected = plan_lines(before, [p.change for p in todo])
        notes: list[str] = []
        try:
            await self.cli.configure(lines, commit_comment=f"vessel {todo[0].op}" if len(todo) == 1 else "vessel batch")
            self.commits += 1
        except CliCommandError as exc:
            if len(todo) > 1:
                log.info("%s: batch of %d refused (%s); applying one by one", self.label, len(todo), exc)
                for p in todo:
                    await self._run([p])
                return
            await self._refused(todo[0], before, snap.id, exc, len(lines))
            return
        except TransientError as exc:
            # the switch may hold all, some or none of the lines: find out, never assume
            notes.append(f"session dropped during the change ({exc}); the switch was re-read")
        self.invalidate()
        ok, detail, after = await self._heartbeat_view()
        rounds = 0
        while ok and notes and after is not None and rounds < MAX_RESENDS:
            missing = [p for p in todo if not satisfied(after, p.change)]
            if not missing:
                break
            rounds += 1
            ok, detail, after_resend = await self._resend(missing, after, notes)
            if after_resend is not None and \
                    len([p for p in todo if not satisfied(after_resend, p.change)]) >= len(missing):
                after = after_resend
                break  # no progress: report what the switch holds
            after = after_resend
        if not ok or after is None:
            await self._rollback(todo, before, snap.id, detail, notes)
            return
        saved, save_detail = await self._save()
        self._remember(after)
        for p in todo:
            b, a = object_of(before, p.change.kind, p.change.key), object_of(after, p.change.kind, p.change.key)
            ev = {"batch_size": len(todo), "lines": len(lines), **({"notes": notes} if notes else {})}
            if not satisfied(after, p.change):
                msg = f"switch {self.label} does not show the change to {p.change.target} after commit"
                await self._settle(p, outcome="failed", snapshot_id=snap.id, before=b, after=a,
                                   evidence={**ev, "error": msg},
                                   error=SwitchChangeError(msg, snapshot_id=snap.id, target=self.label,
                                                           operation=p.op, after=a, after_known=True))
            elif not saved:
                msg = (f"switch {self.label}: the change to {p.change.target} is live but NOT saved "
                       f"({save_detail}); a reboot of the switch would lose it. Run apply again to save it.")
                await self._settle(p, outcome="unsaved", snapshot_id=snap.id, before=b, after=a,
                                   evidence={**ev, "error": msg},
                                   error=SwitchChangeError(msg, outcome="unsaved", snapshot_id=snap.id,
                                                           target=self.label, operation=p.op, after=a,
                                                           after_known=True))
            else:
                await self._settle(p, outcome="success", snapshot_id=snap.id, before=b, after=a, evidence=ev)

    async def _refused(self, p: _Pending, before: SwitchView, snapshot_id: str, exc: CliCommandError,
                       n_lines: int) -> None:
        msg = f"switch {self.label} refused {exc.command!r}: {exc.device_message or exc}"
        self.invalidate()
        try:  # vrp5 keeps the lines before the refused one: report what is really there
            now = await self.view()
            after, known = object_of(now, p.change.kind, p.change.key), True
        except VesselError:
            after, known = None, False
        await self._settle(p, outcome="failed", snapshot_id=snapshot_id,
                           before=object_of(before, p.change.kind, p.change.key), after=after,
                           evidence={"error": msg, "lines": n_lines},
                           error=SwitchChangeError(msg, snapshot_id=snapshot_id, target=self.label, operation=p.op,
                                                   after=after, after_known=known))

    async def _resend(self, missing: list[_Pending], now: SwitchView,
                      notes: list[str]) -> tuple[bool, str, SwitchView | None]:
        """Send again, over a new session, what a dropped session did not get onto the switch."""
        lines, _ = plan_lines(now, [p.change for p in missing])
        notes.append(f"{len(missing)} change(s) not on the switch after the drop: {len(lines)} line(s) sent again")
        try:
            await self.cli.configure(lines, commit_comment="vessel batch (resent)")
            self.commits += 1
        except (CliCommandError, TransientError) as exc:
            notes.append(f"resending failed: {exc}")
        self.invalidate()
        return await self._heartbeat_view()

    async def _save(self) -> tuple[bool, str]:
        """``save``, retried over a new session while it drops (saving twice is harmless)."""
        return await self.guard.watch(self.cli.save, deadline=max(self.guard.verify_deadline, 30.0))

    async def _rollback(self, todo: list[_Pending], before: SwitchView, snapshot_id: str, detail: str,
                        notes: list[str]) -> None:
        restored, rdetail = await self.guard.restore(self, {CONFIG_FILE: before.text})
        self.invalidate()
        if restored:
            ok, sdetail = await self._save()
            if not ok:
                rdetail = f"restored; save failed: {sdetail}"
        what = (f"the pre-change configuration was restored from snapshot {snapshot_id}" if restored else
                f"restoring the pre-change configuration FAILED ({rdetail}); the change may be live and "
                f"unsaved: manual recovery needed, snapshot {snapshot_id}")
        why = "; ".join(notes + [f"the management plane did not answer within "
                                 f"{self.guard.verify_deadline:g}s ({detail})"])
        msg = f"switch {self.label}: {why}; {what}"
        outcome = "rollback" if restored else "rollback-failed"
        for p in todo:
            b = object_of(before, p.change.kind, p.change.key)
            await self._settle(p, outcome=outcome, snapshot_id=snapshot_id, before=b, after=b if restored else None,
                               evidence={"reason": f"management heartbeat failed: {detail}", "restored": restored,
                                         "restore_detail": rdetail, **({"notes": notes} if notes else {})},
                               error=SwitchChangeError(msg, outcome=outcome, rolled_back=restored,
                                                       snapshot_id=snapshot_id, target=self.label,
                                                       operation=p.op, after=b, after_known=restored))

    # ------------------------------------------------------------------ data source
    async def facts(self) -> dict[str, Any]:
        """Version, flavour, interfaces with link state, LLDP neighbours and MAC table."""
        async def cached(key: str, fn: Callable[[], Awaitable[Any]]) -> Any:
            return await self.ops.fact_cache(self.label, key, fn)
        version = await cached("version", self.cli.version)
        brief = await cached("interfaces", self.cli.interfaces)
        lldp = await cached("lldp", self.cli.lldp_neighbors)
        macs = await cached("mac", self.cli.mac_table)
        return {"version": version, "interfaces": brief, "lldp": lldp, "mac": macs, "view": await self.view()}

    async def close(self, *, graceful: bool = True) -> None:
        await self.cli.close(graceful=graceful)


class SwitchOps:
    """The switches of one chassis for one provider process.

    Args:
        connect: ``slot -> VrpCli`` (a new, unopened client each call).
        guard: the change guard session (snapshot store, audit log, verify deadline).
        cache_ttl: how long one read serves every resource of a switch.
        gather_window: how long the first change of a batch waits for others.
    """

    def __init__(self, connect: Connect, guard: "Guard", *, cache_ttl: float = 20.0,
                 gather_window: float = 0.2) -> None:
        self.connect = connect
        self.guard = guard
        self.cache_ttl = cache_ttl
        self.gather_window = gather_window
        self._switches: dict[str, Switch] = {}
        self._facts: dict[tuple[str, str], tuple[float, Any]] = {}
        self._fact_locks: dict[tuple[str, str], asyncio.Lock] = {}

    def switch(self, label: str) -> Switch:
        sw = self._switches.get(label)
        if sw is None:
            sw = self._switches[label] = Switch(self, label)
        return sw

    async def fact_cache(self, label: str, key: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        k = (label, key)
        async with self._fact_locks.setdefault(k, asyncio.Lock()):
            hit = self._facts.get(k)
            if hit is not None and time.monotonic() < hit[0]:
                return hit[1]
            value = await fn()
            self._facts[k] = (time.monotonic() + self.cache_ttl, value)
            return value

    @property
    def commits(self) -> int:
        return sum(s.commits for s in self._switches.values())

    async def close(self, *, graceful: bool = True) -> None:
        await asyncio.gather(*(sw.close(graceful=graceful) for sw in self._switches.values()),
                             return_exceptions=True)
