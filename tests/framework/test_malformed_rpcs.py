"""Every RPC the vessel provider serves, fed malformed and unexpected requests (unknown type
names, bytes that are not msgpack, values of the wrong type, missing fields, unknown fields of a
newer protocol left at their defaults): each answers with diagnostics, never raises or hangs."""
from __future__ import annotations

import asyncio

import pytest

from tfprovider.protocol import tfplugin6_pb2 as pb
from tfprovider.vessel.provider import make_servicer

RPCS = ["GetProviderSchema", "GetMetadata", "GetResourceIdentitySchemas", "GetFunctions", "ValidateProviderConfig",
        "ValidateResourceConfig", "ValidateDataResourceConfig", "ConfigureProvider", "UpgradeResourceState",
        "ReadResource", "PlanResourceChange", "ApplyResourceChange", "ImportResourceState", "ReadDataSource",
        "CallFunction", "UpgradeResourceIdentity", "ValidateListResourceConfig", "ValidateActionConfig", "PlanAction"]
STREAMS = ["ListResource", "InvokeAction"]
GARBAGE = pb.DynamicValue(msgpack=b"\xc1\xff\x00not msgpack")
WRONG_TYPE = pb.DynamicValue(msgpack=b"\x92\x01\x02")          # an array where an object belongs
JSON_JUNK = pb.DynamicValue(json=b'{"vlan_id": "thirty"')


def _requests(name: str) -> list:
    req = getattr(pb, name).Request
    fields = {f.name for f in req.DESCRIPTOR.fields}
    out = [req()]                                                # every field missing
    variants = [{"type_name": "vessel_nope"}, {"type_name": "vessel_vlan"}, {"type_name": "vessel_kvm_screenshot"},
                {"name": "nope"}, {"name": "vlan_range"}, {"action_type": "vessel_nope"},
                {"action_type": "vessel_blade_power"}, {"type_name": "vessel_blade_power"}, {"type_name": "vessel_blade"}]
    for v in variants:
        kw = {k: x for k, x in v.items() if k in fields}
        if not kw:
            continue
        for dv in (GARBAGE, WRONG_TYPE, JSON_JUNK):
            more = dict(kw)
            for f in ("config", "prior_state", "proposed_new_state", "planned_state", "current_state"):
                if f in fields:
                    more[f] = dv
            if "raw_state" in fields:
                more["raw_state"] = pb.RawState(json=b"[1, 2")
            if "raw_identity" in fields:
                more["raw_identity"] = pb.RawState(json=b"[1, 2")
            if "id" in fields:
                more["id"] = "\x00/../../etc"
            if "arguments" in fields:
                more["arguments"] = [dv]
            out.append(req(**more))
    return out


@pytest.mark.parametrize("name", RPCS)
async def test_malformed_requests_get_diagnostics(name):
    servicer = make_servicer()
    for request in _requests(name):
        response = await asyncio.wait_for(getattr(servicer, name)(request, None), 5)
        assert response is not None
        if name in ("GetProviderSchema", "GetMetadata", "GetResourceIdentitySchemas", "GetFunctions"):
            continue                                             # no input to be wrong about
        if name == "CallFunction":
            if request.name:
                assert response.error.text, request
            continue
        if request.ByteSize() == 0 and name in ("ValidateProviderConfig", "ConfigureProvider"):
            continue                                             # an absent config is a null config
        diags = list(response.diagnostics)
        if request.ByteSize() == 0:
            continue                                             # nothing to decode: answered, that is all
        assert any(d.severity == pb.Diagnostic.ERROR for d in diags), (name, request)
        assert all("Traceback" not in d.detail for d in diags)
        # handled where the input is decoded, not by the last-resort catch at the RPC boundary
        assert all(d.summary != "Unexpected Provider Error" for d in diags), (name, [d.detail for d in diags])


@pytest.mark.parametrize("name", STREAMS)
async def test_malformed_requests_to_streams_end_with_diagnostics(name):
    """A server-streaming RPC answers a bad request with one last event carrying the error."""
    servicer = make_servicer()
    for request in _requests(name):
        async def drain(request=request) -> list:
            return [event async for event in getattr(servicer, name)(request, None)]
        events = await asyncio.wait_for(drain(), 5)
        assert events, request
        last = events[-1]
        diags = list(last.diagnostic) if name == "ListResource" else list(last.completed.diagnostics)
        assert any(d.severity == pb.Diagnostic.ERROR for d in diags), (name, request)
        assert all(d.summary != "Unexpected Provider Error" and "Traceback" not in d.detail for d in diags)
