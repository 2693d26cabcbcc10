"""The seed's stateless example in process (ResourceHarness against the modern emulator): pools,
vNIC profiles, a compute profile and ten blades bound to it, with each Terraform command one
provider process (a plan walk, then an apply walk that plans again, as Terraform does).

Shown here: the example applies and a second plan is empty; a changed boot order warns for every
bound powered-on blade and re-applies; drift (a profile edited on the HMM, a blade unbound by
hand) shows and is repaired; a blade pulled from its slot leaves state with a message; import of
every type plans empty; destroy returns the chassis to where it was; bad input is refused at plan
time, naming the attribute, before anything is written; the iBMC hanging after a profile
application restores the previous binding (audit ``rollback``) and a re-apply converges; 5xx
bursts and expired HMM sessions during the ten-blade apply converge with no duplicate allocation.
"""
from __future__ import annotations

from typing import Any

import pytest

from vessel_core.sim.state import CH121_SLOTS

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(240)]

NAME = "k8s-worker-template"
POOL = {"name": "workers", "start": "02:00:00:AA:00:00", "size": 64}
UUIDS = {"name": "ids", "prefix": "8F3C2A10-0000-4000-8000-", "size": 32}
MGMT = {"name": "mgmt", "vlans": [10], "native_vlan": 10}
DATA = {"name": "data", "vlans": [100, 200]}
PROFILE = {"name": NAME, "bios_boot_order": ["pxe", "disk"], "vnic_profiles": ["mgmt", "data"],
           "mac_pool": "workers", "uuid_pool": "ids", "power_policy": "always-on"}
Items = dict[str, tuple[str, Any]]


def seed(profile: dict | None = None, slots: tuple[int, ...] = CH121_SLOTS, pool: dict | None = None) -> Items:
    items: Items = {"pool": ("vessel_mac_pool", pool or POOL), "uuids": ("vessel_uuid_pool", UUIDS),
                    "mgmt": ("vessel_vnic_profile", MGMT), "data": ("vessel_vnic_profile", DATA),
                    "profile": ("vessel_compute_profile", profile or PROFILE)}
    items.update({f"b{s}": ("vessel_blade", {"slot": s, "profile": NAME}) for s in slots})
    return items


@pytest.fixture(autouse=True)
def fresh(lab):
    st = lab.emu.state
    for b in st.blades.values():
        b.profile = None
        b.bricked = False
        b.pending_power = None
        b.present = b.present or b.model != ""
    st.mac_pools, st.uuid_pools, st.ibmc_hung = [], [], {}
    st.profiles = [p for p in st.profiles if p.name == "default"]
    st.easylink_nic_profiles = []
    lab.emu.faults.ibmc_hang_on_profile = {}
    lab.emu.faults.http_5xx_rate = 0.0
    lab.emu.faults.session_idle_timeout_s = 1800.0
    lab.audit_path.unlink(missing_ok=True)
    yield


def fast(w: Any) -> None:
    w.data.chassis.stateless.poll_interval = 0.05


async def tf_plan(lab, items: Items, states: dict[str, Any] | None = None,
                  refreshed: dict[str, Any] | None = None) -> dict[str, Any]:
    """``terraform plan``: one process refreshes and plans every object, in dependency order
    (``refreshed`` receives the refreshed states)."""
    states = states or {}
    out = {}
    async with lab.harness.walk() as w:
        for key, (kind, cfg) in items.items():
            state = states.get(key)
            if state is not None:
                read = await w.refresh(kind, state)
                assert read.ok, (key, read.detail())
                state = read.state
            if refreshed is not None:
                refreshed[key] = state
            out[key] = await w.plan(kind, cfg, state)
    return out


async def tf_apply(lab, items: Items, states: dict[str, Any] | None = None) -> dict[str, Any]:
    """``terraform apply``: a plan process, then an apply process that plans each object again."""
    states = dict(states or {})
    plans = await tf_plan(lab, items, states, refreshed=states)
    bad = {k: p.detail() for k, p in plans.items() if not p.ok}
    assert not bad, bad
    async with lab.harness.walk() as w:
        fast(w)
        for key, (kind, cfg) in items.items():
            if plans[key].empty and states.get(key) is not None:
                continue  # no change planned: Terraform does not call the provider
            res = await w.apply(kind, cfg, states.get(key))
            assert res.ok, (key, res.detail())
            states[key] = res.state
    return states


async def tf_destroy(lab, items: Items, states: dict[str, Any]) -> None:
    async with lab.harness.walk() as w:
        fast(w)
        for key in reversed(list(items)):
            res = await w.apply(items[key][0], None, states[key])
            assert res.ok, (key, res.detail())


def warnings(plans: dict[str, Any]) -> list[str]:
    return [d.detail for p in plans.values() for d in p.diagnostics if d.severity.name == "WARNING"]


def bound(lab) -> dict[int, str | None]:
    return {s: lab.emu.state.blades[s].profile for s in CH121_SLOTS}


def all_macs(lab) -> list[str]:
    return [m for p in lab.emu.state.mac_pools for macs in p.allocations.values() for m in macs]


async def test_seed_example_applies_plans_empty_and_destroys_back(lab):
    st = lab.emu.state
    power_before = {s: b.power_state for s, b in st.blades.items()}
    items = seed()
    plans = await tf_plan(lab, items)
    assert plans["profile"].state["id"] == NAME and plans["pool"].state["id"] == "workers"  # known at plan
    on = [s for s in CH121_SLOTS if power_before[s] == "On"]
    assert sorted(int(w.split()[1]) for w in warnings(plans)) == on      # one warning per running blade
    assert plans["b2"].state["pending_disruption"] == [
        {"slot": 2, "action": "power-cycle", "reason": f"to bind compute profile {NAME!r}"}]
    states = await tf_apply(lab, items)
    assert set(bound(lab).values()) == {NAME}
    st.settle()
    assert {s: b.power_state for s, b in st.blades.items()} == power_before
    macs = all_macs(lab)
    assert len(macs) == len(set(macs)) == 20                              # two vNICs each, none twice
    assert states["b3"]["macs"] == st.mac_pools[0].allocations["3"] and states["b3"]["uuid"].startswith("8F3C2A10")
    assert states["profile"]["bound_slots"] == []                # the blades were bound after the profile
    second = await tf_plan(lab, items, states)
    assert all(p.ok and p.empty for p in second.values()), {k: p.detail() or p.state for k, p in second.items()
                                                              if not p.empty}
    refreshed = await tf_plan(lab, {"profile": items["profile"]}, {"profile": states["profile"]})
    assert refreshed["profile"].state["bound_slots"] == list(CH121_SLOTS)
    audit = lab.audit()
    assert [r["op"] for r in audit].count("blade.set") == 10 and all(r["outcome"] == "success" for r in audit)

    await tf_destroy(lab, items, states)
    assert set(bound(lab).values()) == {None}
    assert st.mac_pools == [] and st.uuid_pools == [] and [p.name for p in st.profiles] == ["default"]
    st.settle()
    assert {s: b.power_state for s, b in st.blades.items()} == power_before  # power left alone


async def test_changed_boot_order_warns_per_blade_and_reapplies(lab):
    for s in CH121_SLOTS:
        lab.emu.state.blades[s].power_state = "On"
    items = seed()
    states = await tf_apply(lab, items)
    changed = {**items, "profile": ("vessel_compute_profile", {**PROFILE, "bios_boot_order": ["disk", "pxe"]})}
    plans = await tf_plan(lab, changed, states)
    assert not plans["profile"].empty
    hits = plans["profile"].state["pending_disruption"]
    assert [h["slot"] for h in hits] == list(CH121_SLOTS) and {h["action"] for h in hits} == {"power-cycle"}
    assert len(warnings(plans)) == 10 and all("bios_boot_order" in w for w in warnings(plans))
    assert all(plans[f"b{s}"].empty for s in CH121_SLOTS)          # the blades' own config is unchanged
    states = await tf_apply(lab, changed, states)
    prof = next(p for p in lab.emu.state.profiles if p.name == NAME)
    assert prof.boot_order == ["Hdd", "Pxe"]
    lab.emu.state.settle()
    assert all(lab.emu.state.blades[s].power_state == "On" for s in CH121_SLOTS)   # back on
    assert all(p.empty for p in (await tf_plan(lab, changed, states)).values())
    await tf_destroy(lab, changed, states)


async def test_drift_is_shown_and_repaired(lab):
    items = seed(slots=(2, 3))
    states = await tf_apply(lab, items)
    prof = next(p for p in lab.emu.state.profiles if p.name == NAME)
    prof.boot_order = ["Cd"]                      # edited by hand on the HMM's profile page
    lab.emu.state.blades[3].profile = None        # and a blade unbound by hand
    lab.emu.state.mac_pools[0].allocations.pop("3")
    plans = await tf_plan(lab, items, states)
    assert plans["profile"].state["bios_boot_order"] == ["pxe", "disk"] and not plans["profile"].empty
    assert plans["b3"].state["profile"] == NAME and not plans["b3"].empty and plans["b2"].empty
    states = await tf_apply(lab, items, states)
    prof = next(p for p in lab.emu.state.profiles if p.name == NAME)
    assert prof.boot_order == ["Pxe", "Hdd"] and lab.emu.state.blades[3].profile == NAME
    assert all(p.empty for p in (await tf_plan(lab, items, states)).values())

    lab.emu.state.blades[3].present = False       # the blade is pulled from its slot
    async with lab.harness.walk() as w:
        gone = await w.refresh("vessel_blade", states["b3"])
    assert gone.ok and gone.state is None
    assert any("slot 3 holds no blade" in d.detail for d in gone.diagnostics)
    lab.emu.state.blades[3].present = True
    await tf_destroy(lab, items, states)


async def test_import_of_every_type_plans_empty(lab):
    items = seed(slots=(8, 9))
    states = await tf_apply(lab, items)
    ids = {"pool": "workers", "uuids": "ids", "mgmt": "mgmt", "data": "data", "profile": NAME, "b8": "Slot8", "b9": "9"}
    imported = {}
    async with lab.harness.walk() as w:
        for key, import_id in ids.items():
            got = await w.import_state(items[key][0], import_id)
            assert got.ok, (key, got.detail())
            imported[key] = got.state
    plans = await tf_plan(lab, items, imported)
    assert all(p.ok and p.empty for p in plans.values()), {k: p.detail() or p.state for k, p in plans.items()
                                                             if not p.empty}
    async with lab.harness.walk() as w:
        bad = await w.import_state("vessel_blade", "blade-x")
    assert not bad.ok and "Slot3" in bad.detail()
    await tf_destroy(lab, items, states)


async def _refused(lab, items: Items, key: str, path: str, text: str) -> None:
    before = lab.emu.state.model_dump_json()
    async with lab.harness.walk() as w:
        outcome = None
        for k, (kind, cfg) in items.items():
            if w.validate(kind, cfg).ok:
                got = await w.plan(kind, cfg)
            else:
                got = w.validate(kind, cfg)
            if k == key:
                outcome = got
    assert outcome is not None and not outcome.ok, outcome
    assert path in outcome.paths() and text in outcome.detail(), (outcome.paths(), outcome.detail())
    assert lab.emu.state.model_dump_json() == before and lab.audit() == []   # nothing written


@pytest.mark.parametrize("case", ["9000 MACs", "odd first octet", "overlapping pools", "empty slot",
                                  "unknown vNIC profile", "unknown pool", "12 blades on 8 addresses",
                                  "UUID prefix in use"])
async def test_bad_input_is_refused_at_plan_naming_the_attribute(lab, case):
    if case == "9000 MACs":
        await _refused(lab, {"pool": ("vessel_mac_pool", {**POOL, "size": 9000})}, "pool", "size", "8192")
    elif case == "odd first octet":
        await _refused(lab, {"pool": ("vessel_mac_pool", {**POOL, "start": "03:00:00:AA:00:00"})}, "pool",
                       "start", "multicast")
    elif case == "overlapping pools":
        await _refused(lab, {"a": ("vessel_mac_pool", POOL),
                             "b": ("vessel_mac_pool", {"name": "other", "start": "02:00:00:AA:00:3F", "size": 8})},
                       "b", "start", "overlaps pool 'workers'")
    elif case == "empty slot":
        await _refused(lab, {"b": ("vessel_blade", {"slot": 6})}, "b", "slot", "slot 6 holds no blade")
    elif case == "unknown vNIC profile":
        await _refused(lab, {"p": ("vessel_compute_profile", {"name": "p", "vnic_profiles": ["nope"]})}, "p",
                       "vnic_profiles[0]", "no easyLink NIC profile")
    elif case == "unknown pool":
        await _refused(lab, {"p": ("vessel_compute_profile", {"name": "p", "mac_pool": "nope"})}, "p",
                       "mac_pool", "no MAC pool")
    elif case == "12 blades on 8 addresses":
        slots = tuple(s for s, b in sorted(lab.emu.state.blades.items()) if b.present)[:12]
        items = seed(profile={**PROFILE, "vnic_profiles": ["mgmt"]}, slots=slots, pool={**POOL, "size": 8})
        last = f"b{slots[-1]}"
        await _refused(lab, items, last, "profile", "has 8 addresses")
    else:
        blade = lab.emu.state.blades[2]
        factory, blade.uuid = blade.uuid, UUIDS["prefix"] + "000000000005"   # a burned-in UUID in the range
        try:
            await _refused(lab, {"u": ("vessel_uuid_pool", UUIDS)}, "u", "prefix", "presents now")
        finally:
            blade.uuid = factory


async def test_ibmc_hang_after_apply_restores_the_previous_binding(lab):
    items = seed(slots=(2,))
    lab.emu.state.blades[2].power_state = "On"
    lab.emu.faults.ibmc_hang_on_profile = {NAME: 1}
    plans = await tf_plan(lab, items)
    assert all(p.ok for p in plans.values())
    states: dict[str, Any] = {}
    async with lab.harness.walk() as w:
        fast(w)
        for key, (kind, cfg) in list(items.items())[:-1]:
            states[key] = (await w.apply(kind, cfg)).state
        failed = await w.apply("vessel_blade", items["b2"][1])
    assert not failed.ok and "restored" in failed.detail()
    assert failed.state is None                                    # a rolled-back create takes nothing over
    assert lab.emu.state.blades[2].profile is None and not lab.emu.state.blades[2].bricked
    assert lab.emu.state.mac_pools[0].allocations == {}            # identities returned
    rec = [r for r in lab.audit() if r["op"] == "blade.set"]
    assert [r["outcome"] for r in rec] == ["rollback"] and rec[0]["snapshot_id"]
    states = await tf_apply(lab, items, states)                   # the fault is spent: converges
    assert lab.emu.state.blades[2].profile == NAME
    assert all(p.empty for p in (await tf_plan(lab, items, states)).values())
    await tf_destroy(lab, items, states)


async def test_5xx_bursts_and_expired_sessions_converge_without_duplicates(lab):
    items = seed()
    setup = {k: v for k, v in items.items() if not k.startswith("b")}
    states = await tf_apply(lab, setup)
    lab.emu.faults.http_5xx_rate = 0.15
    lab.emu.faults.session_idle_timeout_s = 0.3
    blades = {k: v for k, v in items.items() if k.startswith("b")}
    converged = False
    for _ in range(4):                                             # an operator re-runs apply until clean
        async with lab.harness.walk() as w:
            fast(w)
            ok = True
            for key, (kind, cfg) in blades.items():
                res = await w.apply(kind, cfg, states.get(key))
                if res.state is not None:
                    states[key] = res.state
                ok = ok and res.ok
        if ok:
            converged = True
            break
    lab.emu.faults.http_5xx_rate = 0.0
    lab.emu.faults.session_idle_timeout_s = 1800.0
    assert converged and set(bound(lab).values()) == {NAME}
    macs = all_macs(lab)
    assert len(macs) == len(set(macs)) == 20                      # no address drawn twice
    assert all(p.empty for p in (await tf_plan(lab, items, states)).values())
    await tf_destroy(lab, items, states)


async def test_boot_override_once_persistent_and_virtual_media(lab):
    st = lab.emu.state
    st.blades[3].power_state = "On"
    st.blades[3].boot = st.blades[3].boot.model_copy(update={"target": "None", "enabled": "Disabled"})
    st.blades[3].virtual_media["CD"] = st.blades[3].virtual_media["CD"].model_copy(update={"inserted": False,
                                                                                              "image": None})
    once = {"slot": 3, "boot_override": {"target": "pxe", "reboot": True, "trigger": "1"}}
    items: Items = {"b3": ("vessel_blade", once)}
    plans = await tf_plan(lab, items)
    assert plans["b3"].state["pending_disruption"] == [
        {"slot": 3, "action": "power-cycle", "reason": "to boot once from pxe"}]
    assert any("boot_override.reboot" in w for w in warnings(plans))
    states = await tf_apply(lab, items)
    ops = [(r["op"], r["outcome"]) for r in lab.audit()]
    assert ("blade.boot.set", "success") in ops and ("blade.power-cycle", "success") in ops
    assert all(p.empty for p in (await tf_plan(lab, items, states)).values())   # a used one-time override is no drift
    again = {"b3": ("vessel_blade", {**once, "boot_override": {**once["boot_override"], "trigger": "2"}})}
    plans = await tf_plan(lab, again, states)
    assert not plans["b3"].empty                                    # a new trigger: another one-time boot
    lab.audit_path.unlink()
    states = await tf_apply(lab, again, states)
    assert [r["op"] for r in lab.audit()] == ["blade.boot.set", "blade.power-cycle"]

    persistent = {"b3": ("vessel_blade", {"slot": 3, "boot_override": {"target": "disk", "once": False},
                                          "virtual_media": "nfs://10.0.0.5/export/rescue.iso"})}
    states = await tf_apply(lab, persistent, states)
    assert (st.blades[3].boot.target, st.blades[3].boot.enabled) == ("Hdd", "Continuous")
    assert st.blades[3].virtual_media["CD"].image == "nfs://10.0.0.5/export/rescue.iso"
    assert all(p.empty for p in (await tf_plan(lab, persistent, states)).values())
    st.blades[3].boot = st.blades[3].boot.model_copy(update={"target": "Pxe"})   # changed by hand
    drift = await tf_plan(lab, persistent, states)
    assert not drift["b3"].empty and drift["b3"].state["boot_override"]["target"] == "disk"
    states = await tf_apply(lab, persistent, states)
    assert st.blades[3].boot.target == "Hdd"
    ejected = {"b3": ("vessel_blade", {"slot": 3, "boot_override": {"target": "disk", "once": False}})}
    states = await tf_apply(lab, ejected, states)
    assert not st.blades[3].virtual_media["CD"].inserted
    await tf_destroy(lab, ejected, states)
    assert (st.blades[3].boot.target, st.blades[3].boot.enabled) == ("None", "Disabled")   # destroy clears it


async def test_virtual_media_on_a_cli_driven_blade_is_refused_at_plan(lab):
    h = lab.with_settings(ibmc_endpoints={})
    async with h.walk() as w:
        got = await w.plan("vessel_blade", {"slot": 3, "virtual_media": "nfs://10.0.0.5/x.iso"})
    assert not got.ok and "virtual_media" in got.paths() and "no virtual media verb" in got.detail()
    async with h.walk() as w:
        bad = w.validate("vessel_blade", {"slot": 3, "virtual_media": "http://10.0.0.5/x.iso"})
    assert not bad.ok and "virtual_media" in bad.paths()
