"""vessel_firmware in process (ResourceHarness against the modern emulator): the plan shows the
waves, what is skipped and what is disrupted; apply flashes in those waves; the second plan is
empty; a component flashed back by hand is drift and re-applies; bad input is refused at plan
time naming the attribute; a failed wave is rolled back with later waves never started, and a
re-apply after the fault is cleared finishes."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest

from vessel_core.sim.images import make_image

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(240)]
SLOTS = ["Slot1", "Slot2", "Slot3", "Slot4"]


@pytest.fixture(autouse=True)
def fresh(lab):
    st = lab.emu.state
    for b in st.blades.values():
        b.firmware.imana = b.firmware.backup_imana = "(U4005)6.05"
        b.firmware.bios = "(U41)V501"
        b.bricked, b.health = False, "OK"
    st.upgrade.targets, st.upgrade.uploaded = [], None
    lab.emu.faults.firmware_flash_targets = {}
    lab.audit_path.unlink(missing_ok=True)
    yield


def image(lab, kind: str, version: str) -> dict[str, str]:
    p = lab.root / f"{kind}-{version}.hpm"
    p.write_bytes(make_image(kind, version))
    return {"image": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}


def cfg(lab, **kw: Any) -> dict[str, Any]:
    out = {"component": "ibmc", "targets": SLOTS, "version": "6.10", **image(lab, "ibmc", "6.10"),
           "rollout": {"max_unavailable": 2, "poll_interval": "0.1s", "gate_timeout": "10s"}}
    out.update(kw)
    return out


async def plan(lab, config, state=None):
    async with lab.harness.walk() as w:
        if state is not None:
            read = await w.refresh("vessel_firmware", state)
            assert read.ok, read.detail()
            state = read.state
        return await w.plan("vessel_firmware", config, state), state


async def apply(lab, config, state=None):
    p, state = await plan(lab, config, state)
    assert p.ok, p.detail()
    async with lab.harness.walk() as w:
        return p, await w.apply("vessel_firmware", config, state)


def warnings(p) -> list[str]:
    return [f"{d.summary}: {d.detail}" for d in p.diagnostics if d.severity.name == "WARNING"]


async def test_plan_apply_second_plan_empty_and_drift(lab):
    st = lab.emu.state
    st.blades[4].firmware.imana = "(U4005)6.10"
    p, res = await apply(lab, cfg(lab))
    assert [w["members"] for w in p.state["waves"]] == [["Slot1/ibmc", "Slot2/ibmc"], ["Slot3/ibmc"]]
    assert p.state["skipped"] == ["Slot4"] and p.state["pending_disruption"] == []
    ws = warnings(p)
    assert any("wave 1: Slot1/ibmc, Slot2/ibmc" in w for w in ws) and any("wave 2: Slot3/ibmc" in w for w in ws)
    assert any("skipped, already at 6.10: Slot4/ibmc" in w for w in ws)
    assert res.ok, res.detail()
    assert res.state["versions"] == {s: "6.10" for s in SLOTS}
    assert [st.blades[n].firmware.imana for n in (1, 2, 3)] == ["(U4005)6.10"] * 3
    recs = [(r["target"]["id"], r["outcome"]) for r in lab.audit() if r["op"] == "firmware.flash"]
    assert recs == [("Slot1/ibmc", "success"), ("Slot2/ibmc", "success"), ("Slot3/ibmc", "success")]
    second, _ = await plan(lab, cfg(lab), res.state)
    assert second.ok and second.empty, second.detail() or second.state
    # flashed back by hand: drift, and only that blade is planned
    st.blades[2].firmware.imana = "(U4005)6.05"
    drift, _ = await plan(lab, cfg(lab), res.state)
    assert not drift.empty and [w["members"] for w in drift.state["waves"]] == [["Slot2/ibmc"]]


async def test_host_firmware_waits_or_reboots(lab):
    st = lab.emu.state
    for n in (1, 2):
        st.blades[n].power_state = "On"
    bios = cfg(lab, component="bios", version="V502", targets=["Slot1", "Slot2"], **image(lab, "bios", "V502"))
    p, _ = await plan(lab, bios)
    assert p.ok and p.state["waves"] == [] and p.state["waiting"] == ["Slot1", "Slot2"]
    assert any("Firmware Waiting" in w for w in warnings(p))
    bios["rollout"] = {**bios["rollout"], "allow_host_reboot": True}
    p, res = await apply(lab, bios)
    assert [h["action"] for h in p.state["pending_disruption"]] == ["reboot", "reboot"]
    assert res.ok, res.detail()
    st.settle()
    assert [(st.blades[n].firmware.bios, st.blades[n].power_state) for n in (1, 2)] == [("(U41)V502", "On")] * 2


async def test_bad_input_is_refused_at_plan_time(lab):
    p, _ = await plan(lab, cfg(lab, sha256="0" * 64))
    assert not p.ok and "sha256" in p.detail()
    p, _ = await plan(lab, cfg(lab, **image(lab, "bios", "6.10")))
    assert not p.ok and "is a bios image, not ibmc" in p.detail()
    p, _ = await plan(lab, cfg(lab, version="6.01", **image(lab, "ibmc", "6.01")))
    assert not p.ok and "allow_downgrade" in p.detail()
    p, _ = await plan(lab, cfg(lab, rollout={"max_unavailable": 0}))
    assert not p.ok and "max_unavailable" in p.detail()
    assert lab.emu.state.upgrade.uploaded is None


async def test_failed_wave_rolls_back_and_reapply_finishes(lab):
    st = lab.emu.state
    config = cfg(lab, rollout={"max_unavailable": 1, "poll_interval": "0.1s", "gate_timeout": "5s"})
    lab.emu.faults.firmware_flash_targets = {"Slot2": "fail"}
    p, res = await apply(lab, config)
    assert len(p.state["waves"]) == 4
    assert not res.ok and "wave 2 (Slot2/ibmc) failed" in res.detail() and "waves 3, 4 not started" in res.detail()
    assert res.state["versions"] == {"Slot1": "6.10", "Slot2": "6.05", "Slot3": "6.05", "Slot4": "6.05"}
    assert [st.blades[n].firmware.imana for n in (1, 2, 3, 4)] == ["(U4005)6.10"] + ["(U4005)6.05"] * 3
    lab.emu.faults.firmware_flash_targets = {}
    p2, res2 = await apply(lab, config, res.state)
    assert [w["members"] for w in p2.state["waves"]] == [["Slot2/ibmc"], ["Slot3/ibmc"], ["Slot4/ibmc"]]
    assert res2.ok, res2.detail()
    assert res2.state["versions"] == {s: "6.10" for s in SLOTS}
