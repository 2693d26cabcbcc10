"""The HMM pair: which module is active, and a switchover through the guard (the HMM is down
while it switches, every session drops, the change waits and verifies the other module active)."""
from __future__ import annotations

import pytest
from chassis_helpers import chassis_for

from vessel_core.chassis.management import ActiveModule
from vessel_core.errors import ChangeError
from vessel_core.safety import AuditLog, Guard, SnapshotStore, default_actor
from vessel_core.sim.testing import start_emulator


async def test_failover_switches_modules_and_is_audited(tmp_path):
    async with start_emulator(tmp_path / "emu", profile="modern") as emu, chassis_for(emu) as ch:
        log = AuditLog(tmp_path / "audit.jsonl")
        ch.guard = Guard(SnapshotStore(tmp_path / "snaps"), log, default_actor("test"), verify_deadline=5)
        ch.management.active.poll_interval = 0.2
        before = (await ch.management.active.get()).active
        assert before == emu.state.active_mm().name
        lines: list[str] = []
        after = await ch.management.failover(on_progress=lines.append, timeout=30)
        assert after.active != before and emu.state.active_mm().name == after.active
        assert any("switching over" in line for line in lines) and any("answering" in line for line in lines)
        assert [(r["op"], r["outcome"]) for r in log.read()] == [("hmm.failover", "success")]
        again = await ch.management.active.set(ActiveModule(active=after.active))
        assert again.active == after.active and log.read()[-1]["outcome"] == "no-op"


async def test_failover_refused_when_the_standby_cannot_take_over(tmp_path):
    async with start_emulator(tmp_path / "emu") as emu, chassis_for(emu) as ch:
        ch.guard = Guard(SnapshotStore(tmp_path / "snaps"), AuditLog(tmp_path / "a.jsonl"), default_actor("t"),
                         verify_deadline=2)
        emu.state.standby_mm().health = "Critical"
        active = emu.state.active_mm().name
        with pytest.raises(ChangeError, match="cannot take over"):
            await ch.management.failover(timeout=20)
        assert emu.state.active_mm().name == active
