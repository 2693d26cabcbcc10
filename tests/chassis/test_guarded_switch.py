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
