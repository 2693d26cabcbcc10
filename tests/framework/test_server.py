"""The framework servicer driven in-process with tfplugin6 messages (test provider)."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from fw_helpers import dv, paths, undv

from tfprovider import cty
from tfprovider.framework import Attribute, Provider, Resource, Schema, make_server, use_state_for_unknown
from tfprovider.protocol import tfplugin6_pb2 as pb

THING = "testprov_thing"


def thing_cfg(h, **kw):
    base = dict(name="web", tags={"env": "dev"}, ports=[{"number": 80, "protocol": None}])
    base.update(kw)
    return h.obj(THING, **base)


async def test_schema_capabilities_and_shapes(harness):
    r = await harness.s.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert not r.diagnostics
    assert r.server_capabilities.plan_destroy and r.server_capabilities.get_provider_schema_optional
    assert set(r.resource_schemas) == {"testprov_thing", "testprov_link"}
    assert set(r.data_source_schemas) == {"testprov_thing"} and set(r.functions) == {"parse_id"}
    thing = r.resource_schemas[THING]
    assert thing.version == 1
    attrs = {a.name: a for a in thing.block.attributes}
    assert attrs["secret_wo"].write_only and attrs["password"].sensitive
    assert attrs["ports"].nested_type.nesting == pb.Schema.Object.SET and not attrs["ports"].type
    assert json.loads(attrs["tags"].type) == ["map", "string"]
    assert attrs["id"].computed and not attrs["id"].optional
    blocks = {b.type_name: b for b in thing.block.block_types}
    assert blocks["rule"].nesting == pb.Schema.NestedBlock.LIST and blocks["rule"].max_items == 8
    assert blocks["timeouts"].nesting == pb.Schema.NestedBlock.SINGLE
    assert not r.HasField("provider_meta")
    ident = await harness.s.GetResourceIdentitySchemas(pb.GetResourceIdentitySchemas.Request(), None)
    assert not ident.identity_schemas and not ident.diagnostics


async def test_validate_points_at_attributes(harness):
    cfg = thing_cfg(
        harness, name="Bad Name", zone="z", size=1000,
        rule=[{"action": "allow", "priority": 1, "label": None, "match": []},
              {"action": "maybe", "priority": None, "label": None, "match": []}],
    )
    caps = pb.ClientCapabilities(write_only_attributes_allowed=True)
    r = await harness.s.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=THING, config=dv(cfg, harness.ty(THING)), client_capabilities=caps), None
    )
    assert sorted(paths(r.diagnostics)) == ["name", "rule.1.action", "size", "zone"]
    assert all(d.severity == pb.Diagnostic.ERROR for d in r.diagnostics)
    zone = [d for d in r.diagnostics if paths([d]) == ["zone"]][0]
    assert '"a", "b", "c"' in zone.detail and '"z"' in zone.detail


async def test_validate_skips_unknown_values(harness):
    cfg = thing_cfg(harness, name=cty.UNKNOWN, zone=cty.UNKNOWN, size=cty.UNKNOWN, ports=cty.UNKNOWN)
    r = await harness.s.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(type_name=THING, config=dv(cfg, harness.ty(THING))), None
    )
    assert not r.diagnostics


async def test_write_only_needs_client_capability(harness):
    cfg = thing_cfg(harness, secret_wo="s3cret")
    ty = harness.ty(THING)
    old = await harness.s.ValidateResourceConfig(pb.ValidateResourceConfig.Request(type_name=THING, config=dv(cfg, ty)), None)
    assert paths(old.diagnostics) == ["secret_wo"] and "Write-only" in old.diagnostics[0].summary
    new = await harness.s.ValidateResourceConfig(
        pb.ValidateResourceConfig.Request(
            type_name=THING, config=dv(cfg, ty), client_capabilities=pb.ClientCapabilities(write_only_attributes_allowed=True)
        ),
        None,
    )
    assert not new.diagnostics


async def test_plan_create_marks_computed_unknown_and_keeps_config(harness):
    cfg = thing_cfg(harness, secret_wo="s3cret")
    r = await harness.plan(THING, None, cfg)
    assert not r.diagnostics and not r.requires_replace
    planned = undv(r.planned_state, harness.ty(THING))
    for k in ("id", "serial", "revision", "secret_digest"):
        assert planned[k] == cty.UNKNOWN, k
    assert planned["zone"] == "a"  # default
    assert planned["ports"] == [{"number": 80, "protocol": "tcp"}]  # default inside a set element
    assert planned["secret_wo"] is None  # write-only never planned
    assert planned["name"] == "web" and planned["tags"] == {"env": "dev"} and planned["password"] is None


async def test_plan_update_lifecycle(harness):
    cfg = thing_cfg(harness, secret_wo="s3cret")
    state = await harness.create(THING, cfg)
    assert state["secret_wo"] is None and len(state["secret_digest"]) == 64
    assert state["id"] == "a/web" and state["revision"] == 1
    ty = harness.ty(THING)
    # no change: the plan is the prior state, nothing unknown
    proposed = {**cfg, **{k: state[k] for k in ("id", "serial", "revision", "secret_digest", "zone")}, "ports": state["ports"], "secret_wo": None}
    same = await harness.plan(THING, state, {**cfg, "secret_wo": None}, proposed={**proposed})
    assert not same.diagnostics
    assert cty.values_equal(undv(same.planned_state, ty), state, ty)
    # a tag change: update in place, id/serial kept, revision unknown, no replacement
    cfg2 = {**cfg, "tags": {"env": "prod"}, "secret_wo": None}
    upd = await harness.plan(THING, state, cfg2, proposed={**proposed, "tags": {"env": "prod"}})
    planned = undv(upd.planned_state, ty)
    assert planned["id"] == "a/web" and planned["serial"] == state["serial"]
    assert planned["revision"] == cty.UNKNOWN and not upd.requires_replace
    a = await harness.apply(THING, state, planned, cfg2)
    new = undv(a.new_state, ty)
    assert not a.diagnostics and new["revision"] == 2 and new["secret_digest"] == state["secret_digest"]
    # a zone change requires replacement
    rep = await harness.plan(THING, new, {**cfg2, "zone": "b"}, proposed={**new, "zone": "b"})
    assert [[s.attribute_name for s in p.steps] for p in rep.requires_replace] == [["zone"]]


async def test_plan_destroy_returns_null_and_keeps_private(harness):
    state = await harness.create(THING, thing_cfg(harness))
    ty = harness.ty(THING)
    r = await harness.s.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=THING, prior_state=dv(state, ty), proposed_new_state=dv(None, ty), config=dv(None, ty), prior_private=b'{"k":1}'
        ),
        None,
    )
    assert undv(r.planned_state, ty) is None and r.planned_private == b'{"k":1}'
    d = await harness.apply(THING, state, None, None)
    assert not d.diagnostics and undv(d.new_state, ty) is None


async def test_failed_create_returns_partial_state_and_error(harness):
    cfg = thing_cfg(harness, name="explode")
    p = await harness.plan(THING, None, cfg)
    a = await harness.apply(THING, None, undv(p.planned_state, harness.ty(THING)), cfg)
    assert [d.severity for d in a.diagnostics] == [pb.Diagnostic.ERROR]
    assert "refused the second half" in a.diagnostics[0].detail
    partial = undv(a.new_state, harness.ty(THING))
    assert partial["id"] == "a/explode" and partial["serial"] is None  # unknowns nulled, id kept


async def test_read_echoes_private_and_detects_removal(harness):
    state = await harness.create(THING, thing_cfg(harness))
    ty = harness.ty(THING)
    r = await harness.s.ReadResource(pb.ReadResource.Request(type_name=THING, current_state=dv(state, ty), private=b'{"reads":4,"job":"x"}'), None)
    assert json.loads(r.private) == {"reads": 5, "job": "x"}
    assert cty.values_equal(undv(r.new_state, ty), state, ty)
    link = harness.s.resources["testprov_link"]
    lty = harness.ty("testprov_link")
    gone = {**harness.obj("testprov_link"), "id": "nope", "thing_id": "x", "thing_serial": "y"}
    r2 = await harness.s.ReadResource(pb.ReadResource.Request(type_name=link.type_name, current_state=dv(gone, lty), private=b"opaque"), None)
    assert undv(r2.new_state, lty) is None and r2.private == b"opaque"


async def test_import_composite_id(harness):
    await harness.create(THING, thing_cfg(harness, zone="c", name="db"))
    ok = await harness.s.ImportResourceState(pb.ImportResourceState.Request(type_name=THING, id="c/db"), None)
    assert not ok.diagnostics
    st = undv(ok.imported_resources[0].state, harness.ty(THING))
    assert st["zone"] == "c" and st["name"] == "db" and st["rule"] == []
    bad = await harness.s.ImportResourceState(pb.ImportResourceState.Request(type_name=THING, id="db"), None)
    assert not bad.imported_resources
    assert '"<zone>/<name>"' in bad.diagnostics[0].detail and '"db"' in bad.diagnostics[0].detail


async def test_upgrade_state_from_v0_and_same_version(harness):
    ty = harness.ty(THING)
    v0 = {"id": "a/old", "label": "old", "zone": "a", "tags": {"x": "y"}, "revision": 3, "gone_attr": 1}
    r = await harness.s.UpgradeResourceState(
        pb.UpgradeResourceState.Request(type_name=THING, version=0, raw_state=pb.RawState(json=json.dumps(v0).encode())), None
    )
    assert not r.diagnostics
    up = undv(r.upgraded_state, ty)
    assert up["name"] == "old" and up["revision"] == 3 and up["size"] is None and up["rule"] == []
    same = await harness.s.UpgradeResourceState(
        pb.UpgradeResourceState.Request(type_name=THING, version=1, raw_state=pb.RawState(json=b'{"id":"a/x","name":"x"}')), None
    )
    assert undv(same.upgraded_state, ty)["name"] == "x"
    broken = await harness.s.UpgradeResourceState(
        pb.UpgradeResourceState.Request(type_name=THING, version=1, raw_state=pb.RawState(json=b'{"size":"many"}')), None
    )
    assert paths(broken.diagnostics) == ["size"]


async def test_data_source_and_function(harness):
    await harness.create(THING, thing_cfg(harness, ports=[{"number": 443, "protocol": None}, {"number": 22, "protocol": None}]))
    ds = harness.s.data_sources["testprov_thing"]
    cfg = {"id": "a/web", "serial": None, "tags": None, "port_numbers": None}
    r = await harness.s.ReadDataSource(pb.ReadDataSource.Request(type_name=ds.type_name, config=dv(cfg, ds.schema.cty_type)), None)
    st = undv(r.state, ds.schema.cty_type)
    assert st["port_numbers"] == [22, 443] and st["tags"] == {"env": "dev"}
    f = harness.s.functions["parse_id"]
    ok = await harness.s.CallFunction(pb.CallFunction.Request(name="parse_id", arguments=[dv("b/x", cty.String)]), None)
    assert undv(ok.result, f.return_type) == {"zone": "b", "name": "x"}
    bad = await harness.s.CallFunction(pb.CallFunction.Request(name="parse_id", arguments=[dv("nope", cty.String)]), None)
    assert bad.error.function_argument == 0 and "zone/name" in bad.error.text


# --- a provider with a slow resource: cancellation, concurrency, update failure ------------


class Slow(Resource):
    type_name = "slow_op"
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
            "seconds": Attribute(cty.Number, required=True),
            "fail": Attribute(cty.Bool, optional=True),
        }
    )

    async def create(self, req, resp):
        await asyncio.sleep(req.plan["seconds"])
        resp.state = {**req.plan, "id": "done"}

    async def update(self, req, resp):
        if req.plan["fail"]:
            raise ConnectionError("link down")
        resp.state = req.plan


class SlowProvider(Provider):
    type_name = "slow"
    resources = [Slow]


async def _slow_apply(s, seconds):
    ty = Slow.schema.cty_type
    plan = {"id": cty.UNKNOWN, "seconds": seconds, "fail": None}
    return await s.ApplyResourceChange(
        pb.ApplyResourceChange.Request(type_name="slow_op", prior_state=dv(None, ty), planned_state=dv(plan, ty),
                                       config=dv({**plan, "id": None}, ty)),
        None,
    )


async def test_stop_provider_cancels_in_flight_apply():
    s = make_server(SlowProvider())
    task = asyncio.ensure_future(_slow_apply(s, 30))
    await asyncio.sleep(0.05)
    t0 = time.monotonic()
    stop = await s.StopProvider(pb.StopProvider.Request(), None)
    r = await asyncio.wait_for(task, 2)
    assert time.monotonic() - t0 < 1.0 and stop.Error == ""
    assert r.diagnostics[0].summary == "Operation Cancelled"
    assert undv(r.new_state, Slow.schema.cty_type) is None


async def test_ten_applies_run_concurrently():
    s = make_server(SlowProvider())
    t0 = time.monotonic()
    results = await asyncio.gather(*[_slow_apply(s, 0.3) for _ in range(10)])
    assert time.monotonic() - t0 < 2.0  # 10 x 0.3 s sequentially would be 3 s
    assert all(not r.diagnostics for r in results)


async def test_failed_update_keeps_prior_state():
    s = make_server(SlowProvider())
    ty = Slow.schema.cty_type
    prior = {"id": "done", "seconds": 1, "fail": None}
    planned = {"id": "done", "seconds": 2, "fail": True}
    r = await s.ApplyResourceChange(
        pb.ApplyResourceChange.Request(type_name="slow_op", prior_state=dv(prior, ty), planned_state=dv(planned, ty), config=dv(planned, ty)),
        None,
    )
    assert "ConnectionError: link down" in r.diagnostics[0].detail
    assert undv(r.new_state, ty) == prior


async def test_unknown_type_is_a_diagnostic_not_a_grpc_error(harness):
    r = await harness.s.ReadResource(pb.ReadResource.Request(type_name="testprov_nope"), None)
    assert r.diagnostics[0].severity == pb.Diagnostic.ERROR and "testprov_nope" in r.diagnostics[0].detail


def test_resource_type_prefix_is_enforced():
    class Bad(Resource):
        type_name = "other_x"
        schema = Schema({"id": Attribute(cty.String, computed=True)})

    class P(Provider):
        type_name = "slow"
        resources = [Bad]

    with pytest.raises(ValueError, match="must start with 'slow_'"):
        make_server(P())
