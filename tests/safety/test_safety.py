import datetime as dt
import hashlib
import json
import multiprocessing

import pytest
import yaml

from vessel_core.errors import ValidationError
from vessel_core.safety import AuditError, AuditLog, SnapshotError, SnapshotStore, default_actor, digest, redact_evidence

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
