"""Helpers for calling the framework servicer in-process with tfplugin6 messages."""
from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tfprovider import cty  # noqa: E402
from tfprovider.protocol import tfplugin6_pb2 as pb  # noqa: E402


def dv(value: Any, ty: Any) -> Any:
    return pb.DynamicValue(msgpack=cty.encode_msgpack(value, ty))


def undv(msg: Any, ty: Any) -> Any:
    return cty.decode_dynamic_value(msg.msgpack, msg.json, ty)


def paths(diags: Any) -> list[str]:
    return [".".join(s.attribute_name or str(s.element_key_int) for s in d.attribute.steps) for d in diags]


class Harness:
    """A configured test-provider servicer with helpers for the resource lifecycle."""

    def __init__(self, server: Any, device_path: str) -> None:
        self.s = server
        self.device_path = device_path

    def ty(self, type_name: str) -> Any:
        return self.s.resources[type_name].schema.cty_type

    def obj(self, type_name: str, **values: Any) -> dict:
        return {**self.s.resources[type_name].schema.null_value(), **values}

    async def plan(self, type_name: str, prior: Any, config: Any, proposed: Any = None, private: bytes = b"") -> Any:
        ty = self.ty(type_name)
        return await self.s.PlanResourceChange(
            pb.PlanResourceChange.Request(
                type_name=type_name, prior_state=dv(prior, ty),
                proposed_new_state=dv(config if proposed is None else proposed, ty),
                config=dv(config, ty), prior_private=private,
            ),
            None,
        )

    async def apply(self, type_name: str, prior: Any, planned: Any, config: Any, private: bytes = b"") -> Any:
        ty = self.ty(type_name)
        return await self.s.ApplyResourceChange(
            pb.ApplyResourceChange.Request(
                type_name=type_name, prior_state=dv(prior, ty), planned_state=dv(planned, ty),
                config=dv(config, ty), planned_private=private,
            ),
            None,
        )

    async def create(self, type_name: str, config: dict) -> dict:
        ty = self.ty(type_name)
        p = await self.plan(type_name, None, config)
        assert not p.diagnostics, p.diagnostics
        a = await self.apply(type_name, None, undv(p.planned_state, ty), config)
        assert not a.diagnostics, a.diagnostics
        return undv(a.new_state, ty)

