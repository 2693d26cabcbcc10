"""Batched, safety-wrapped changes to CX310 switches.

One :class:`SwitchOps` per provider process (per chassis); one :class:`Switch` per switch
module, created on first use. Resources call :meth:`Switch.view` to read and
:meth:`Switch.apply` to change; neither speaks CLI.

Reads: one ``display current-configuration`` per switch serves every VLAN, port and LAG;
the parsed view is cached for ``cache_ttl`` seconds, concurrent readers share the one
in-flight read, and a write replaces the cache with what the switch shows afterwards.

Writes: :meth:`Switch.apply` queues a change and waits. The first change of an idle switch
starts a gather window (``gather_window`` seconds); every change queued meanwhile (Terraform
sends up to 10 at once) joins the same batch, and changes queued while a batch runs form the
next one. A batch is:

1. a fresh read of the running configuration (the pre-change view);
2. a snapshot of that text before the first change of the process (envelope);
3. all lines in one configuration session with one ``commit`` (vrp8);
4. the watchdog: a FRESH SSH login and ``display current-configuration`` within the
   deadline; its output is the post-change view;
5. on watchdog failure: the lines that bring VLANs/ports/LAGs back to the pre-change view,
   retried while management is lost; every change of the batch fails with a rollback error;
6. ``save``; one audit record per change (success, failed, rollback or no-op).

A device error in a batch of several changes re-runs them one by one, so only the change
the switch refuses fails. A session dropped mid-way is answered by re-reading: changes the
switch shows are reported done, the others fail and a re-apply converges.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from vessel_core.drivers.ssh.session import CliCommandError
from vessel_core.drivers.vrp.cli import VrpCli
from vessel_core.errors import ChangeError, TransientError, VesselError
from vessel_core.safety import Envelope
from vessel_core.switchops.model import SwitchView, parse_view, switch_slot
from vessel_core.switchops.plan import Change, object_of, plan_lines, restore_changes, satisfied

log = logging.getLogger("vessel.switchops")

Connect = Callable[[int], VrpCli]


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


def _digestable(obj: Any) -> Any:
    if obj is None:
        return None
    d = dict(obj.__dict__)
    for k, v in list(d.items()):
        if isinstance(v, frozenset):
            d[k] = sorted(v)
        elif hasattr(v, "__dict__"):
            d[k] = _digestable(v)
    return d


class Switch:
    def __init__(self, ops: "SwitchOps", label: str) -> None:
        self.ops = ops
        self.label = label
        self.slot = switch_slot(label)
        self.cli: VrpCli = ops.connect(self.slot)
        self._cache: tuple[float, asyncio.Future] | None = None
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task | None = None
        self._write_lock = asyncio.Lock()
        self.commits = 0  # configuration sessions committed (one per batch)
        self.batches: list[int] = []  # size of each batch run

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

    def _settle(self, p: _Pending, *, outcome: str, snapshot_id: str | None, before: Any, after: Any,
                evidence: dict | None = None, error: Exception | None = None) -> None:
        env = self.ops.envelope
        env.audit(target_kind="switch", target_id=f"{self.label}/{p.change.target}", op=p.op, outcome=outcome,
                  started=p.started, snapshot_id=snapshot_id, before=_digestable(before), after=_digestable(after),
                  evidence=evidence)
        if p.future.done():
            return
        if error is not None:
            p.future.set_exception(error)
        else:
            p.future.set_result(ChangeResult(snapshot_id, after, outcome))

    async def _run(self, batch: list[_Pending]) -> None:
        self.batches.append(len(batch))
        env = self.ops.envelope
        try:
            before = await self._read()
        except VesselError as exc:
            for p in batch:
                self._settle(p, outcome="failed", snapshot_id=None, before=None, after=None,
                             evidence={"error": str(exc)},
                             error=SwitchChangeError(f"cannot read switch {self.label}: {exc}", target=self.label,
                                                     operation=p.op))
            return
        text = before.text
        snap = await env.ensure_snapshot("switch", self.label, self._capture(text), scope="switch-running-config")
        todo = []
        for p in batch:
            if satisfied(before, p.change):
                obj = object_of(before, p.change.kind, p.change.key)
                self._settle(p, outcome="no-op", snapshot_id=snap.id, before=obj, after=obj)
            else:
                todo.append(p)
        if not todo:
            self._remember(before)
            return
        lines, _expected = plan_lines(before, [p.change for p in todo])
        try:
            await self.cli.configure(lines, commit_comment=f"vessel {todo[0].op}" if len(todo) == 1 else "vessel batch")
        except CliCommandError as exc:
            if len(todo) > 1:
                log.info("%s: batch of %d refused (%s); applying one by one", self.label, len(todo), exc)
                for p in todo:
                    await self._run([p])
                return
            p = todo[0]
            msg = f"switch {self.label} refused {exc.command!r}: {exc.device_message or exc}"
            self.invalidate()
            try:  # vrp5 keeps the lines before the refused one: report what is really there
                now = await self.view()
                after, known = object_of(now, p.change.kind, p.change.key), True
            except VesselError:
                after, known = None, False
            self._settle(p, outcome="failed", snapshot_id=snap.id, before=object_of(before, p.change.kind, p.change.key),
                         after=after, evidence={"error": msg, "lines": len(lines)},
                         error=SwitchChangeError(msg, snapshot_id=snap.id, target=self.label, operation=p.op,
                                                 after=after, after_known=known))
            return
        except TransientError as exc:
            await self._after_drop(todo, before, snap.id, exc)
            return
        self.commits += 1
        self.invalidate()
        after_text: list[str] = []
        ok, detail = await env.watchdog(self._heartbeat(after_text))
        if not ok:
            await self._rollback(todo, before, snap, detail)
            return
        after = parse_view(after_text[-1], self.cli.flavour)
        save_error = None
        try:
            await self.cli.save()
        except VesselError as exc:
            save_error = f"committed but not saved: {exc}"
        self._remember(after)
        for p in todo:
            b, a = object_of(before, p.change.kind, p.change.key), object_of(after, p.change.kind, p.change.key)
            if save_error or not satisfied(after, p.change):
                msg = save_error or f"switch {self.label} does not show the change to {p.change.target} after commit"
                self._settle(p, outcome="failed", snapshot_id=snap.id, before=b, after=a, evidence={"error": msg},
                             error=SwitchChangeError(msg, snapshot_id=snap.id, target=self.label, operation=p.op,
                                                     after=a, after_known=True))
            else:
                self._settle(p, outcome="success", snapshot_id=snap.id, before=b, after=a,
                             evidence={"batch_size": len(todo), "lines": len(lines)})

    @staticmethod
    def _capture(text: str) -> Callable[[], Awaitable[dict[str, str]]]:
        async def capture() -> dict[str, str]:
            return {"running-config.cfg": text}
        return capture

    def _heartbeat(self, sink: list[str]) -> Callable[[], Awaitable[None]]:
        async def beat() -> None:
            cli = self.ops.connect(self.slot)  # a fresh login each time
            try:
                text = await cli.current_configuration()
            finally:
                await cli.close()
            if "return" not in text:
                raise TransientError("incomplete configuration read", target=self.label, operation="watchdog")
            sink.append(text)
        return beat

    async def _restore_to(self, target: SwitchView) -> None:
        now = await self._read()
        lines, _ = plan_lines(now, restore_changes(now, target))
        if lines:
            await self.cli.configure(lines, commit_comment="vessel rollback")
        after = await self._read()
        if restore_changes(after, target):
            raise TransientError("switch does not match the pre-change configuration after restore",
                                 target=self.label, operation="rollback")

    async def _rollback(self, todo: list[_Pending], before: SwitchView, snap: Any, detail: str) -> None:
        env = self.ops.envelope
        restored, rdetail = await env.rollback(snap, lambda _s: self._restore_to(before))
        self.invalidate()
        if restored:
            try:
                await self.cli.save()
            except VesselError as exc:
                rdetail = f"restored; save failed: {exc}"
        what = (f"the pre-change configuration was restored from snapshot {snap.id}" if restored else
                f"restoring the pre-change configuration FAILED ({rdetail}); manual recovery needed, "
                f"snapshot {snap.id}")
        msg = (f"switch {self.label}: the management plane did not answer within "
               f"{env.watchdog_deadline:g}s after the commit ({detail}); {what}")
        for p in todo:
            self._settle(p, outcome="rollback", snapshot_id=snap.id,
                         before=object_of(before, p.change.kind, p.change.key), after=None,
                         evidence={"reason": f"management heartbeat failed: {detail}", "restored": restored,
                                   "restore_detail": rdetail},
                         error=SwitchChangeError(msg, outcome="rollback" if restored else "rollback-failed",
                                                 rolled_back=restored, snapshot_id=snap.id,
                                                 target=self.label, operation=p.op,
                                                 after=object_of(before, p.change.kind, p.change.key),
                                                 after_known=restored))

    async def _after_drop(self, todo: list[_Pending], before: SwitchView, snapshot_id: str,
                          exc: Exception) -> None:
        self.invalidate()
        try:
            after = await self._read()
        except VesselError as exc2:
            after, reason = None, f"{exc}; re-read failed: {exc2}"
        else:
            reason = str(exc)
            self._remember(after)
        for p in todo:
            b = object_of(before, p.change.kind, p.change.key)
            if after is not None and satisfied(after, p.change):
                self._settle(p, outcome="success", snapshot_id=snapshot_id, before=b,
                             after=object_of(after, p.change.kind, p.change.key),
                             evidence={"note": "session dropped; change verified by re-reading the switch"})
            else:
                msg = (f"switch {self.label}: SSH session dropped during the change of {p.change.target} "
                       f"({reason}); it was not applied. Run apply again.")
                now = None if after is None else object_of(after, p.change.kind, p.change.key)
                self._settle(p, outcome="failed", snapshot_id=snapshot_id, before=b, after=now,
                             evidence={"error": msg},
                             error=SwitchChangeError(msg, snapshot_id=snapshot_id, target=self.label,
                                                     operation=p.op, after=now, after_known=after is not None))

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

    async def close(self) -> None:
        await self.cli.close()


class SwitchOps:
    """The switches of one chassis for one provider process.

    Args:
        connect: ``slot -> VrpCli`` (a new, unopened client each call).
        envelope: the change-safety envelope (snapshot store, audit log, watchdog deadline).
        cache_ttl: how long one read serves every resource of a switch.
        gather_window: how long the first change of a batch waits for others.
    """

    def __init__(self, connect: Connect, envelope: Envelope, *, cache_ttl: float = 20.0,
                 gather_window: float = 0.2) -> None:
        self.connect = connect
        self.envelope = envelope
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

    async def close(self) -> None:
        for sw in self._switches.values():
            await sw.close()
