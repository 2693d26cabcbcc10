"""``vessel_ntp_server`` through its whole lifecycle, in process (ResourceHarness + emulator).

The resource module is a declaration; these tests show what the bases give it: snapshot and
one audit record per mutation, read-back verification with restore, drift, import, reset on
destroy and diagnostics on the attribute they concern.
"""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

T = "vessel_ntp_server"
CONFIG = {"preferred_server": "ntp1.lab.example", "alternate_server": "10.20.0.1", "timezone": "GMT+8",
          "sync_interval_min": 30}


def ntp(lab):  # the emulator's NTP page, as plain values
    return lab.emu.state.ntp.model_dump()


@pytest.fixture(autouse=True)
def factory_ntp(lab):
    from vessel_core.sim.state import NtpSettings

    lab.emu.state.ntp = NtpSettings()
    lab.emu.faults.web_write_drops_fields = {}
    lab.audit_path.unlink(missing_ok=True)
    yield


async def test_create_refresh_second_plan_empty_destroy(lab):
    h = lab.harness
    created = await h.apply(T, CONFIG)
    assert created.ok, created.detail()
    assert created.state == {"id": "hmm", "enabled": True, **CONFIG}
    assert ntp(lab) == {"enabled": True, **CONFIG}
    (rec,) = lab.audit()
    assert (rec["op"], rec["outcome"], rec["target"]) == ("hmm.ntp.set", "success", {"kind": "hmm.ntp", "id": "hmm"})
    assert rec["snapshot_id"] and "password" not in str(rec).lower()
    snap = (lab.root / "snapshots")
    assert any(snap.rglob("hmm.ntp.json"))            # the value before the change is kept
    again = await h.plan(T, CONFIG, created.state)
    assert again.empty, again.detail()
    assert len(lab.audit()) == 1                       # a plan changes nothing and records nothing
    gone = await h.destroy(T, created.state)
    assert gone.ok and gone.state is None
    assert ntp(lab) == {"enabled": False, "preferred_server": "", "alternate_server": "", "timezone": "GMT+0",
                        "sync_interval_min": 60}
    assert [r["op"] for r in lab.audit()] == ["hmm.ntp.set", "hmm.ntp.reset"]


async def test_drift_made_on_the_chassis_is_shown_and_repaired(lab):
    h = lab.harness
    created = await h.apply(T, CONFIG)
    lab.emu.state.ntp.preferred_server = "rogue.example"   # someone edits the NTP page by hand
    lab.emu.state.ntp.sync_interval_min = 5
    drift = await h.plan(T, CONFIG, created.state)
    assert drift.ok and not drift.empty
    assert drift.prior["preferred_server"] == "rogue.example" and drift.state["preferred_server"] == CONFIG["preferred_server"]
    fixed = await h.apply(T, CONFIG, created.state)
    assert fixed.ok, fixed.detail()
    assert ntp(lab)["preferred_server"] == CONFIG["preferred_server"] and ntp(lab)["sync_interval_min"] == 30
    assert (await h.plan(T, CONFIG, fixed.state)).empty
    assert [r["outcome"] for r in lab.audit()] == ["success", "success"]


async def test_import_then_plan_is_empty(lab):
    lab.emu.state.ntp = lab.emu.state.ntp.model_copy(update={"enabled": True, **CONFIG})
    imported = await lab.harness.import_state(T, "hmm")
    assert imported.ok, imported.detail()
    assert imported.state == {"id": "hmm", "enabled": True, **CONFIG}
    assert (await lab.harness.plan(T, CONFIG, imported.state)).empty
    wrong = await lab.harness.import_state(T, "ntp")
    assert not wrong.ok and "singleton" in wrong.detail()
    assert lab.audit() == []


@pytest.mark.parametrize("config, path", [
    ({"preferred_server": "ntp1", "timezone": "CET"}, "timezone"),
    ({"preferred_server": "ntp1", "sync_interval_min": 30.5}, "sync_interval_min"),
    ({"preferred_server": "ntp1", "sync_interval_min": 0}, "sync_interval_min"),
    ({"preferred_server": "", "enabled": True}, "preferred_server"),
    ({"preferred_server": "bad host!"}, "preferred_server"),
    ({"preferred_server": "ntp1", "alternate_server": "-x"}, "alternate_server"),
])
async def test_bad_input_names_the_attribute_before_the_chassis_is_touched(lab, config, path):
    before = ntp(lab)
    out = await lab.harness.validate(T, config)
    assert out.paths() == [path], out.detail()
    applied = await lab.harness.apply(T, config)
    assert not applied.ok and applied.paths() == [path]
    assert ntp(lab) == before and lab.audit() == []


async def test_two_resources_claiming_the_setting_are_refused_at_plan(lab):
    async with lab.harness.walk() as w:
        first = await w.plan(T, CONFIG)
        second = await w.plan(T, {**CONFIG, "timezone": "GMT+1"})
    assert first.ok and not second.ok
    assert "Setting Managed Twice" in second.detail()
    assert lab.audit() == []


async def test_verify_failure_restores_the_snapshot_value_with_one_rollback_record(lab):
    h = lab.with_settings(watchdog_deadline="1s")
    first = await h.apply(T, CONFIG)
    assert first.ok
    # the HMM now accepts the interval field and silently ignores it
    lab.emu.faults.web_write_drops_fields = {"ntphandler.set": ["interval"]}
    want = {**CONFIG, "timezone": "GMT-3:30", "sync_interval_min": 15}
    failed = await h.apply(T, want, first.state)
    assert not failed.ok
    text = failed.detail()
    assert "restored" in text and "snapshot" in text
    assert failed.paths() == ["sync_interval_min"]      # the field that did not take
    assert ntp(lab) == {"enabled": True, **CONFIG}       # back at the value before the change
    records = lab.audit()
    assert [r["outcome"] for r in records] == ["success", "rollback"]
    assert records[1]["snapshot_id"] in text
    # state says what the chassis shows: the next plan proposes the change again
    assert failed.state["timezone"] == "GMT+8"
    lab.emu.faults.web_write_drops_fields = {}
    retry = await h.apply(T, want, failed.state)
    assert retry.ok and ntp(lab)["sync_interval_min"] == 15


async def test_a_lost_answer_is_reread_never_reported_as_not_applied(lab):
    """The HMM makes the change and its answer is lost (HTTP 503): the provider reads the
    setting back, finds it made, verifies it and reports success, one audit record."""
    lab.emu.faults.web_5xx_after_verbs = {"ntphandler.set": 1}
    try:
        created = await lab.harness.apply(T, CONFIG)
    finally:
        lab.emu.faults.web_5xx_after_verbs = {}
    assert created.ok, created.detail()
    assert ntp(lab) == {"enabled": True, **CONFIG}
    (rec,) = lab.audit()
    assert rec["outcome"] == "success" and "answer was lost" in rec["evidence"]["note"]
    assert (await lab.harness.plan(T, CONFIG, created.state)).empty
