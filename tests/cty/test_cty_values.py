"""Paths, conformance errors, equality and known-ness."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from tfprovider.cty import (
    UNKNOWN,
    AttributePath,
    AttrStep,
    Bool,
    CtyError,
    Dynamic,
    DynamicVal,
    IndexStep,
    KeyStep,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    Unknown,
    conform,
    is_known,
    is_wholly_known,
    values_equal,
)


def test_path_rendering_and_extension() -> None:
    p = AttributePath(steps=(AttrStep("a"), IndexStep(0), KeyStep("k")))
    assert str(p) == 'a[0]["k"]'
    assert p == AttributePath().attr("a").index(0).key("k")
    assert str(p.attr("b")) == 'a[0]["k"].b'
    assert str(AttributePath().key('q"uote')) == '["q\\"uote"]'
    assert p.parent() == AttributePath((AttrStep("a"), IndexStep(0)))
    assert len(p) == 3 and list(p)[1] == IndexStep(0)
    assert not AttributePath() and str(AttributePath()) == ""
    base = AttributePath().attr("x")
    base.attr("y")
    assert str(base) == "x"  # extension never mutates
    assert hash(p) == hash(AttributePath().attr("a").index(0).key("k"))
    with pytest.raises(TypeError):
        AttributePath(("a",))  # type: ignore[arg-type]


SCHEMA = Object(
    {
        "name": String,
        "vlans": List(Object({"id": Number, "tags": Map(String)})),
        "ports": Set(Object({"n": Number})),
        "pair": Tuple([String, Bool]),
        "extra": Dynamic,
    }
)


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        ({"name": 5}, "name", "a string is required, got int"),
        ({"vlans": [{"id": 1}, {"id": "2"}]}, "vlans[1].id", "a number is required, got str"),
        ({"vlans": [{"tags": {"a": "x", "b": True}}]}, 'vlans[0].tags["b"]', "a string is required, got bool"),
        ({"vlans": [{"nope": 1}]}, "vlans[0].nope", "unsupported attribute 'nope'"),
        ({"vlans": {"id": 1}}, "vlans", "a list of object is required (as a list), got dict"),
        ({"ports": [{"n": "x"}]}, "ports", "set element n: a number is required"),  # sets have no usable key
        ({"ports": ["x"]}, "ports", "set element: an object is required"),
        ({"pair": ["a"]}, "pair", "a tuple of 2 elements is required, got 1"),
        ({"pair": ["a", 1]}, "pair[1]", "a bool is required, got int"),
        ({"extra": "raw"}, "extra", "DynamicVal"),
        ({"extra": DynamicVal(List(Number), [True])}, "extra[0]", "got a bool"),
        ({"name": DynamicVal(String, "x")}, "name", "only allowed where any type is accepted"),
        ({"vlans": [{"tags": {1: "x"}}]}, "vlans[0].tags", "keys must be strings"),
        ({"name": Unknown({"number_lower": (0, True)})}, "name", "number_lower cannot apply"),
        ({"name": "\ud800"}, "name", "lone surrogate"),
        ([], "", "(as a dict), got list"),
    ],
)
def test_conformance_errors_name_the_path(value: object, path: str, message: str) -> None:
    with pytest.raises(CtyError) as err:
        conform(value, SCHEMA)
    assert str(err.value.path) == path
    assert message in err.value.message
    assert isinstance(err.value, ValueError)
    assert str(err.value) == (f"{path}: {err.value.message}" if path else err.value.message)


def test_conform_normalises() -> None:
    decomposed = unicodedata.normalize("NFD", "café")
    got = conform({"name": decomposed, "pair": ("a", True), "ports": [{"n": 1}, {"n": 1.0}]}, SCHEMA)
    assert got["name"] == "café" and got["name"] != decomposed
    assert got["pair"] == ["a", True]
    assert got["ports"] == [{"n": 1}]
    assert got["vlans"] is None and got["extra"] is None
    assert conform({"a", "b"}, Set(String)) in (["a", "b"], ["b", "a"])
    assert conform(Unknown({"not_null": True}), Dynamic) == UNKNOWN
    assert conform(DynamicVal(Dynamic, DynamicVal(String, "x")), Dynamic) == DynamicVal(String, "x")


def test_values_equal() -> None:
    assert values_equal(1, 1.0, Number) and values_equal(0.1, Decimal("0.1"), Number)
    assert values_equal(2**70, Decimal(2**70), Number)
    assert not values_equal(1, 2, Number)
    assert values_equal(["a", "b"], ["b", "a", "b"], Set(String))
    assert not values_equal(["a", "b"], ["b", "a"], List(String))
    assert values_equal({"x": None}, {}, Object({"x": String}))
    assert not values_equal(None, {"x": None}, Object({"x": String}))
    assert values_equal(UNKNOWN, Unknown(), String)
    assert not values_equal(UNKNOWN, Unknown({"not_null": True}), String)
    assert not values_equal(UNKNOWN, None, String)
    assert values_equal(DynamicVal(Number, 1), DynamicVal(Number, 1.0), Dynamic)
    assert not values_equal(DynamicVal(Number, 1), DynamicVal(String, "1"), Dynamic)
    assert not values_equal(DynamicVal(String, None), None, Dynamic)
    assert DynamicVal(Set(Number), [1, 2]) == DynamicVal(Set(Number), [2, 1])
    assert hash(DynamicVal(Set(Number), [1, 2])) == hash(DynamicVal(Set(Number), [2, 1.0]))
    assert not values_equal(True, False, Bool)
    assert values_equal({"k": [1]}, {"k": [1.0]}, Map(List(Number)))
    assert not values_equal({"k": [1]}, {"j": [1]}, Map(List(Number)))


def test_known_ness() -> None:
    assert is_known("x") and is_known(None) and is_known([UNKNOWN])
    assert not is_known(UNKNOWN) and not is_known(Unknown({"not_null": True}))
    assert not is_known(DynamicVal(String, UNKNOWN))
    assert is_wholly_known({"a": [1, {"b": "c"}], "d": None})
    assert not is_wholly_known({"a": [1, {"b": UNKNOWN}]})
    assert not is_wholly_known(DynamicVal(List(String), ["a", UNKNOWN]))
    assert isinstance(UNKNOWN, Unknown) and UNKNOWN.refinements is None


def test_value_objects_are_immutable() -> None:
    with pytest.raises(AttributeError):
        UNKNOWN.refinements = {}  # type: ignore[misc]
    dv = DynamicVal(String, "x")
    with pytest.raises(AttributeError):
        dv.value = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Unknown({"not_null": True}).refinements["x"] = 1  # type: ignore[index]
