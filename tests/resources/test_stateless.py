"""The seed's stateless example in process: pools, vNIC profiles, a compute profile and ten
blades bound to it; disruption in the plan; bad input refused at plan time before the chassis
is touched; drift repaired; import; destroy returns the chassis to where it was."""
from __future__ import annotations

import pytest

from vessel_core.sim.state import CH121_SLOTS

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(180)]

POOL = {"name": "workers", "start": "02:00:00:AA:00:00", "size": 64}
MGMT = {"name": "mgmt", "vlans": [10], "native_vlan": 10}
DATA = {"name": "data", "vlans": [100, 200]}
PROFILE = {"name": "k8s-worker-template", "bios_boot_order": ["pxe", "disk"], "vnic_profiles": ["mgmt", "data"],
           "mac_pool": "workers", "power_policy": "always-on"}


@pytest.fixture(autouse=True)
def fresh(lab):
    st = lab.emu.state
    for b in st.blades.values():
        b.profile = None
    st.mac_pools, st.uuid_pools, st.ibmc_hung = [], [], {}
    st.profiles = [p for p in st.profiles if p.name == "default"]
    st.easylink_nic_profiles = []
    lab.audit_path.unlink(missing_ok=True)
    yield


async def plan_all(w, items, states=None):
    states = states or {}
    out = {}
    for key, (kind, cfg) in items.items():
        out[key] = await w.plan(kind, cfg, states.get(key))
    return out


async def test_seed_example_applies_and_plans_empty(lab):
    items = {"pool": ("vessel_mac_pool", POOL), "mgmt": ("vessel_vnic_profile", MGMT),
             "data": ("vessel_vnic_profile", DATA), "profile": ("vessel_compute_profile", PROFILE)}
    items.update({f"b{s}": ("vessel_blade", {"slot": s, "profile": "k8s-worker-template"}) for s in CH121_SLOTS})
    states = {}
    async with lab.harness.walk() as w:
        w.data.chassis.stateless.poll_interval = 0.05
        plans = await plan_all(w, items)
        for k, p in plans.items():
            assert p.ok, (k, p.detail())
        warn = [d for p in plans.values() for d in p.diagnostics if d.severity.name == "WARNING"]
        print([d.detail for d in warn])
    async with lab.harness.walk() as w:
        w.data.chassis.stateless.poll_interval = 0.05
        for key, (kind, cfg) in items.items():
            res = await w.apply(kind, cfg)
            assert res.ok, (key, res.detail())
            states[key] = res.state
    st = lab.emu.state
    assert all(st.blades[s].profile == "k8s-worker-template" for s in CH121_SLOTS)
    async with lab.harness.walk() as w:
        for key, (kind, cfg) in items.items():
            read = await w.refresh(kind, states[key])
            assert read.ok, read.detail()
            p = await w.plan(kind, cfg, read.state)
            assert p.ok and p.empty, (key, p.detail(), p.state, read.state)
