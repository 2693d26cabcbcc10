"""The one guarded door: snapshot once per guard session, verify, restore, one audit record."""
from __future__ import annotations

import asyncio
import json
import threading

import pytest

from vessel_core.errors import ChangeError, ValidationError
from vessel_core.safety import AuditLog, Guard, Scope, SnapshotStore

ACTOR = {"os_user": "ops", "host": "ci", "provider_alias": "vessel.lab"}


class Box:
    """A device holding one value; ``lost_until`` makes it unreachable for a while."""

    kind, target = "test.box", "hmm"

    def __init__(self, value: str) -> None:
        self.value = value
        self.lost_until = 0.0
        self.captures = 0
        self.stuck = False  # writes are acknowledged but not applied

    def _reachable(self) -> None:
        if asyncio.get_running_loop().time() < self.lost_until:
            raise ConnectionError("connection refused")

    async def write(self, value: str) -> None:
        self._reachable()
        if not self.stuck:
            self.value = value

    async def capture(self) -> dict[str, bytes | str]:
        self.captures += 1
        return {"box.json": json.dumps({"value": self.value})}

    async def verify(self, change) -> None:  # noqa: ANN001 - a guard Change
        self._reachable()
        if self.value != change.want:
            raise RuntimeError(f"box shows {self.value!r}, wanted {change.want!r}")

    async def restore(self, files) -> None:  # noqa: ANN001
        self._reachable()
        self.value = json.loads(files["box.json"])["value"]


def _guard(tmp_path, **kw) -> Guard:
    kw.setdefault("verify_deadline", 0.3)
    kw.setdefault("retry_interval", 0.01)
    kw.setdefault("restore_timeout", 2.0)
    return Guard(SnapshotStore(tmp_path / "snaps"), AuditLog(tmp_path / "audit.jsonl"), ACTOR, **kw)


def test_a_box_is_a_scope():
    assert isinstance(Box("a"), Scope)


async def test_success_snapshots_once_per_session_and_audits_each_change(tmp_path):
    guard = _guard(tmp_path)
    box = Box("a")
    walk = guard.session()
    for value in ("b", "c"):
        async with walk.change(box, "box.set", want=value, before=box.value) as ch:
            await box.write(value)
            ch.after = value
    records = guard.audit_log.read()
    assert [r["outcome"] for r in records] == ["success", "success"]
    assert records[0]["snapshot_id"] == records[1]["snapshot_id"]
    assert guard.snapshots.verify(records[0]["snapshot_id"]).read("box.json") == b'{"value": "a"}'
    assert walk.records == 2
    # a new guard session (the next walk, the next request) takes a new snapshot
    async with guard.session().change(box, "box.set", want="d", before=box.value) as ch:
        await box.write("d")
    third = guard.audit_log.read()[-1]
    assert third["snapshot_id"] != records[0]["snapshot_id"]
    assert guard.snapshots.verify(third["snapshot_id"]).read("box.json") == b'{"value": "c"}'


async def test_verify_failure_restores_the_state_before_this_change(tmp_path):
    guard = _guard(tmp_path).session()
    box = Box("a")
    async with guard.change(box, "box.set", want="b", before="a"):
        await box.write("b")
    box.lost_until = asyncio.get_running_loop().time() + 0.5  # management lost after the write
    with pytest.raises(ChangeError) as err:
        async with guard.change(box, "box.set", want="c", before="b"):
            box.value = "c"
            box.lost_until = asyncio.get_running_loop().time() + 0.5
    assert err.value.outcome == "rollback" and err.value.rolled_back
    assert err.value.snapshot_id in str(err.value) and "restored" in str(err.value)
    assert box.value == "b"  # back to before THIS change, not to the session's first snapshot
    ok, rb = guard.audit_log.read()
    assert ok["outcome"] == "success" and rb["outcome"] == "rollback"
    assert rb["evidence"]["restored"] is True and "connection refused" in rb["evidence"]["reason"]


async def test_restore_that_keeps_failing_is_rollback_failed(tmp_path):
    guard = _guard(tmp_path, restore_timeout=0.2).session()
    box = Box("a")
    with pytest.raises(ChangeError) as err:
        async with guard.change(box, "box.set", want="b", before="a"):
            box.value = "b"
            box.lost_until = asyncio.get_running_loop().time() + 60
    assert err.value.outcome == "rollback-failed" and not err.value.rolled_back
    assert "may be live" in str(err.value)
    (rec,) = guard.audit_log.read()
    assert rec["outcome"] == "rollback-failed" and rec["evidence"]["restored"] is False


async def test_a_failing_block_is_audited_failed_and_keeps_the_field(tmp_path):
    guard = _guard(tmp_path).session()
    box = Box("a")
    with pytest.raises(ChangeError) as err:
        async with guard.change(box, "box.set", want="b", before="a"):
            raise ValidationError("timezone: 'CET' is not GMT+H", field="timezone", hint="use GMT+1")
    assert err.value.outcome == "failed" and err.value.field == "timezone" and err.value.hint == "use GMT+1"
    assert isinstance(err.value.__cause__, ValidationError)
    (rec,) = guard.audit_log.read()
    assert rec["outcome"] == "failed" and "CET" in rec["evidence"]["error"]


async def test_no_op_is_recorded_without_verification(tmp_path):
    guard = _guard(tmp_path).session()
    box = Box("a")
    box.stuck = True  # verification would fail: a no-op must not verify
    async with guard.change(box, "box.set", want="b", before="a") as ch:
        ch.outcome = "no-op"
    (rec,) = guard.audit_log.read()
    assert rec["outcome"] == "no-op"


async def test_audit_records_are_written_off_the_event_loop(tmp_path):
    guard = _guard(tmp_path).session()
    box = Box("a")
    threads: list[str] = []
    record = guard.audit_log.record

    def spy(**kw):  # noqa: ANN003
        threads.append(threading.current_thread().name)
        return record(**kw)

    guard.audit_log.record = spy  # type: ignore[method-assign]  # a spy on the instance
    async with guard.change(box, "box.set", want="b", before="a"):
        await box.write("b")
    assert threads and threads[0] != threading.main_thread().name
