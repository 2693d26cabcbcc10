"""``vessel_mgmt_network`` in process, against an emulator whose HMM answers at its management
addresses (127.0.0.x aliases): the lifecycle of a blade's address, bad input named before the
chassis is touched, the endpoint lock-out guard at plan, and moving the endpoint's address:
followed when the HMM answers there, rolled back when it does not."""
from __future__ import annotations

from typing import Any

import pytest

from tfprovider.framework.harness import ResourceHarness

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(180)]

T = "vessel_mgmt_network"


@pytest.fixture
def net(loopback_lab: Any) -> Any:
    return loopback_lab


@pytest.fixture(autouse=True)
def fresh(net: Any) -> Any:
    net.audit_path.unlink(missing_ok=True)
    net.emu.faults.mgmt_unreachable_addresses = []
    yield


def network(net: Any) -> Any:
    return net.emu.state.network.model_copy(deep=True)


def at(net: Any, host: str) -> ResourceHarness:
    return net.with_settings(endpoint=f"https://{host}:{net.emu.hmm_port}")


async def test_blade_address_lifecycle(net: Any) -> None:
    h = net.harness
    cfg = {"target": "Slot3", "ip": "10.20.0.13", "gateway": "10.20.0.1"}
    created = await h.apply(T, cfg)
    assert created.ok, created.detail()
    assert created.state == {"id": "Slot3", "target": "Slot3", "ip": "10.20.0.13", "mask": "255.255.255.0",
                             "gateway": "10.20.0.1", "ipv6_address": "", "ipv6_gateway": "",
                             "confirm_new_endpoint": None}
    ext = net.emu.state.network.blade_external["3"]
    assert (ext.ip, ext.mask, ext.gateway) == ("10.20.0.13", "255.255.255.0", "10.20.0.1")
    assert (await h.plan(T, cfg, created.state)).empty
    # in place: a wider subnet, the same address
    cfg2 = {**cfg, "mask": "255.255.0.0", "gateway": "10.20.255.254"}
    updated = await h.apply(T, cfg2, created.state)
    assert updated.ok and not updated.requires_replace
    assert net.emu.state.network.blade_external["3"].mask == "255.255.0.0"
    # drift by hand on the HMM page, repaired by the next apply
    net.emu.state.network.blade_external["3"].ip = "10.20.9.9"
    drift = await h.plan(T, cfg2, updated.state)
    assert drift.ok and not drift.empty and drift.state["ip"] == "10.20.0.13"
    fixed = await h.apply(T, cfg2, updated.state)
    assert fixed.ok and net.emu.state.network.blade_external["3"].ip == "10.20.0.13"
    imported = await h.import_state(T, "Slot3")
    assert imported.ok
    assert (await h.plan(T, cfg2, (await h.refresh(T, imported.state)).state)).empty
    gone = await h.destroy(T, fixed.state)
    assert gone.ok and "3" not in net.emu.state.network.blade_external
    assert [(r["op"], r["outcome"]) for r in net.audit()] == [("hmm.network.set", "success")] * 3 + [
        ("hmm.network.reset", "success")]


async def test_bad_input_is_named_before_the_chassis_is_touched(net: Any) -> None:
    before = network(net)
    cases = [({"target": "Slot4", "ip": "10.1.2.300"}, "ip"),
             ({"target": "Slot4", "ip": "10.1.2.3", "mask": "255.0.255.0"}, "mask"),
             ({"target": "Slot4", "ip": "10.1.2.3", "gateway": "10.9.9.1"}, "gateway"),
             ({"target": "Swi2", "ip": "10.1.2.3", "ipv6_address": "2001:db8::2/64"}, "ipv6_address"),
             ({"target": "HMM1", "ip": "127.0.1.31", "mask": "255.0.0.0", "ipv6_address": "2001:db8::31/64",
               "ipv6_gateway": "2001:db9::1"}, "ipv6_gateway"),
             ({"target": "Slot17", "ip": "10.1.2.3"}, "target"),
             ({"target": "Slot5", "ip": "10.1.2.3"}, "target")]           # slot 5 holds no blade
    for cfg, path in cases:
        out = await net.harness.apply(T, cfg)
        assert not out.ok and path in out.paths(), (cfg, out.detail())
    assert network(net) == before and net.audit() == []


async def test_mm_address_with_ipv6_and_a_second_claim(net: Any) -> None:
    h = net.harness
    cfg = {"target": "HMM2", "ip": "127.0.1.52", "mask": "255.0.0.0", "gateway": "127.0.0.254",
           "ipv6_address": "2001:db8::32/64", "ipv6_gateway": "2001:db8::1"}
    made = await h.apply(T, cfg)                            # not the endpoint: no confirmation needed
    assert made.ok, made.detail()
    hmm2 = net.emu.state.network.hmm_static["HMM2"]
    assert (hmm2.ip, hmm2.ipv6, hmm2.ipv6_gateway) == ("127.0.1.52", "2001:db8::32/64", "2001:db8::1")
    assert (await h.plan(T, cfg, made.state)).empty
    gone = await h.destroy(T, made.state)                  # an MM keeps its address: forgotten only
    assert gone.ok and net.emu.state.network.hmm_static["HMM2"].ip == "127.0.1.52"
    back = await h.apply(T, {**cfg, "ip": "127.0.1.32", "ipv6_address": "", "ipv6_gateway": ""})
    assert back.ok and net.emu.state.network.hmm_static["HMM2"].ip == "127.0.1.32"
    async with h.walk() as w:
        first = await w.plan(T, {"target": "Slot8", "ip": "10.3.0.8"})
        second = await w.plan(T, {"target": "Slot8", "ip": "10.3.0.9"})
    assert first.ok and not second.ok and second.paths() == ["target"]


async def test_moving_the_endpoint_is_refused_at_plan_without_confirmation(net: Any) -> None:
    h = net.harness
    before = network(net)
    assert before.floating.ip == "127.0.0.1"                # the provider's endpoint
    imported = await h.import_state(T, "float")
    state = (await h.refresh(T, imported.state)).state
    base = {"target": "float", "ip": "127.0.0.1", "mask": "255.0.0.0", "gateway": "127.0.0.254"}
    assert (await h.plan(T, base, state)).empty
    refused = await h.plan(T, {**base, "ip": "127.0.0.41"}, state)
    assert not refused.ok and refused.paths() == ["ip"] and "confirm_new_endpoint" in refused.detail()
    wrong = await h.plan(T, {**base, "ip": "127.0.0.41", "confirm_new_endpoint": "127.0.0.42"}, state)
    assert not wrong.ok and wrong.paths() == ["confirm_new_endpoint"]
    applied = await h.apply(T, {**base, "ip": "127.0.0.41"}, state)
    assert not applied.ok
    # the same for a create (taking the setting over)
    assert not (await h.plan(T, {**base, "ip": "127.0.0.41"})).ok
    # mask and gateway of the endpoint's address may change (the address stays)
    assert (await h.plan(T, {**base, "gateway": "127.0.0.253"}, state)).ok
    assert network(net) == before and net.audit() == []


async def test_moving_the_endpoint_follows_the_hmm_to_its_new_address(net: Any) -> None:
    h = net.harness
    state = (await h.refresh(T, (await h.import_state(T, "float")).state)).state
    base = {"target": "float", "ip": "127.0.0.1", "mask": "255.0.0.0", "gateway": "127.0.0.254"}
    moved = await h.apply(T, {**base, "ip": "127.0.0.41", "confirm_new_endpoint": "127.0.0.41"}, state)
    assert moved.ok, moved.detail()
    assert "Endpoint Moved" in moved.detail() and moved.state["ip"] == "127.0.0.41"
    assert net.emu.state.network.floating.ip == "127.0.0.41"
    assert not (await h.refresh(T, moved.state)).ok       # nothing answers at the old address
    there = at(net, "127.0.0.41")
    cfg = {**base, "ip": "127.0.0.41", "confirm_new_endpoint": "127.0.0.41"}
    assert (await there.plan(T, cfg, moved.state)).empty
    # and back, through the new address
    home = await there.apply(T, {**base, "confirm_new_endpoint": "127.0.0.1"}, moved.state)
    assert home.ok, home.detail()
    assert net.emu.state.network.floating.ip == "127.0.0.1"
    assert [(r["op"], r["outcome"]) for r in net.audit()] == [("hmm.network.set", "success")] * 2


async def test_moving_the_endpoint_is_rolled_back_when_the_new_address_does_not_answer(net: Any) -> None:
    h = net.harness
    net.emu.faults.mgmt_unreachable_addresses = ["127.0.0.42"]
    state = (await h.refresh(T, (await h.import_state(T, "float")).state)).state
    base = {"target": "float", "ip": "127.0.0.1", "mask": "255.0.0.0", "gateway": "127.0.0.254"}
    out = await h.apply(T, {**base, "ip": "127.0.0.42", "confirm_new_endpoint": "127.0.0.42"}, state)
    assert not out.ok and "restored" in out.detail(), out.detail()
    assert net.emu.state.network.floating.ip == "127.0.0.1"
    assert out.state is not None and out.state["ip"] == "127.0.0.1"   # the state says what is live
    records = net.audit()
    assert [(r["op"], r["outcome"]) for r in records] == [("hmm.network.set", "rollback")]
    # the provider reaches the HMM at its old address again; the plan still wants the move
    again = await h.plan(T, {**base, "ip": "127.0.0.42", "confirm_new_endpoint": "127.0.0.42"}, out.state)
    assert again.ok and again.state["ip"] == "127.0.0.42"
    stay = await h.plan(T, base, out.state)               # only the confirmation leaves the configuration
    assert stay.ok and {k for k, v in stay.state.items() if v != stay.prior[k]} == {"confirm_new_endpoint"}
