"""``vessel_user`` on CollectionResource, in process: create / refresh / rotate / import / delete,
the password never in state or audit, create never adopting, and the lock-out guards at plan."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

T = "vessel_user"
PW, PW2 = "Secret123x", "Rotated456y"
ALL = ["KVM", "REDFISH", "SFTP", "SNMP", "SSH/TELNET", "WEB"]


def accounts(lab):
    return {a.username: a for a in lab.emu.state.accounts}


@pytest.fixture(autouse=True)
def fresh(lab):
    lab.emu.state.accounts = [a for a in lab.emu.state.accounts if a.username == "root"]
    lab.audit_path.unlink(missing_ok=True)
    yield


async def test_lifecycle_and_the_password_stays_out_of_state_and_audit(lab):
    h = lab.harness
    cfg = {"name": "ops1", "role": "Operator", "password_wo": PW, "password_wo_version": 1}
    created = await h.apply(T, cfg)
    assert created.ok, created.detail()
    assert created.state == {"id": "ops1", "name": "ops1", "role": "Operator", "enabled": True,
                             "interfaces": ALL, "password_wo": None, "password_wo_version": 1, "password": None}
    assert accounts(lab)["ops1"].password == PW
    assert (await h.plan(T, cfg, created.state)).empty
    # drift by hand: disabled on the HMM page; the plan puts it back
    accounts(lab)["ops1"].enabled = False
    fixed = await h.apply(T, cfg, created.state)
    assert fixed.ok and accounts(lab)["ops1"].enabled is True
    # rotate: a new version sends the new password, nothing else changes
    rotated = await h.apply(T, {**cfg, "password_wo": PW2, "password_wo_version": 2}, fixed.state)
    assert rotated.ok and accounts(lab)["ops1"].password == PW2
    # promote, then destroy
    admin = await h.apply(T, {**cfg, "role": "Administrator", "password_wo_version": 2}, rotated.state)
    assert admin.ok and accounts(lab)["ops1"].role == "Administrator"
    gone = await h.destroy(T, admin.state)
    assert gone.ok and "ops1" not in accounts(lab)
    text = lab.audit_path.read_text()
    assert PW not in text and PW2 not in text
    assert [r["op"] for r in lab.audit()] == ["hmm.users.create", "hmm.users.update", "hmm.users.update",
                                              "hmm.users.update", "hmm.users.delete"]
    assert not any(PW in p.read_text(errors="ignore") for p in (lab.root / "snapshots").rglob("*") if p.is_file())


async def test_create_never_adopts_and_import_takes_over(lab):
    h = lab.harness
    first = await h.apply(T, {"name": "ops2", "password_wo": PW})
    assert first.ok
    again = await h.apply(T, {"name": "ops2", "role": "ReadOnly", "password_wo": PW})
    assert not again.ok and again.paths() == ["name"] and "import" in again.detail()
    assert accounts(lab)["ops2"].role == "Operator"
    imported = await h.import_state(T, "ops2")
    assert imported.ok and imported.state["role"] == "Operator"
    assert (await h.plan(T, {"name": "ops2"}, imported.state)).empty


async def test_bad_input_names_the_attribute_before_the_chassis_is_touched(lab):
    for cfg, path in [({"name": "bad name!", "password_wo": PW}, "name"),
                      ({"name": "ops3", "role": "God", "password_wo": PW}, "role"),
                      ({"name": "ops3", "password_wo": "short"}, "")]:
        out = await lab.harness.apply(T, cfg)
        assert not out.ok and out.paths()[0] in (path, "password_wo"), (cfg, out.detail())
    assert "ops3" not in accounts(lab) and lab.audit() == []


async def test_lock_out_guards_at_plan(lab):
    h = lab.harness
    root = await h.import_state(T, "root")                 # the account the provider logs in with
    assert root.ok and root.state["role"] == "Administrator"
    demote = await h.plan(T, {"name": "root", "role": "Operator"}, root.state)
    assert not demote.ok and demote.paths() == ["role"] and "logs in with" in demote.detail()
    disable = await h.plan(T, {"name": "root", "role": "Administrator", "enabled": False}, root.state)
    assert not disable.ok and disable.paths() == ["enabled"]
    destroy = await h.destroy(T, root.state)
    assert not destroy.ok and destroy.paths() == ["name"]
    assert accounts(lab)["root"].role == "Administrator" and accounts(lab)["root"].enabled
    # the last enabled administrator may be neither demoted nor destroyed, whoever logs in
    admin = await h.apply(T, {"name": "adm2", "role": "Administrator", "password_wo": PW})
    ops = await h.apply(T, {"name": "ops9", "password_wo": PW})
    assert admin.ok and ops.ok
    as_ops = lab.with_settings(username="ops9", password=PW)
    accounts(lab)["root"].enabled = False                     # by hand, on the HMM
    try:
        last = await as_ops.plan(T, {"name": "adm2", "role": "Operator"}, admin.state)
        assert not last.ok and last.paths() == ["role"] and "last enabled administrator" in last.detail()
        gone = await as_ops.destroy(T, admin.state)
        assert not gone.ok and "last enabled administrator" in gone.detail()
    finally:
        accounts(lab)["root"].enabled = True
    assert (await h.destroy(T, admin.state)).ok                # root is an administrator again
    assert "adm2" not in accounts(lab)


async def test_interfaces_are_set_changed_in_place_and_drift_repaired(lab):
    h = lab.harness
    cfg = {"name": "snmp1", "role": "ReadOnly", "interfaces": ["SNMP", "WEB"], "password_wo": PW}
    created = await h.apply(T, cfg)
    assert created.ok, created.detail()
    assert accounts(lab)["snmp1"].interfaces == ["WEB", "SNMP"] and created.state["interfaces"] == ["SNMP", "WEB"]
    assert (await h.plan(T, cfg, created.state)).empty
    more = {**cfg, "interfaces": ["SNMP", "WEB", "REDFISH"]}
    plan = await h.plan(T, more, created.state)
    assert plan.ok and not plan.requires_replace
    updated = await h.apply(T, more, created.state)
    assert updated.ok and accounts(lab)["snmp1"].interfaces == ["WEB", "SNMP", "REDFISH"]
    accounts(lab)["snmp1"].interfaces = ["WEB", "SNMP", "REDFISH", "SSH/TELNET"]   # by hand on the HMM
    fixed = await h.apply(T, more, updated.state)
    assert fixed.ok and accounts(lab)["snmp1"].interfaces == ["WEB", "SNMP", "REDFISH"]
    assert (await h.plan(T, more, fixed.state)).empty
    bad = await h.validate(T, {**cfg, "interfaces": ["SSH"]})
    assert bad.paths() == ["interfaces"] and "SSH/TELNET" in bad.detail()
    assert [r["op"] for r in lab.audit()] == ["hmm.users.create", "hmm.users.update", "hmm.users.update"]


async def test_the_provider_account_keeps_the_interfaces_it_logs_in_over(lab):
    root = await lab.harness.import_state(T, "root")
    assert root.ok and root.state["interfaces"] == ALL
    out = await lab.harness.plan(T, {"name": "root", "role": "Administrator", "interfaces": ["WEB", "KVM"]}, root.state)
    assert not out.ok and out.paths() == ["interfaces"] and "REDFISH, SSH/TELNET" in out.detail()
    assert accounts(lab)["root"].interfaces == ["WEB", "SNMP", "SSH/TELNET", "SFTP", "KVM", "REDFISH"]


async def test_password_for_old_clients_is_sent_when_it_changes_and_kept_out_of_audit_and_snapshots(lab):
    """``password`` (no write-only support): lands in state (documented), nowhere else."""
    h = lab.harness
    cfg = {"name": "old1", "password": PW}
    created = await h.apply(T, cfg)
    assert created.ok, created.detail()
    assert accounts(lab)["old1"].password == PW and created.state["password"] == PW   # in state, as documented
    assert (await h.plan(T, cfg, created.state)).empty
    rotated = await h.apply(T, {**cfg, "password": PW2}, created.state)
    assert rotated.ok and accounts(lab)["old1"].password == PW2
    # a role change alone does not send the password again
    accounts(lab)["old1"].password = "changed-by-hand1"
    promoted = await h.apply(T, {**cfg, "password": PW2, "role": "ReadOnly"}, rotated.state)
    assert promoted.ok and accounts(lab)["old1"].password == "changed-by-hand1"
    assert (await h.destroy(T, promoted.state)).ok
    text = lab.audit_path.read_text()
    assert PW not in text and PW2 not in text
    assert not any(s in p.read_text(errors="ignore") for s in (PW, PW2)
                   for p in (lab.root / "snapshots").rglob("*") if p.is_file())


async def test_password_and_password_wo_together_or_neither_are_refused(lab):
    both = await lab.harness.validate(T, {"name": "two", "password": PW, "password_wo": PW2})
    assert not both.ok and set(both.paths()) == {"password", "password_wo"}
    weak = await lab.harness.validate(T, {"name": "two", "password": "short"})
    assert weak.paths() == ["password"]
    neither = await lab.harness.plan(T, {"name": "two"})
    assert not neither.ok and neither.paths() == ["password"] and "needs a password" in neither.detail()
    assert "two" not in accounts(lab) and lab.audit() == []
