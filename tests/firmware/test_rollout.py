"""The rollout against the emulator: waves in the planned order through the guard, a second
run with nothing to do, a failed wave rolled back with later waves never started, a bricked
iBMC recovered from its backup image, and images checked at staging."""
from __future__ import annotations

import hashlib

import pytest
from chassis_helpers import chassis_for

from vessel_core.errors import ValidationError
from vessel_core.firmware import Desired, Policy, plan_waves
from vessel_core.firmware.image import stage
from vessel_core.firmware.inventory import read_inventory
from vessel_core.firmware.rollout import Rollout, RolloutError
from vessel_core.safety import AuditLog, Guard, SnapshotStore, default_actor
from vessel_core.sim.images import make_image
from vessel_core.sim.testing import start_emulator

SLOTS = frozenset({"Slot1", "Slot2", "Slot3", "Slot4"})


def _images(tmp_path, **versions):
    out = {}
    for kind, v in versions.items():
        p = tmp_path / f"{kind}-{v}.hpm"
        p.write_bytes(make_image(kind, v))
        out[kind] = stage(str(p), kind, v, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _guard(ch, tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    ch.guard = Guard(SnapshotStore(tmp_path / "snaps"), log, default_actor("test"), verify_deadline=5,
                     retry_interval=0.1)
    ch.management.active.poll_interval = 0.1
    return log


async def test_rollout_waves_in_order_then_nothing_to_do(tmp_path):
    async with start_emulator(tmp_path / "emu") as emu, chassis_for(emu) as ch:
        log = _guard(ch, tmp_path)
        for slot in (1, 2, 3, 4):
            emu.state.blades[slot].power_state = "On"
        desired = {"hmm": Desired("7.70"), "switch": Desired("V100R001C00SPC300"),
                   "ibmc": Desired("6.10", SLOTS), "bios": Desired("V502", SLOTS)}
        policy = Policy(max_unavailable=2, allow_host_reboot=True)
        plan = plan_waves(await read_inventory(ch), desired, policy)
        active = emu.state.active_mm().name
        events = []
        report = await Rollout(ch, plan, _images(tmp_path, hmm="7.70", switch="V100R001C00SPC300", ibmc="6.10",
                                                 bios="V502"), gate_timeout=20, poll_interval=0.1,
                               on_event=events.append).run()
        assert report.failed_wave is None and sorted(report.flashed) == sorted(s.id for s in plan.steps)
        # the audit log shows one record per component, in the planned wave order
        recs = [r for r in log.read() if r["op"] == "firmware.flash"]
        assert [r["target"]["id"] for r in recs] == [s.id for w in plan.waves for s in w.steps]
        assert all(r["outcome"] == "success" for r in recs)
        assert [r["evidence"]["wave"] for r in recs] == sorted(r["evidence"]["wave"] for r in recs)
        # both HMMs flashed, the standby first, with one failover between them
        assert [r["op"] for r in log.read()].count("hmm.failover") == 1
        assert emu.state.active_mm().name != active
        assert {m.firmware.software for m in emu.state.mms.values()} == {"(U54)7.70"}
        for slot in (1, 2, 3, 4):
            b = emu.state.blades[slot]
            assert (b.firmware.imana, b.firmware.backup_imana, b.firmware.bios) == (
                "(U4005)6.10", "(U4005)6.05", "(U41)V502")
            assert b.power_state == "On"  # host power restored
        assert emu.state.blades[8].firmware.imana == "(U4005)6.05"  # not a target
        assert any(e.percent == 100 and "health gate passed" in e.message for e in events)
        # a second plan has nothing to do: every component skipped, no wave
        again = plan_waves(await read_inventory(ch), desired, policy)
        assert again.waves == () and set(again.skipped) == {s.id for s in plan.steps}


async def test_failed_wave_is_rolled_back_and_later_waves_never_start(tmp_path):
    async with start_emulator(tmp_path / "emu") as emu, chassis_for(emu) as ch:
        log = _guard(ch, tmp_path)
        desired = {"ibmc": Desired("6.10", SLOTS)}
        plan = plan_waves(await read_inventory(ch), desired, Policy(max_unavailable=1))
        assert len(plan.waves) == 4
        emu.faults.firmware_flash_targets = {plan.waves[1].steps[0].target: "fail"}
        images = _images(tmp_path, ibmc="6.10")
        with pytest.raises(RolloutError) as e:
            await Rollout(ch, plan, images, gate_timeout=10, poll_interval=0.1).run()
        err = e.value
        assert err.report.failed_wave == 2 and err.outcome == "rollback" and err.rolled_back
        assert "waves 3, 4 not started" in str(err) and "Slot2/ibmc at 6.05" in str(err)
        assert emu.state.blades[1].firmware.imana == "(U4005)6.10"
        assert [emu.state.blades[s].firmware.imana for s in (2, 3, 4)] == ["(U4005)6.05"] * 3
        recs = [(r["target"]["id"], r["outcome"]) for r in log.read() if r["op"] == "firmware.flash"]
        assert recs == [("Slot1/ibmc", "success"), ("Slot2/ibmc", "rollback")]
        # the fault cleared, the same desired state finishes the job and skips what is done
        emu.faults.firmware_flash_targets = {}
        plan2 = plan_waves(await read_inventory(ch), desired, Policy(max_unavailable=1))
        assert set(plan2.skipped) == {"Slot1/ibmc"} and len(plan2.waves) == 3
        await Rollout(ch, plan2, images, gate_timeout=10, poll_interval=0.1).run()
        assert [emu.state.blades[s].firmware.imana for s in (1, 2, 3, 4)] == ["(U4005)6.10"] * 4


async def test_bricked_ibmc_recovers_from_its_backup_image(tmp_path):
    async with start_emulator(tmp_path / "emu", profile="modern") as emu, chassis_for(emu) as ch:
        _guard(ch, tmp_path)
        plan = plan_waves(await read_inventory(ch), {"ibmc": Desired("6.10", frozenset({"Slot3"}))}, Policy())
        emu.faults.firmware_flash_targets = {"Slot3": "brick"}
        with pytest.raises(RolloutError, match="rolled back"):
            await Rollout(ch, plan, _images(tmp_path, ibmc="6.10"), gate_timeout=10, poll_interval=0.1).run()
        b = emu.state.blades[3]
        assert not b.bricked and b.health == "OK" and b.firmware.imana == "(U4005)6.05"


def test_staging_refuses_bad_images(tmp_path):
    p = tmp_path / "bios.hpm"
    p.write_bytes(make_image("bios", "V502"))
    good = hashlib.sha256(p.read_bytes()).hexdigest()
    with pytest.raises(ValidationError) as e:
        stage(str(p), "bios", "V502", "0" * 64)
    assert e.value.field == "sha256"
    with pytest.raises(ValidationError) as e:
        stage(str(p), "ibmc", "V502", good)
    assert e.value.field == "image" and "is a bios image" in e.value.message
    with pytest.raises(ValidationError) as e:
        stage(str(p), "bios", "V503", good)
    assert e.value.field == "version"
    assert stage(str(p), "bios", "V502", good).header == ("bios", "V502")


async def test_a_failed_flash_after_a_good_one_rolls_back_to_the_good_one(tmp_path):
    async with start_emulator(tmp_path / "emu") as emu, chassis_for(emu) as ch:
        _guard(ch, tmp_path)
        one = frozenset({"Slot1", "Slot2"})
        plan = plan_waves(await read_inventory(ch), {"ibmc": Desired("6.10", one)}, Policy(max_unavailable=2))
        await Rollout(ch, plan, _images(tmp_path, ibmc="6.10"), gate_timeout=10, poll_interval=0.1).run()
        emu.faults.firmware_flash_targets = {"Slot2": "fail"}
        plan = plan_waves(await read_inventory(ch), {"ibmc": Desired("6.20", one)}, Policy(max_unavailable=2))
        with pytest.raises(RolloutError, match="rolled back"):
            await Rollout(ch, plan, _images(tmp_path, ibmc="6.20"), gate_timeout=5, poll_interval=0.1).run()
        # Slot1 back from its backup slot, Slot2 never changed: both at the version before the wave
        assert [emu.state.blades[s].firmware.imana for s in (1, 2)] == ["(U4005)6.10"] * 2
