import asyncio
import datetime as dt
import hashlib
import json
import multiprocessing

import pytest
import yaml

from vessel_core.errors import ValidationError
from vessel_core.safety import (AuditError, AuditLog, ChangeRolledBack, Envelope, SnapshotError,
                                SnapshotStore, default_actor, digest, redact_evidence)

ACTOR = {"os_user": "ops", "host": "ci", "provider_alias": "vessel.lab"}


def test_snapshot_layout_manifest_and_hashes(tmp_path):
    store = SnapshotStore(tmp_path / "snaps")
    now = dt.datetime(2026, 11, 25, 18, 15, 0, tzinfo=dt.timezone.utc)
    snap = store.create(scope="switch", target="2X", actor=ACTOR, now=now,
                        files={"switches/swi2.cfg": "sysname CX310-2X\n#\nvlan 10\n", "raw.bin": b"\x00\x01"})
    assert snap.id == "20261125T181500Z"
    manifest = yaml.safe_load((snap.directory / "manifest.yaml").read_text())
    assert manifest["created_at"] == "2026-11-25T18:15:00Z"
    assert manifest["actor"] == ACTOR and manifest["target"] == "2X" and manifest["scope"] == "switch"
    by_path = {i["path"]: i for i in manifest["items"]}
    assert set(by_path) == {"switches/swi2.cfg", "raw.bin"}  # the manifest does not list itself
    cfg = (snap.directory / "switches/swi2.cfg").read_bytes()
    assert by_path["switches/swi2.cfg"]["sha256"] == hashlib.sha256(cfg).hexdigest()
    assert store.verify(snap.id).items == snap.items
    # a second snapshot in the same second gets its own folder
    again = store.create(scope="switch", target="3X", actor=ACTOR, now=now, files={"a": "b"})
    assert again.id == "20261125T181500Z-2"
    assert store.list() == ["20261125T181500Z", "20261125T181500Z-2"]


def test_snapshot_verify_detects_tampering_and_missing_files(tmp_path):
    store = SnapshotStore(tmp_path)
    snap = store.create(scope="switch", target="2X", actor=ACTOR, files={"a.cfg": "vlan 10\n", "b.cfg": "x"})
    (snap.directory / "a.cfg").write_text("vlan 11\n")
    with pytest.raises(SnapshotError, match="a.cfg does not match"):
        store.verify(snap.id)
    (snap.directory / "b.cfg").unlink()
    (snap.directory / "a.cfg").write_text("vlan 10\n")
    with pytest.raises(SnapshotError, match="b.cfg is missing"):
        store.verify(snap.id)
    with pytest.raises(SnapshotError, match="no manifest"):
        store.load("19990101T000000Z")


def test_snapshot_refuses_paths_escaping_the_folder(tmp_path):
    store = SnapshotStore(tmp_path)
    for bad in ("../evil", "/etc/passwd"):
        with pytest.raises(ValidationError):
            store.create(scope="s", target="t", actor=ACTOR, files={bad: "x"})


def test_audit_records_are_json_lines_with_all_fields_and_no_secrets(tmp_path):
    log = AuditLog(tmp_path / "audit" / "audit.jsonl", secrets=["Hunter2!"])
    rec = log.record(actor=ACTOR, target_kind="switch", target_id="2X", op="vlan.create", outcome="success",
                     snapshot_id="20261125T181500Z", before_digest=None, after_digest=digest({"id": 10}),
                     duration_ms=12.3456,
                     evidence={"password": "Hunter2!", "nested": [{"x_auth_token": "abc"}],
                               "note": "login with Hunter2! worked", "vlan": 10})
    lines = (tmp_path / "audit" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 1
    parsed = json.loads(lines[0])
    assert parsed == rec | {"evidence": parsed["evidence"]}
    assert set(parsed) == {"ts", "actor", "target", "op", "snapshot_id", "before_digest", "after_digest",
                           "outcome", "duration_ms", "evidence"}
    assert parsed["ts"].endswith("Z") and parsed["duration_ms"] == 12.346
    assert parsed["after_digest"].startswith("sha256:") and parsed["before_digest"] is None
    assert "Hunter2!" not in lines[0] and "abc" not in lines[0]
    assert parsed["evidence"]["vlan"] == 10
    with pytest.raises(ValueError):
        log.record(actor=ACTOR, target_kind="switch", target_id="2X", op="x", outcome="maybe")


def test_audit_write_failure_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = AuditLog(blocker / "audit.jsonl")  # parent is a file: cannot create
    with pytest.raises(AuditError):
        log.record(actor=ACTOR, target_kind="switch", target_id="2X", op="vlan.create", outcome="success")


def _append_many(path, n, tag):
    log = AuditLog(path)
    for i in range(n):
        log.record(actor=ACTOR, target_kind="switch", target_id=tag, op="vlan.create", outcome="success",
                   evidence={"i": i, "pad": "x" * 3000})


def test_audit_appends_from_several_processes_never_interleave(tmp_path):
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, 40, f"p{k}")) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    records = AuditLog(path).read()
    assert len(records) == 120
    assert sorted({r["target"]["id"] for r in records}) == ["p0", "p1", "p2"]


def test_redaction_and_actor():
    assert redact_evidence({"Author": "x", "list": [{"cookie": "c"}], "ok": 1}) == \
        {"Author": "***", "list": [{"cookie": "***"}], "ok": 1}
    actor = default_actor("vessel.lab")
    assert actor["provider_alias"] == "vessel.lab" and actor["os_user"]


def _envelope(tmp_path, **kw):
    return Envelope(snapshots=SnapshotStore(tmp_path / "snaps"), audit_log=AuditLog(tmp_path / "audit.jsonl"),
                    actor=ACTOR, **kw)


async def test_change_success_snapshots_once_per_target_and_audits_each_mutation(tmp_path):
    env = _envelope(tmp_path, watchdog_deadline=1, heartbeat_interval=0.01)
    captures, device = [], {"vlans": []}

    async def capture():
        captures.append(1)
        return {"running.cfg": json.dumps(device)}

    async def beat():
        return True

    for vid in (10, 20):
        async def apply(vid=vid):
            device["vlans"].append(vid)

        async def after(vid=vid):
            return {"vlan": vid}

        await env.change(target_kind="switch", target_id="2X", op="vlan.create", capture=capture, apply=apply,
                         after=after, heartbeat=beat)
    assert len(captures) == 1
    records = env.audit_log.read()
    assert [r["outcome"] for r in records] == ["success", "success"]
    snap_id = records[0]["snapshot_id"]
    assert snap_id and records[1]["snapshot_id"] == snap_id
    assert env.snapshots.verify(snap_id).read("running.cfg") == b'{"vlans": []}'


async def test_failed_heartbeat_restores_snapshot_and_raises(tmp_path):
    env = _envelope(tmp_path, watchdog_deadline=0.3, heartbeat_interval=0.02, restore_timeout=2)
    device = {"cfg": "vlan 10"}
    lost_until = {"t": 0.0}

    async def capture():
        return {"running.cfg": device["cfg"]}

    async def apply():
        device["cfg"] = "vlan 10\nvlan 666"
        lost_until["t"] = asyncio.get_running_loop().time() + 0.5  # management lost for 0.5 s

    async def beat():
        if asyncio.get_running_loop().time() < lost_until["t"]:
            raise ConnectionError("connection refused")

    async def restore(snap):
        await beat()  # unreachable until management returns: rollback must retry
        device["cfg"] = snap.read("running.cfg").decode()

    with pytest.raises(ChangeRolledBack) as err:
        await env.change(target_kind="switch", target_id="2X", op="vlan.create", capture=capture, apply=apply,
                         heartbeat=beat, restore=restore)
    assert err.value.restored is True
    assert "restored" in str(err.value) and err.value.snapshot_id in str(err.value)
    assert device["cfg"] == "vlan 10"
    (rec,) = env.audit_log.read()
    assert rec["outcome"] == "rollback" and rec["evidence"]["restored"] is True
    assert "connection refused" in rec["evidence"]["reason"]


async def test_failed_apply_is_audited_as_failed_and_reraised(tmp_path):
    env = _envelope(tmp_path)

    async def capture():
        return {"c": "x"}

    async def apply():
        raise RuntimeError("Error: Wrong parameter found at '^' position.")

    with pytest.raises(RuntimeError):
        await env.change(target_kind="switch", target_id="3X", op="vlan.delete", capture=capture, apply=apply)
    (rec,) = env.audit_log.read()
    assert rec["outcome"] == "failed" and "Wrong parameter" in rec["evidence"]["error"]
