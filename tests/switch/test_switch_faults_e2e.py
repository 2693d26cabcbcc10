"""Switch changes never lie: faults at the commit boundary, conflicting owners, fractional IDs.

Each test runs the real terraform binary against the emulator with a fault knob set, then checks
the one invariant: state = device = audit (the switch's running configuration equals its saved
one, one audit record per mutation with the right outcome word), and the next plan is empty.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest

from vessel_core.sim.ssh.server import switch_reachable
from vessel_core.sim.vrp.render import configuration

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TEN = "".join(f'resource "vessel_vlan" "v{i}" {{\n  switch  = "2X"\n  vlan_id = {100 + i}\n  name    = "v{i}"\n}}\n'
              for i in range(10))


def _fault(emulator, **knobs) -> None:
    def setf() -> None:
        for k, v in knobs.items():
            setattr(emulator.emu.faults, k, v)
    emulator.call(setf)


def _clear(emulator) -> None:
    _fault(emulator, ssh_drop_after_command=None, ssh_drop_times=1, ssh_drop_after_commands=None,
           mgmt_loss_after_commit_s={})
    deadline = time.monotonic() + 20
    while not emulator.call(lambda: switch_reachable(emulator.emu, 2)) and time.monotonic() < deadline:
        time.sleep(0.2)


def _saved_equals_running(emulator) -> bool:
    sw = emulator.switch(2)
    return emulator.call(lambda: configuration(sw, sw.running) == configuration(sw, sw.saved))


def _vlans_in_state(sws) -> dict[int, str]:
    return {int(v["vlan_id"]): v["name"] for a, v in sws.resources().items() if a.startswith("vessel_vlan.")}


def _assert_agree(sws, emulator) -> None:
    """state = device, running = saved, one audit record per created VLAN."""
    view = emulator.view()
    in_state = _vlans_in_state(sws)
    on_switch = {vid: v.name for vid, v in view.vlans.items() if 100 <= vid < 110}
    assert in_state == on_switch
    assert _saved_equals_running(emulator), "the switch's running configuration is not saved"
    created = Counter(r["target"]["id"] for r in sws.audit() if r["op"] == "vlan.create" and r["outcome"] == "success")
    assert set(created) >= {f"2X/vlan {vid}" for vid in on_switch}


# a drop right after the line that ends the batch: vrp8 commits, vrp5 has applied half the lines
DROP_AT = {"vrp8": "^commit", "vrp5": "^name v4$"}


def test_drop_at_the_commit_boundary_is_reread_resent_verified_and_saved(sws, emulator, flavour):
    _fault(emulator, ssh_drop_after_command=DROP_AT[flavour], ssh_drop_times=1)
    sws.write(TEN)
    sws.apply()
    assert emulator.call(lambda: emulator.emu.faults.ssh_drop_times) == 0  # the drop did happen
    _clear(emulator)
    records = sws.audit()
    assert Counter(r["outcome"] for r in records) == {"success": 10}
    assert all(any("dropped" in n for n in r["evidence"].get("notes", [])) for r in records), records
    assert len(_vlans_in_state(sws)) == 10
    _assert_agree(sws, emulator)
    sws.assert_no_changes()


@pytest.mark.parametrize("flavour", ["vrp8"])  # management loss follows a commit, which only vrp8 has
def test_drop_and_lost_management_after_commit_roll_back(sws, emulator, flavour):
    sws.env["VESSEL_WATCHDOG_DEADLINE"] = "2s"
    _fault(emulator, ssh_drop_after_command="^commit", ssh_drop_times=1, mgmt_loss_after_commit_s={"Swi2": 6.0})
    sws.write(TEN)
    p = sws.apply(expect=1)
    assert "restored" in p.stderr and "not applied" not in p.stderr, p.stderr
    records = sws.audit()
    assert Counter(r["outcome"] for r in records) == {"rollback": 10}, records
    assert _vlans_in_state(sws) == {}
    assert not any(100 <= vid < 110 for vid in emulator.view().vlans)   # rolled back on the device
    _clear(emulator)
    assert _saved_equals_running(emulator)
    sws.env["VESSEL_WATCHDOG_DEADLINE"] = "5s"
    sws.apply()
    _assert_agree(sws, emulator)
    assert len(_vlans_in_state(sws)) == 10
    sws.assert_no_changes()


def test_sessions_dropping_every_few_commands_never_force_a_replacement(sws, emulator, flavour):
    _fault(emulator, ssh_drop_after_commands=12)
    sws.write(TEN)
    sws.apply(expect=(0, 1))
    _fault(emulator, ssh_drop_after_commands=None)
    # what the switch holds is in state, untainted: the re-apply only adds what is missing
    in_state = _vlans_in_state(sws)
    assert in_state == {vid: v.name for vid, v in emulator.view().vlans.items() if 100 <= vid < 110}
    plan = sws.tf("plan", "-input=false")
    assert "to destroy" not in plan.stdout or " 0 to destroy" in plan.stdout, plan.stdout
    assert "must be replaced" not in plan.stdout
    sws.apply()
    _assert_agree(sws, emulator)
    assert len(_vlans_in_state(sws)) == 10
    sws.assert_no_changes()


@pytest.mark.parametrize("flavour", ["vrp8"])  # one flavour: the check happens before any CLI is sent
def test_create_never_adopts_an_existing_vlan(sws, emulator, flavour):
    sws.write('resource "vessel_vlan" "theirs" {\n  switch  = "2X"\n  vlan_id = 30\n  name    = "theirs"\n}\n')
    sws.apply()
    sws.tf("state", "rm", "vessel_vlan.theirs")          # another workspace's VLAN, as far as we know
    n = len(sws.audit())
    sws.write('resource "vessel_vlan" "mine" {\n  switch  = "2X"\n  vlan_id = 30\n  name    = "mine"\n}\n')
    p = sws.apply(expect=1)
    err = " ".join(p.stderr.split())
    assert "already exists" in err and "import" in err and "2X/30" in err, p.stderr
    assert emulator.view().vlans[30].name == "theirs"
    assert sws.resources() == {} and len(sws.audit()) == n
    sws.tf("import", "-input=false", "vessel_vlan.mine", "2X/30")
    sws.apply()
    assert emulator.view().vlans[30].name == "mine"
    sws.assert_no_changes()


@pytest.mark.parametrize("flavour", ["vrp8"])  # one flavour: refused at plan, before any CLI is sent
def test_two_resources_claiming_one_object_are_refused_at_plan(sws, emulator, flavour):
    before = emulator.running_text()
    sws.write('resource "vessel_vlan" "a" {\n  switch  = "2X"\n  vlan_id = 50\n  name    = "a"\n}\n'
              'resource "vessel_vlan" "b" {\n  switch  = "2X"\n  vlan_id = 50\n  name    = "b"\n}\n')
    p = sws.tf("plan", "-input=false", expect=1)
    err = " ".join(p.stderr.split())
    assert "Managed Twice" in err and 'name = "a"' in err and 'name = "b"' in err, p.stderr
    sws.write('resource "vessel_lag" "a" {\n  switch  = "2X"\n  lag_id  = 1\n  members = ["10GE2/17/5", "10GE2/17/6"]\n}\n'
              'resource "vessel_lag" "b" {\n  switch  = "2X"\n  lag_id  = 2\n  members = ["10GE2/17/6", "10GE2/17/7"]\n}\n')
    p = sws.tf("plan", "-input=false", expect=1)
    err = " ".join(p.stderr.split())
    assert "Managed Twice" in err and "10GE2/17/6" in err, p.stderr
    assert emulator.running_text() == before and sws.audit() == []


@pytest.mark.parametrize("flavour", ["vrp8"])  # validation does not reach the switch
def test_fractional_ids_are_refused_at_validate(sws, emulator, flavour):
    before = emulator.running_text()
    sws.write('resource "vessel_vlan" "x" {\n  switch  = "2X"\n  vlan_id = 30.5\n}\n'
              'resource "vessel_lag" "y" {\n  switch  = "2X"\n  lag_id  = 1.5\n  members = ["10GE2/17/5"]\n}\n')
    p = sws.tf("validate", expect=1)
    err = " ".join(p.stderr.split())
    assert "vlan_id" in err and "whole number" in err and "30.5" in err, p.stderr
    assert "lag_id" in err and "1.5" in err, p.stderr
    assert emulator.running_text() == before and sws.audit() == []


@pytest.mark.parametrize("flavour", ["vrp8"])  # refused at validate/plan, before any CLI is sent
def test_absent_module_and_control_characters_are_refused_before_apply(sws, emulator, flavour):
    before = emulator.running_text()
    sws.write('resource "vessel_vlan" "x" {\n  switch  = "2X"\n  vlan_id = 60\n  name    = "two\\nlines"\n}\n')
    p = sws.tf("validate", expect=1)
    assert "name" in p.stderr and "newline" in " ".join(p.stderr.split()), p.stderr
    sws.write('resource "vessel_vlan" "x" {\n  switch  = "1E"\n  vlan_id = 60\n}\n')
    p = sws.tf("plan", "-input=false", expect=1)
    err = " ".join(p.stderr.split())
    assert "Switch Module Not Reachable" in err and "1E" in err and "Traceback" not in err, p.stderr
    assert emulator.running_text() == before and sws.audit() == []


@pytest.mark.parametrize("flavour", ["vrp8"])  # the window between commit and audit record is flavour-independent
def test_kill_between_commit_and_audit_record_is_recorded_by_the_reapply(sws, emulator, flavour):
    import os
    import signal
    import subprocess

    from tfharness import tf_command

    sws.write('resource "vessel_vlan" "k" {\n  switch  = "2X"\n  vlan_id = 70\n  name    = "k"\n}\n')
    _fault(emulator, latency_ms=300)          # widen commit -> heartbeat -> save -> audit to seconds
    proc = subprocess.Popen(tf_command(sws.tf_bin, "apply", "-auto-approve"), cwd=sws.dir, env=sws.env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while 70 not in emulator.view().vlans and time.monotonic() < deadline:
            time.sleep(0.02)
        assert 70 in emulator.view().vlans, "the commit never happened"
        assert sws.audit() == []                # committed, not yet recorded
        for pid in sws.provider_pids():
            os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and sws.audit() == []
    _fault(emulator, latency_ms=0)
    sws.apply()                                 # the VLAN is ours (intent on disk): completed, recorded
    (rec,) = sws.audit()
    assert (rec["op"], rec["outcome"], rec["target"]["id"]) == ("vlan.create", "success", "2X/vlan 70")
    assert "interrupted" in rec["evidence"]["note"]
    assert emulator.view().vlans[70].name == "k" and sws.resources()["vessel_vlan.k"]["vlan_id"] == 70
    assert _saved_equals_running(emulator)
    sws.assert_no_changes()
