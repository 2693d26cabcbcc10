"""``vessel_vnic_profile`` and ``vessel_switch_profile`` (easyLink) in process: create with the id
known at plan time, second plan empty, update, drift repaired, import, rename = replace, destroy;
create never adopts, two claims of one name refused at plan, bad input named before the chassis
is touched; one audit record per mutation."""
from __future__ import annotations

import pytest

from tfprovider import cty
from vessel_core.sim.state import EasyLinkNicProfile

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

VNIC, SWITCH = "vessel_vnic_profile", "vessel_switch_profile"
NIC = {"name": "data", "vlans": [200, 100], "native_vlan": 100, "bandwidth_pct": 40, "description": "vm traffic"}
UPLINK = {"name": "core", "switches": ["Swi3", "Swi2"], "uplink_ports": ["10GE2/17/1", "10GE3/17/1"],
          "vlans": [100, 200]}


def nics(lab) -> dict:
    return {p.name: p for p in lab.emu.state.easylink_nic_profiles}


def switches(lab) -> dict:
    return {p.name: p for p in lab.emu.state.easylink_switch_profiles}


def ops(lab) -> list[str]:
    return [r["op"] for r in lab.audit()]


@pytest.fixture(autouse=True)
def fresh(lab):
    lab.emu.state.easylink_nic_profiles = []
    lab.emu.state.easylink_switch_profiles = []
    lab.audit_path.unlink(missing_ok=True)
    yield


async def test_vnic_profile_lifecycle(lab):
    h = lab.harness
    planned = await h.plan(VNIC, NIC)
    assert planned.ok and planned.state["id"] == "data"          # known at plan: compute profiles can name it
    created = await h.apply(VNIC, NIC)
    assert created.ok, created.detail()
    assert created.state == {"id": "data", "name": "data", "vlans": [100, 200], "native_vlan": 100,
                             "bandwidth_pct": 40, "description": "vm traffic"}
    p = nics(lab)["data"]
    assert (p.vlans, p.native_vlan, p.bandwidth_pct, p.description) == ([100, 200], 100, 40, "vm traffic")
    assert (await h.plan(VNIC, NIC, created.state)).empty
    # update in place: another VLAN, untagged none, the default bandwidth
    want = {"name": "data", "vlans": [100, 200, 300]}
    updated = await h.apply(VNIC, want, created.state)
    assert updated.ok, updated.detail()
    p = nics(lab)["data"]
    assert (p.vlans, p.native_vlan, p.bandwidth_pct, p.description) == ([100, 200, 300], None, 100, "")
    assert (await h.plan(VNIC, want, updated.state)).empty
    # drift made on the HMM page shows in the plan and is put back
    nics(lab)["data"].vlans = [100]
    drift = await h.plan(VNIC, want, updated.state)
    assert drift.ok and not drift.empty and sorted(drift.state["vlans"]) == [100, 200, 300]
    fixed = await h.apply(VNIC, want, updated.state)
    assert fixed.ok and nics(lab)["data"].vlans == [100, 200, 300]
    # renamed: replaced (the old profile deleted, the new one created)
    renamed = await h.apply(VNIC, {**want, "name": "data2"}, fixed.state)
    assert renamed.ok, renamed.detail()
    assert set(nics(lab)) == {"data2"} and renamed.state["id"] == "data2"
    gone = await h.destroy(VNIC, renamed.state)
    assert gone.ok and nics(lab) == {}
    assert ops(lab) == ["hmm.easylink.nic_profiles.create", "hmm.easylink.nic_profiles.update",
                        "hmm.easylink.nic_profiles.update", "hmm.easylink.nic_profiles.delete",
                        "hmm.easylink.nic_profiles.create", "hmm.easylink.nic_profiles.delete"]


async def test_switch_profile_lifecycle(lab):
    h = lab.harness
    planned = await h.plan(SWITCH, UPLINK)
    assert planned.ok and planned.state["id"] == "core"
    created = await h.apply(SWITCH, UPLINK)
    assert created.ok, created.detail()
    assert created.state == {"id": "core", "name": "core", "switches": ["Swi2", "Swi3"],
                             "uplink_ports": ["10GE2/17/1", "10GE3/17/1"], "vlans": [100, 200], "description": ""}
    assert switches(lab)["core"].switches == ["Swi2", "Swi3"]
    assert (await h.plan(SWITCH, UPLINK, created.state)).empty
    want = {**UPLINK, "uplink_ports": ["10GE2/17/2"], "description": "to the core"}
    updated = await h.apply(SWITCH, want, created.state)
    assert updated.ok, updated.detail()
    assert switches(lab)["core"].uplink_ports == ["10GE2/17/2"] and switches(lab)["core"].description == "to the core"
    # deleted by hand on the HMM: the refresh forgets it, the plan creates it again
    lab.emu.state.easylink_switch_profiles = []
    read = await h.refresh(SWITCH, updated.state)
    assert read.ok and read.state is None
    again = await h.apply(SWITCH, want)
    assert again.ok and switches(lab)["core"].uplink_ports == ["10GE2/17/2"]
    # an uplink of a switch the profile lacks: the HMM refuses it, on the attribute, nothing changed
    foreign = await h.apply(SWITCH, {**want, "switches": ["Swi2"], "uplink_ports": ["10GE3/17/5"]}, again.state)
    assert not foreign.ok and foreign.paths() == ["uplink_ports"], foreign.detail()
    assert switches(lab)["core"].switches == ["Swi2", "Swi3"]
    gone = await h.destroy(SWITCH, again.state)
    assert gone.ok and switches(lab) == {}
    assert ops(lab) == ["hmm.easylink.switch_profiles.create", "hmm.easylink.switch_profiles.update",
                        "hmm.easylink.switch_profiles.create", "hmm.easylink.switch_profiles.update",
                        "hmm.easylink.switch_profiles.delete"]
    assert [r["outcome"] for r in lab.audit()] == ["success"] * 3 + ["failed", "success"]  # the refused update


async def test_import_by_name(lab):
    h = lab.harness
    lab.emu.state.easylink_nic_profiles = [EasyLinkNicProfile(name="made_by_hand", vlans=[7, 8], native_vlan=8,
                                                              bandwidth_pct=25)]
    imported = await h.import_state(VNIC, "made_by_hand")
    assert imported.ok, imported.detail()
    assert imported.state == {"id": "made_by_hand", "name": "made_by_hand", "vlans": [7, 8], "native_vlan": 8,
                              "bandwidth_pct": 25, "description": ""}
    cfg = {"name": "made_by_hand", "vlans": [7, 8], "native_vlan": 8, "bandwidth_pct": 25}
    assert (await h.plan(VNIC, cfg, imported.state)).empty
    created = await h.apply(SWITCH, UPLINK)
    assert created.ok
    back = await h.import_state(SWITCH, "core")
    assert back.ok and back.state == created.state
    missing = await h.import_state(VNIC, "nothing")
    assert not missing.ok and "does not exist" in missing.detail()
    assert ops(lab) == ["hmm.easylink.switch_profiles.create"]      # importing writes nothing


async def test_create_never_adopts(lab):
    h = lab.harness
    first = await h.apply(VNIC, NIC)
    assert first.ok
    again = await h.apply(VNIC, {**NIC, "bandwidth_pct": 90})
    assert not again.ok and again.paths() == ["name"] and "import" in again.detail()
    assert nics(lab)["data"].bandwidth_pct == 40
    sw = await h.apply(SWITCH, UPLINK)
    sw_again = await h.apply(SWITCH, {**UPLINK, "vlans": [1]})
    assert sw.ok and not sw_again.ok and sw_again.paths() == ["name"]
    assert switches(lab)["core"].vlans == [100, 200]
    assert ops(lab) == ["hmm.easylink.nic_profiles.create", "hmm.easylink.switch_profiles.create"]


async def test_two_resources_claiming_one_name_refused_at_plan(lab):
    for t, cfg in ((VNIC, NIC), (SWITCH, UPLINK)):
        async with lab.harness.walk() as w:
            first = await w.plan(t, cfg)
            second = await w.plan(t, {**cfg, "description": "other"})
        assert first.ok and not second.ok, second.detail()
        assert "Object Managed Twice" in second.detail() and second.paths() == ["name"]
    # a vNIC profile and a switch profile may share a name: they are different objects
    async with lab.harness.walk() as w:
        assert (await w.plan(VNIC, {**NIC, "name": "core"})).ok and (await w.plan(SWITCH, UPLINK)).ok
    assert nics(lab) == {} and switches(lab) == {} and lab.audit() == []


@pytest.mark.parametrize("t, cfg, path", [
    (VNIC, {**NIC, "native_vlan": 300}, "native_vlan"),             # not one of vlans
    (VNIC, {**NIC, "bandwidth_pct": 0}, "bandwidth_pct"),
    (VNIC, {**NIC, "bandwidth_pct": 101}, "bandwidth_pct"),
    (VNIC, {**NIC, "vlans": [100, 5000]}, "vlans"),
    (VNIC, {**NIC, "vlans": list(range(1, 66)), "native_vlan": None}, "vlans"),   # more than 64
    (VNIC, {**NIC, "vlans": [100, 30.5]}, "vlans"),
    (VNIC, {**NIC, "name": "_data"}, "name"),
    (VNIC, {**NIC, "name": "data.net"}, "name"),
    (VNIC, {**NIC, "name": "a_name_of_16_chr"}, "name"),
    (VNIC, {**NIC, "description": "x" * 65}, "description"),
    (SWITCH, {**UPLINK, "switches": ["Swi5"]}, "switches"),
    (SWITCH, {**UPLINK, "switches": ["Swi1", "Swi2"]}, "switches"),  # not one stacking pair
    (SWITCH, {**UPLINK, "switches": []}, "switches"),
    (SWITCH, {**UPLINK, "uplink_ports": ["eth0"]}, "uplink_ports"),
    (SWITCH, {**UPLINK, "vlans": [0]}, "vlans"),
    (SWITCH, {**UPLINK, "name": "has space"}, "name"),
])
async def test_bad_input_names_the_attribute_before_the_chassis_is_touched(lab, t, cfg, path):
    before = lab.emu.state.model_dump(include={"easylink_nic_profiles", "easylink_switch_profiles"})
    checked = await lab.harness.validate(t, cfg)
    assert not checked.ok and checked.paths() == [path], checked.detail()
    applied = await lab.harness.apply(t, cfg)
    assert not applied.ok and applied.paths() == [path], applied.detail()
    assert lab.emu.state.model_dump(include={"easylink_nic_profiles", "easylink_switch_profiles"}) == before
    assert lab.audit() == []


async def test_native_vlan_waits_for_unknown_vlans(lab):
    # vlans known only after apply (from another resource): the cross-field rule waits for them
    assert (await lab.harness.validate(VNIC, {**NIC, "vlans": cty.UNKNOWN})).ok
    assert not (await lab.harness.validate(VNIC, {**NIC, "vlans": [1, 2]})).ok


async def test_a_nic_profile_a_compute_profile_names_is_not_deleted(lab):
    from types import SimpleNamespace

    h = lab.harness
    created = await h.apply(VNIC, NIC)
    assert created.ok
    lab.emu.state.profiles.append(SimpleNamespace(name="web", vnic_profiles=["data"]))
    try:
        refused = await h.destroy(VNIC, created.state)
    finally:
        lab.emu.state.profiles.pop()
    assert not refused.ok and "compute profile web" in refused.detail(), refused.detail()
    assert "data" in nics(lab)
    assert (await h.destroy(VNIC, created.state)).ok and nics(lab) == {}
