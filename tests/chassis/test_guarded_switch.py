"""The facade's guarded switch path: batched changes inside the safety envelope."""
from __future__ import annotations

import asyncio

import pytest
from chassis_helpers import VRP_BY_SLOT

from vessel_core.safety import AuditLog, Guard, SnapshotStore
from vessel_core.switchops import Change, VlanState

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]
LABELS = {2: "2X", 3: "3X"}


@pytest.mark.parametrize("slot", sorted(VRP_BY_SLOT))
async def test_guarded_changes_snapshot_commit_and_audit(emu, ch, slot, tmp_path):
    env = Guard(SnapshotStore(tmp_path / "snaps"), AuditLog(tmp_path / "audit.jsonl"),
                {"os_user": "test", "host": "ci", "provider_alias": "sdk"}, verify_deadline=20)
    ops = ch.switch.guarded(env)
    sw = ops.switch(LABELS[slot])
    try:
        vids = [700 + 10 * slot + i for i in range(3)]
        results = await asyncio.gather(*(sw.apply(Change("vlan", v, VlanState(vid=v, name=f"g{v}")), "vlan.create")
                                         for v in vids))
    finally:
        await ops.close()
    assert {r.outcome for r in results} == {"success"}
    assert all(r.after is not None and r.after.vid == v for r, v in zip(results, vids))
    assert set(vids) <= set(emu.state.switches[slot].vrp.running.vlans)
    records = env.audit_log.read()
    assert [r["op"] for r in records] == ["vlan.create"] * 3
    assert {r["snapshot_id"] for r in records} == {results[0].snapshot_id}
    assert ops.commits == 1  # three concurrent creates, one gathered batch
    env.snapshots.verify(results[0].snapshot_id)
    # the facade's read cache must not serve the pre-change view afterwards
    ch.switch.invalidate(slot)
    assert set(vids) <= {v.vid for v in await ch.switch.vlans(slot)}


async def test_create_refuses_an_existing_vlan_unless_an_interrupted_run_made_it(emu, ch, tmp_path):
    """A create never adopts someone else's VLAN; but one that a killed run committed (its intent
    is on disk, its audit record is not) is completed and recorded, not taken for a no-op."""
    from vessel_core.errors import ConflictError

    slot, label = 3, "3X"
    await ch.switch.configure(slot, ["vlan 881", "name theirs", "quit", "vlan 882", "name ours", "quit"])
    guard = Guard(SnapshotStore(tmp_path / "snaps"), AuditLog(tmp_path / "audit.jsonl"),
                  {"os_user": "test", "host": "ci", "provider_alias": "sdk"}, verify_deadline=20)
    guard.intend(f"{label}/vlan 882", "vlan.create")      # the run that made 882 was killed here
    ops = ch.switch.guarded(guard)
    sw = ops.switch(label)
    try:
        theirs, ours = await asyncio.gather(
            sw.apply(Change("vlan", 881, VlanState(vid=881, name="theirs")), "vlan.create"),
            sw.apply(Change("vlan", 882, VlanState(vid=882, name="ours")), "vlan.create"),
            return_exceptions=True)
    finally:
        await ops.close()
    assert isinstance(theirs, ConflictError) and theirs.field == "vlan_id" and "import" in (theirs.hint or "")
    assert not isinstance(ours, BaseException) and ours.outcome == "success"
    (rec,) = guard.audit_log.read()
    assert (rec["target"]["id"], rec["op"], rec["outcome"]) == (f"{label}/vlan 882", "vlan.create", "success")
    assert "interrupted" in rec["evidence"]["note"]
    assert guard.intended(f"{label}/vlan 882") is None    # recorded: the intent is gone
