"""Property tests of the pure wave planner: for random chassis inventories, desired versions
and policies, the rollout invariants hold (see vessel_core/firmware/planner.py)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vessel_core.firmware import Component, Desired, Inventory, PlanError, Policy, compare_versions, plan_waves
from vessel_core.firmware.model import FABRIC_PAIRS, SWITCH_LABELS

VERSIONS = ["6.05", "6.10", "7.63", "7.70", "V501", "V502", "023", "024"]


@st.composite
def chassis(draw):
    slots = draw(st.lists(st.integers(1, 16), unique=True, max_size=16))
    switches = draw(st.lists(st.sampled_from(list(SWITCH_LABELS.values())), unique=True))
    comps = [Component("hmm", h, draw(st.sampled_from(["7.63", "7.70"]))) for h in ("HMM1", "HMM2")]
    comps += [Component("switch", s, draw(st.sampled_from(["V100R001C00SPC200", "V100R001C00SPC300"])))
              for s in switches]
    for slot in slots:
        comps += [Component("ibmc", f"Slot{slot}", draw(st.sampled_from(["6.05", "6.10"])), "6.05"),
                  Component("bios", f"Slot{slot}", draw(st.sampled_from(["V501", "V502"]))),
                  Component("cpld", f"Slot{slot}", draw(st.sampled_from(["023", "024"])))]
    power = {slot: draw(st.sampled_from(["On", "Off"])) for slot in slots}
    return Inventory(tuple(comps), active_hmm=draw(st.sampled_from(["HMM1", "HMM2"])), blade_power=power)


NEW = {"hmm": "7.70", "switch": "V100R001C00SPC300", "ibmc": "6.10", "bios": "V502", "cpld": "024"}


@st.composite
def desires(draw, inv):
    out = {}
    for kind in draw(st.lists(st.sampled_from(list(NEW)), unique=True, min_size=1)):
        present = sorted(c.target for c in inv.of_kind(kind))
        targets = None if draw(st.booleans()) or not present else frozenset(
            draw(st.lists(st.sampled_from(present), unique=True, min_size=1)))
        out[kind] = Desired(NEW[kind], targets)
    return out


policies = st.builds(Policy, max_unavailable=st.integers(1, 6), allow_host_reboot=st.booleans())


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_invariants(data):
    inv = data.draw(chassis())
    desired = data.draw(desires(inv))
    policy = data.draw(policies)
    plan = plan_waves(inv, desired, policy)

    targeted = {}
    for kind, want in desired.items():
        for c in inv.of_kind(kind):
            if want.targets is None or c.target in want.targets:
                targeted[c.id] = c
    out_of_date = {cid for cid, c in targeted.items() if compare_versions(c.version, desired[c.kind].version)}
    placed = [s.id for w in plan.waves for s in w.steps]

    # every out-of-date component in exactly one wave (or waiting, with the reason), none twice
    assert len(placed) == len(set(placed))
    assert set(placed) | set(plan.waiting) == out_of_date
    assert not set(placed) & set(plan.waiting)
    # up-to-date components are skipped and in no wave
    assert set(plan.skipped) == set(targeted) - out_of_date
    assert not set(placed) & set(plan.skipped)
    for w in plan.waves:
        assert w.steps, "empty wave"
        targets = [s.target for s in w.steps]
        # never both HMMs
        assert not {"HMM1", "HMM2"} <= set(targets)
        # never both switches of a fabric pair
        for a, b in FABRIC_PAIRS:
            assert not {a, b} <= set(targets)
        # at most max_unavailable blades
        assert len({t for t in targets if t.startswith("Slot")}) <= policy.max_unavailable
    # the standby HMM first; the active one only after a failover
    hmm_waves = [w for w in plan.waves if any(s.kind == "hmm" for s in w.steps)]
    for w in hmm_waves:
        (step,) = w.steps
        assert w.failover_first == (step.target == inv.active_hmm)
    if len(hmm_waves) == 2:
        assert hmm_waves[0].steps[0].target != inv.active_hmm
    # per blade: iBMC before host firmware, BIOS and CPLD of a blade in the same wave
    wave_of = {s.id: w.index for w in plan.waves for s in w.steps}
    for cid, idx in wave_of.items():
        target, kind = cid.split("/")
        if kind in ("bios", "cpld"):
            if f"{target}/ibmc" in wave_of:
                assert wave_of[f"{target}/ibmc"] < idx
            other = f"{target}/{'cpld' if kind == 'bios' else 'bios'}"
            if other in wave_of:
                assert wave_of[other] == idx
    # host firmware waits only on powered-on blades when reboots are not allowed
    for cid in plan.waiting:
        assert not policy.allow_host_reboot
        assert inv.blade_power[int(cid.split("/")[0][4:])] == "On"
    # the same input gives the same plan (Terraform plans again during apply)
    assert plan_waves(inv, desired, policy) == plan


def _inv():
    return Inventory((Component("hmm", "HMM1", "7.63"), Component("hmm", "HMM2", "7.63"),
                      Component("ibmc", "Slot1", "6.10", "6.05")), active_hmm="HMM1", blade_power={1: "On"})


def test_hmm_standby_first_then_failover():
    plan = plan_waves(_inv(), {"hmm": Desired("7.70")}, Policy())
    assert [w.describe() for w in plan.waves] == ["wave 1: HMM2/hmm", "wave 2: HMM failover, then HMM1/hmm"]


def test_bad_input_is_refused():
    with pytest.raises(PlanError) as e:
        plan_waves(_inv(), {"ibmc": Desired("6.05")}, Policy())
    assert e.value.field == "version" and "downgrade" in e.value.message
    assert plan_waves(_inv(), {"ibmc": Desired("6.05")}, Policy(allow_downgrade=True)).steps
    with pytest.raises(PlanError) as e:
        plan_waves(_inv(), {"ibmc": Desired("6.20")}, Policy(max_unavailable=0))
    assert e.value.field == "rollout.max_unavailable"
    with pytest.raises(PlanError) as e:
        plan_waves(_inv(), {"ibmc": Desired("6.20", frozenset({"Slot9"}))}, Policy())
    assert e.value.field == "targets"


def test_version_order():
    assert compare_versions("(U4005)6.10", "6.9") == 1
    assert compare_versions("V100R001C00SPC200", "V100R001C00SPC300") == -1
    assert compare_versions("(U38)023", "023") == 0
