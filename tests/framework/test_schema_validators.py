"""Schema checks, validators, durations and composite import IDs without protobuf."""
from __future__ import annotations

import pytest

from tfprovider import cty
from tfprovider.framework import (
    LIST,
    MAP,
    SET,
    Attribute,
    Block,
    Diagnostics,
    NestedAttribute,
    Schema,
    SchemaError,
    also_requires,
    at_least_one_of,
    composite_id,
    conflicts_with,
    custom,
    engine,
    exactly_one_of,
    length,
    parse_duration,
    timeout,
)

SCHEMA = Schema(
    {
        "a": Attribute(cty.String, optional=True, validators=[conflicts_with("b"), exactly_one_of("b", "c")]),
        "b": Attribute(cty.String, optional=True, validators=[also_requires("c")]),
        "c": Attribute(cty.Number, optional=True),
        "d": Attribute(cty.List(cty.String), optional=True, validators=[length(hi=2), at_least_one_of("e")]),
        "e": Attribute(cty.String, optional=True, validators=[lambda v: None if v.islower() else "must be lower case"]),
        "old": Attribute(cty.String, optional=True, deprecation_message="Use a instead."),
        "n": NestedAttribute(MAP, {"x": Attribute(cty.Number, required=True,
                                                  validators=[custom(lambda v: "odd" if v % 2 else None)])},
                             optional=True),
    },
    {"blk": Block(LIST, {"y": Attribute(cty.String, optional=True, validators=[length(2, 3)])})},
)


def run(**values):
    diags = Diagnostics()
    engine.validate(SCHEMA.block, {**SCHEMA.null_value(), **values}, diags)
    return sorted((str(d.path), d.summary) for d in diags)


def test_sibling_validators():
    assert run(a="x", b="y", c=1, e="k") == [("a", "Invalid Attribute Combination"), ("a", "Invalid Attribute Combination")]
    assert run(b="y", e="k") == [("b", "Invalid Attribute Combination")]
    assert run(e="k") == [("a", "Missing Attribute Configuration")]
    assert run(c=1) == [("d", "Missing Attribute Configuration")]
    assert run(c=1, e="k") == []
    assert run(a="x", e="k") == []
    assert run(a=cty.UNKNOWN, b="y", c=1, e="k") == []  # unknown siblings are not judged


def test_value_validators_and_paths():
    got = run(c=1, d=["1", "2", "3"], e="K", n={"k": {"x": 3}}, blk=[{"y": "ok"}, {"y": "toolong"}], old="x")
    assert got == [
        ('blk[1].y', "Invalid Attribute Value Length"),
        ("d", "Invalid Attribute Value Length"),
        ("e", "Invalid Attribute Value"),
        ('n["k"].x', "Invalid Attribute Value"),
        ("old", "Attribute Deprecated"),
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Schema({"x": Attribute(cty.String, required=True, computed=True)}),
        lambda: Schema({"X": Attribute(cty.String, optional=True)}),
        lambda: Schema({"x": Attribute(cty.String)}),
        lambda: Schema({"x": Attribute(cty.String, optional=True, default="d")}),
        lambda: Schema({"x": Attribute(cty.String, optional=True)}, {"x": Block()}),
        lambda: Schema({}, {"s": Block(SET, {"w": Attribute(cty.String, optional=True, write_only=True)})}),
        lambda: Schema({"x": Attribute(cty.String, optional=True, computed=True, write_only=True)}),
        lambda: Schema(version=-1),
    ],
)
def test_invalid_schemas_are_refused_at_declaration(make):
    with pytest.raises(SchemaError):
        make()


def test_durations_and_timeouts():
    assert parse_duration("1h30m") == 5400 and parse_duration("250ms") == 0.25 and parse_duration("45s") == 45
    with pytest.raises(ValueError, match='"30s"'):
        parse_duration("30 seconds")
    assert timeout({"timeouts": {"create": "2m"}}, "create", 9) == 120
    assert timeout({"timeouts": None}, "create", 9) == 9


def test_composite_id_parsing():
    schema = Schema({"switch": Attribute(cty.String, required=True), "vlan": Attribute(cty.Number, required=True)})
    fmt = composite_id("switch", "vlan")
    diags = Diagnostics()
    assert fmt.parse("2X/100", schema, diags) == {"switch": "2X", "vlan": 100}
    for bad in ("2X", "2X/100/1", "/100", "2X/ten"):
        diags = Diagnostics()
        assert fmt.parse(bad, schema, diags) is None
        assert "<switch>/<vlan>" in diags[0].detail and bad in diags[0].detail


def test_plan_modifiers_and_group_blocks():
    from tfprovider.framework import GROUP, requires_replace_if, use_state_for_unknown

    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
            "gen": Attribute(cty.Number, computed=True),
            "size": Attribute(cty.Number, required=True, plan_modifiers=[
                requires_replace_if(lambda r: r.plan_value < r.state_value, "shrinking re-creates")
            ]),
        },
        {"opts": Block(GROUP, {"x": Attribute(cty.String, optional=True)})},
    )
    assert schema.null_value() == {"id": None, "gen": None, "size": None, "opts": {"x": None}}
    prior = {"id": "i", "gen": 1, "size": 10, "opts": {"x": None}}
    cfg = {"id": None, "gen": None, "size": 20, "opts": {"x": None}}
    diags = Diagnostics()
    grow, replace = engine.plan(schema.block, prior, {**cfg, "id": "i", "gen": 1}, cfg, {}, diags)
    assert grow["id"] == "i" and grow["gen"] == cty.UNKNOWN and replace == []
    shrink, replace = engine.plan(schema.block, prior, {**cfg, "size": 5, "id": "i", "gen": 1}, {**cfg, "size": 5}, {}, diags)
    assert [str(p) for p in replace] == ["size"]
    same, replace = engine.plan(schema.block, prior, dict(prior), {**cfg, "size": 10}, {}, diags)
    assert same == prior and replace == [] and not diags
