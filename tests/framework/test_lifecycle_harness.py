"""The protobuf-free lifecycle and the ResourceHarness on a tiny in-memory provider: semantic
equality, write-only values, plan_destroy objections, Terraform's consistency checks."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Provider, Resource, Schema, requires_replace, use_state_for_unknown
from tfprovider.framework.harness import ResourceHarness

DEVICE: dict[str, dict[str, Any]] = {}


def _mac_equal(a: str, b: str) -> bool:
    return a.replace("-", ":").lower() == b.replace("-", ":").lower()


class Nic(Resource):
    type_name = "mem_nic"
    schema = Schema({
        "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
        "name": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()]),
        "mac": Attribute(cty.String, required=True, semantic_equal=_mac_equal),
        "secret_wo": Attribute(cty.String, optional=True, write_only=True),
        "locked": Attribute(cty.Bool, optional=True),
    })

    async def create(self, req: Any, resp: Any) -> None:
        DEVICE[req.plan["name"]] = {"mac": req.plan["mac"].upper().replace(":", "-"),   # the device's spelling
                                    "secret": req.config.get("secret_wo"), "locked": req.plan.get("locked")}
        resp.state = {**req.plan, "id": req.plan["name"], "mac": DEVICE[req.plan["name"]]["mac"]}

    async def read(self, req: Any, resp: Any) -> None:
        obj = DEVICE.get(req.state["name"])
        resp.state = None if obj is None else {**req.state, "mac": obj["mac"], "locked": obj["locked"]}

    async def update(self, req: Any, resp: Any) -> None:
        DEVICE[req.plan["name"]].update(mac=req.plan["mac"], locked=req.plan.get("locked"))
        resp.state = req.plan

    async def delete(self, req: Any, resp: Any) -> None:
        DEVICE.pop(req.state["name"], None)

    async def plan_destroy(self, req: Any, resp: Any) -> None:
        if req.state.get("locked"):
            resp.diagnostics.add_error("Locked", f"{req.state['name']} is locked")


class Mem(Provider):
    type_name = "mem"
    schema = Schema({})
    resources = [Nic]


H = ResourceHarness(Mem, {})


async def test_semantically_equal_answers_keep_the_known_value_and_the_plan_empty():
    DEVICE.clear()
    cfg = {"name": "eth0", "mac": "aa:bb:cc:00:11:22", "secret_wo": "s3cr3t"}
    created = await H.apply("mem_nic", cfg)
    assert created.ok, created.detail()        # the device's "AA-BB-..." is not an inconsistent result
    assert created.state["mac"] == "aa:bb:cc:00:11:22" and created.state["secret_wo"] is None
    assert DEVICE["eth0"]["secret"] == "s3cr3t"
    assert (await H.plan("mem_nic", cfg, created.state)).empty
    changed = await H.plan("mem_nic", {**cfg, "mac": "aa:bb:cc:00:11:23"}, created.state)
    assert changed.ok and not changed.empty     # a real difference still shows


async def test_plan_destroy_objections_stop_the_destroy():
    DEVICE.clear()
    locked = await H.apply("mem_nic", {"name": "eth1", "mac": "aa:bb:cc:00:11:24", "locked": True})
    refused = await H.destroy("mem_nic", locked.state)
    assert not refused.ok and "locked" in refused.detail() and "eth1" in DEVICE
    unlocked = await H.apply("mem_nic", {"name": "eth1", "mac": "aa:bb:cc:00:11:24", "locked": False}, locked.state)
    assert (await H.destroy("mem_nic", unlocked.state)).ok and "eth1" not in DEVICE


async def test_the_harness_reports_what_terraform_would_refuse():
    class Liar(Nic):
        type_name = "mem_liar"

        async def create(self, req: Any, resp: Any) -> None:
            resp.state = {**req.plan, "id": "x", "name": "someone-else"}

    class LiarProvider(Mem):
        resources = [Liar]

    out = await ResourceHarness(LiarProvider, {}).apply("mem_liar", {"name": "eth2", "mac": "aa:bb:cc:00:11:25"})
    assert not out.ok and "inconsistent result after apply" in out.detail() and "name" in out.detail()


async def test_every_operation_runs_under_its_timeouts_deadline():
    import asyncio

    from tfprovider.framework import timeouts_block

    class Slow(Resource):
        type_name = "mem_slow"
        schema = Schema({"id": Attribute(cty.String, computed=True), "seconds": Attribute(cty.Number, required=True)},
                        blocks={"timeouts": timeouts_block("create", "delete")})
        default_timeouts = {"delete": 0.05}

        async def create(self, req: Any, resp: Any) -> None:
            self.log.info("creating for %ss", req.plan["seconds"])
            await asyncio.sleep(float(req.plan["seconds"]))
            resp.state = {**req.plan, "id": "slow"}

        async def delete(self, req: Any, resp: Any) -> None:
            await asyncio.sleep(1)

    class SlowProvider(Mem):
        resources = [Slow]

    h = ResourceHarness(SlowProvider, {})
    fast = await h.apply("mem_slow", {"seconds": 0.01, "timeouts": {"create": "1s"}})
    assert fast.ok, fast.detail()
    late = await h.apply("mem_slow", {"seconds": 2, "timeouts": {"create": "100ms"}})
    assert not late.ok and late.paths() == ["timeouts.create"] and "within 0.1s" in late.detail()
    gone = await h.destroy("mem_slow", fast.state)          # no delete in the block: the default applies
    assert not gone.ok and "within 0.05s" in gone.detail() and "may still complete" in gone.detail()
