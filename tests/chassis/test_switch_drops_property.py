"""A property of the switch change engine: whatever moment an SSH session drops at (before,
during or after ``commit``, during ``save``, every N commands), what the engine reports agrees
with the switch and the audit log:

* a change reported done is on the switch, and the switch's running configuration is saved;
* a failed change says what the switch shows (``after`` when ``after_known``);
* every change has exactly one audit record, with the outcome the caller was given.

Random cases from a fixed seed (printed on failure), against the in-process emulator.
"""
from __future__ import annotations

import asyncio
import random

import pytest

from vessel_core.errors import ChangeError, ConflictError
from vessel_core.safety import AuditLog, Guard, SnapshotStore
from vessel_core.sim.vrp.render import configuration
from vessel_core.switchops import Change, VlanState, parse_view

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600), pytest.mark.slow]

DROPS = [("ssh_drop_after_command", "^vlan 9"), ("ssh_drop_after_command", "^name"),
         ("ssh_drop_after_command", "^commit"), ("ssh_drop_after_command", "^save"),
         ("ssh_drop_after_command", "^quit"), ("ssh_drop_after_commands", None)]
SEED, CASES = 20261204, 12


def _case(rng: random.Random, have: set[int]) -> tuple[list[Change], dict]:
    changes = []
    for vid in rng.sample(range(900, 930), rng.randint(1, 6)):
        if vid in have and rng.random() < 0.4:
            changes.append(Change("vlan", vid, None))
        else:
            changes.append(Change("vlan", vid, VlanState(vid=vid, name=f"n{rng.randint(0, 99)}")))
    knob, pattern = rng.choice(DROPS)
    faults = ({"ssh_drop_after_commands": rng.randint(6, 20)} if knob == "ssh_drop_after_commands"
              else {"ssh_drop_after_command": pattern, "ssh_drop_times": rng.randint(1, 2)})
    return changes, faults


@pytest.mark.parametrize("slot", [2, 3])   # vrp5, vrp8
async def test_random_drops_never_make_the_engine_lie(emu, ch, slot, tmp_path):
    label = f"{slot}X"
    rng = random.Random(SEED + slot)
    vrp = emu.state.switches[slot].vrp
    for case in range(CASES):
        before = parse_view(configuration(vrp, vrp.running))
        have = {vid for vid in before.vlans if 900 <= vid < 930}
        changes, faults = _case(rng, have)
        where = f"seed {SEED + slot} case {case}: {faults} {[(c.key, c.want) for c in changes]}"
        guard = Guard(SnapshotStore(tmp_path / f"snaps{case}"), AuditLog(tmp_path / f"audit{case}.jsonl"),
                      {"os_user": "test", "host": "ci", "provider_alias": "prop"}, verify_deadline=15,
                      retry_interval=0.2)
        for k, v in faults.items():
            setattr(emu.faults, k, v)
        ops = ch.switch.guarded(guard)
        sw = ops.switch(label)
        try:
            results = await asyncio.gather(
                *(sw.apply(c, "vlan.delete" if c.want is None else
                           ("vlan.update" if c.key in have else "vlan.create")) for c in changes),
                return_exceptions=True)
        finally:
            emu.faults.ssh_drop_after_command, emu.faults.ssh_drop_after_commands = None, None
            emu.faults.ssh_drop_times = 1
            await ops.close()
        now = parse_view(configuration(vrp, vrp.running))
        records = {r["target"]["id"]: r for r in guard.audit_log.read()}
        for c, r in zip(changes, results):
            tid = f"{label}/vlan {c.key}"
            obj = now.vlans.get(int(c.key))
            if isinstance(r, ConflictError):
                continue  # refused before anything was sent
            assert tid in records, f"{where}: no audit record for {tid}"
            if isinstance(r, ChangeError):
                assert records[tid]["outcome"] == r.outcome, where
                if r.after_known:
                    assert (obj is None) == (r.after is None), f"{where}: {tid} reported after={r.after}, switch {obj}"
                    if obj is not None and r.after is not None:
                        assert (obj.vid, obj.name) == (r.after.vid, r.after.name), where
            else:
                assert not isinstance(r, BaseException), f"{where}: {r!r}"
                assert records[tid]["outcome"] in ("success", "no-op"), where
                if c.want is None:
                    assert obj is None, f"{where}: {tid} reported deleted but is on the switch"
                else:
                    assert obj is not None and obj.name == c.want.name, f"{where}: {tid} reported done, switch {obj}"
        assert len(guard.audit_log.read()) == sum(not isinstance(r, ConflictError) for r in results), where
        if all(not isinstance(r, BaseException) for r in results):
            assert configuration(vrp, vrp.running) == configuration(vrp, vrp.saved), f"{where}: not saved"
