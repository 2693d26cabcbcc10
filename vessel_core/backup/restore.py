"""``vessel restore``: the differences between a snapshot and the live chassis, per scope, and
their restore through the guard.

:func:`show_plan` captures each selected scope now and compares it with the snapshot's capture
(fields the device computes left out): what a dry run prints is exactly what a restore changes.
:func:`restore` first takes a whole-chassis snapshot of the current state (so a restore can be
undone with ``vessel restore <that id>``), then restores the differing scopes in a safe order
(:func:`~vessel_core.backup.parts.restore_order`), each as one guarded change: the guard records
the pre-restore snapshot, verifies that a fresh capture equals the snapshot's (a switch also
answers the heartbeat over a fresh login), rolls that scope back when it does not, writes one
audit record; a scope that fails is reported and the others go on. A scope that cannot be read
now (a switch whose management is down) is reported by the dry run and the restore, neither
compared nor restored, and the others go on.

Accounts the restore must create need a password the snapshot never holds: ``passwords``
(user -> password); an account without one is reported and left out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from vessel_core.backup.parts import Part, discover, restore_order
from vessel_core.errors import ChangeError, TransientError

if TYPE_CHECKING:
    from vessel_core.safety.snapshot import Snapshot, SnapshotStore
    from vessel_core.session import Session

#: the blade fields a restore brings back (the rest of a blade's capture follows from them)
BLADE_FIELDS = ("profile", "power_state")


def snapshot_files(snap: "Snapshot", part: Part) -> dict[str, str] | None:
    """The part's capture as the snapshot holds it (None: not in this snapshot)."""
    out: dict[str, str] = {}
    listed = {i.path for i in snap.items}
    for name, path in part.files.items():
        if path not in listed:
            return None
        text = snap.read(path).decode()
        if part.group == "blade":
            text = json.dumps(json.loads(text)["binding"], indent=2, sort_keys=True) + "\n"
        out[name] = text
    return out


def _text(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v


def _objects(part: Part, text: str) -> dict[str, Any]:
    """A JSON capture as comparable objects: key -> fields, device-computed fields left out."""
    data = json.loads(text)
    drop = part.read_only | getattr(part.scope, "write_only", frozenset())
    if part.group == "blade":
        return {part.scope.target: {k: data.get(k) for k in BLADE_FIELDS}}
    if isinstance(data, list):
        key = getattr(part.scope, "key", "name")
        return {str(d.get(key)): {k: v for k, v in d.items() if k not in drop} for d in data}
    return {part.scope.target: {k: v for k, v in data.items() if k not in drop}}


def differences(part: Part, have: Mapping[str, bytes | str], want: Mapping[str, bytes | str]) -> list[str]:
    """What restoring ``want`` over ``have`` changes, one line each."""
    if part.group == "switch":
        from vessel_core.switchops.model import parse_view
        from vessel_core.switchops.plan import plan_lines, restore_changes

        flavour = part.scope.cli.flavour  # type: ignore[attr-defined]
        now = parse_view(_text(have["running-config.cfg"]), flavour)
        target = parse_view(_text(want["running-config.cfg"]), flavour)
        lines, _ = plan_lines(now, restore_changes(now, target))
        return list(lines)
    out: list[str] = []
    for name in want:
        a, b = _objects(part, _text(have[name])), _objects(part, _text(want[name]))
        for key in sorted(set(a) | set(b)):
            if key not in b:
                out.append(f"delete {key}")
            elif key not in a:
                out.append(f"create {key}: {json.dumps(b[key], sort_keys=True)}")
            elif a[key] != b[key]:
                changed = sorted(k for k in set(a[key]) | set(b[key]) if a[key].get(k) != b[key].get(k))
                out.append(f"update {key}: " + ", ".join(f"{k} {json.dumps(a[key].get(k))} -> {json.dumps(b[key].get(k))}"
                                                         for k in changed))
    return out


@dataclass
class ScopePlan:
    part: Part
    have: dict[str, bytes | str]
    want: dict[str, str]
    changes: list[str]


@dataclass
class Plan:
    snapshot_id: str
    scopes: list[ScopePlan] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  #: selected parts the snapshot does not hold
    #: selected parts that could not be read now ("switch:2X: why"): neither compared nor restored
    unreadable: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return any(s.changes for s in self.scopes)

    def lines(self) -> list[str]:
        out = []
        for s in self.scopes:
            if s.changes:
                out.append(f"{s.part.id}: {len(s.changes)} difference(s)")
                out.extend(f"  {c}" for c in s.changes)
        out.extend(f"{a}: not in snapshot {self.snapshot_id}, left as it is" for a in self.absent)
        out.extend(f"{u}; not compared, not restored" for u in self.unreadable)
        if not self.differs and not self.unreadable:
            out.append(f"no differences from snapshot {self.snapshot_id}")
        return out


async def show_plan(session: "Session", snap: "Snapshot", selectors: list[str]) -> Plan:
    parts, _ = await discover(session)
    plan = Plan(snap.id)
    for part in restore_order([p for p in parts if p.selected(selectors)]):
        want = snapshot_files(snap, part)
        if want is None:
            plan.absent.append(part.id)
            continue
        try:
            have = await part.scope.capture()
        except Exception as exc:  # noqa: BLE001 - a scope that does not answer now; the others go on
            plan.unreadable.append(f"{part.id}: could not be read: {' '.join((str(exc) or type(exc).__name__).split())}")
            continue
        plan.scopes.append(ScopePlan(part, have, want, differences(part, have, want)))
    # blades in the order they drew their pool identities: the HMM gives the lowest free ones, so
    # binding them again in that order into empty pools gives each blade the MACs/UUID it had
    blades = [sp for sp in plan.scopes if sp.part.group == "blade"]
    plan.scopes = [sp for sp in plan.scopes if sp.part.group != "blade"] + sorted(blades, key=_drawn_first)
    return plan


def _drawn_first(sp: ScopePlan) -> tuple[int, str]:
    try:
        b = json.loads(next(iter(sp.want.values())))
    except (StopIteration, ValueError):
        return (2, sp.part.id)
    macs = b.get("macs") if b.get("mac_source") == "pool" else None
    if macs:
        return (0, min(str(m).upper() for m in macs))
    uuid = b.get("uuid") if b.get("uuid_source") == "pool" else None
    return (1, str(uuid).upper()) if uuid else (2, sp.part.id)


class _Restoring:
    """The scope of one restore as the guard sees it: verified by a fresh capture equal to the
    snapshot's (and the switch heartbeat), rolled back by the scope's own restore."""

    def __init__(self, part: Part, want: Mapping[str, bytes | str]) -> None:
        self.part, self.want = part, want
        self.kind, self.target = part.scope.kind, part.scope.target

    async def capture(self) -> dict[str, bytes | str]:
        return await self.part.scope.capture()

    async def verify(self, change: Any) -> None:
        if self.part.group == "switch":
            await self.part.scope.verify(change)
        left = differences(self.part, await self.part.scope.capture(), self.want)
        if left:
            raise TransientError(f"{self.part.id}: {len(left)} difference(s) left after restore: {left[0]}",
                                 target=self.target, operation="snapshot.restore")

    async def restore(self, files: Mapping[str, bytes | str]) -> None:
        await self.part.scope.restore(files)


def _needs_secret(scope: Any, obj: dict[str, Any]) -> bool:
    """Whether recreating ``obj`` needs a write-only value: the scope says so per object when it
    can (``missing_secrets``: an SNMP receiver does, a syslog server does not), else always."""
    missing = getattr(scope, "missing_secrets", None)
    if missing is None:
        return True
    try:
        return bool(missing(scope.model.model_validate(obj)))
    except Exception:  # noqa: BLE001 - a capture the model refuses: ask for the secret to be safe
        return True


def _with_passwords(s: ScopePlan, passwords: Mapping[str, str], skipped: list[str]) -> dict[str, str]:
    """The snapshot's capture with the write-only values of objects the restore must create."""
    write_only: frozenset[str] = getattr(s.part.scope, "write_only", frozenset())
    if not write_only or s.part.group != "hmm":
        return s.want
    out = {}
    for name, text in s.want.items():
        items = json.loads(text)
        if not isinstance(items, list):
            out[name] = text
            continue
        key = getattr(s.part.scope, "key", "name")
        live = {str(d.get(key)) for d in json.loads(_text(s.have[name]))}
        kept = []
        for d in items:
            k = str(d.get(key))
            if k not in live and not _needs_secret(s.part.scope, d):
                kept.append(d)  # an object without a secret (a syslog destination): recreated as it is
                continue
            if k not in live:
                if k not in passwords:
                    skipped.append(f"{s.part.id} {k}: a new object needs its password (never in a snapshot): "
                                   f"give it with --passwords or VESSEL_RESTORE_PASSWORD_{k}")
                    continue
                d = {**d, **{f: passwords[k] for f in write_only}}
            kept.append(d)
        out[name] = json.dumps(kept, indent=2, sort_keys=True) + "\n"
    return out


@dataclass
class Report:
    before_id: str | None = None
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def lines(self) -> list[str]:
        out = [f"snapshot of the state before the restore: {self.before_id}"]
        out += [f"restored {d}" for d in self.done] + [f"FAILED {f}" for f in self.failed]
        out += [f"not restored: {s}" for s in self.skipped]
        return out


async def restore(session: "Session", store: "SnapshotStore", snap: "Snapshot", plan: Plan, *,
                  passwords: Mapping[str, str] | None = None) -> Report:
    from vessel_core.backup.snapshot import take

    report = Report(failed=list(plan.unreadable))
    before, _ = await take(session, store, tool=f"vessel restore {snap.id} (state before)")
    report.before_id = before.id
    guard = session.guard
    for s in plan.scopes:
        if not s.changes:
            continue
        want = _with_passwords(s, passwords or {}, report.skipped)
        scope = _Restoring(s.part, want)
        guard.adopt(scope, before)
        try:
            async with guard.change(scope, "snapshot.restore", files=s.have,
                                    target_id=f"{s.part.id}@{snap.id}") as ch:
                ch.evidence["snapshot"] = snap.id
                await s.part.scope.restore(want)
        except ChangeError as exc:
            # one line a scope: a device's answer quoted in the message may span several
            report.failed.append(f"{s.part.id}: {' '.join(exc.message.split())} ({exc.outcome})")
            continue
        report.done.append(f"{s.part.id} ({len(s.changes)} difference(s))")
    return report
