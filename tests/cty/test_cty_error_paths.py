"""Error paths of the three value walkers (conform, msgpack and JSON decoding).

The walkers build no path while a value is fine; a path is assembled only while an error
unwinds. These cases pin that the assembled path and text are the full ones, at any depth.
"""
from __future__ import annotations

import json

import msgpack
import pytest

from tfprovider.cty import (
    AttributePath,
    Bool,
    CtyError,
    Dynamic,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    conform,
    decode_json,
    decode_msgpack,
)

TY = Object(
    {
        "name": String,
        "vlans": List(Object({"id": Number, "tags": Map(String), "on": Bool})),
        "ports": Set(Object({"n": Number})),
        "pair": Tuple([String, Bool]),
        "extra": Dynamic,
    }
)

# (raw value, path, message fragment): the same for conform and for msgpack decoding
CASES = [
    ({"vlans": [{"id": 1}, {"id": [2]}]}, "vlans[1].id", "a number is required"),
    ({"vlans": [{"tags": {"a": "x", "b": 7}}]}, 'vlans[0].tags["b"]', "a string is required"),
    ({"vlans": [{}, {}, {"on": 1}]}, "vlans[2].on", "a bool is required"),
    ({"vlans": [{"nope": 1}]}, "vlans[0].nope", "unsupported attribute 'nope'"),
    ({"ports": [{"n": 1}, {"n": [1]}]}, "ports", "set element n: a number is required"),
    ({"pair": ["a", 1]}, "pair[1]", "a bool is required"),
    ({"pair": ["a"]}, "pair", "a tuple of 2 elements is required, got 1"),
]


@pytest.mark.parametrize(("raw", "path", "message"), CASES)
def test_conform_and_msgpack_name_the_same_path(raw, path, message) -> None:
    for decode in (lambda: conform(raw, TY), lambda: decode_msgpack(msgpack.packb(raw), TY)):
        with pytest.raises(CtyError) as err:
            decode()
        assert str(err.value.path) == path
        assert message in err.value.message
        assert str(err.value) == f"{path}: {err.value.message}"


def test_conform_puts_the_error_under_the_given_path() -> None:
    base = AttributePath().attr("outer").index(3)
    with pytest.raises(CtyError) as err:
        conform({"vlans": [{"id": "x"}]}, TY, base)
    assert str(err.value.path) == "outer[3].vlans[0].id"
    assert str(err.value).startswith("outer[3].vlans[0].id: a number is required")
    # a root-level problem is reported at the given path itself
    with pytest.raises(CtyError) as err:
        conform(5, TY, base)
    assert str(err.value.path) == "outer[3]"


def test_errors_inside_dynamic_values_carry_the_full_path() -> None:
    raw = {"extra": [json.dumps(["list", "number"]).encode(), [1, "x"]]}
    with pytest.raises(CtyError) as err:
        decode_msgpack(msgpack.packb(raw), TY)
    assert str(err.value.path) == "extra[1]"
    with pytest.raises(CtyError) as err:
        decode_json(json.dumps({"extra": {"type": ["map", "bool"], "value": {"k": 3}}}), TY)
    assert str(err.value.path) == 'extra["k"]'


@pytest.mark.parametrize(("raw", "path", "message"), [
    ({"vlans": [{"id": 1}, {"id": "x"}]}, "vlans[1].id", "is not a valid number"),
    ({"vlans": [{"tags": {"a": "x", "b": [1]}}]}, 'vlans[0].tags["b"]', "a string is required, got array"),
    ({"vlans": [{"nope": 1}]}, "vlans[0].nope", "unsupported attribute 'nope'"),
    ({"ports": [{"n": True}]}, "ports", "set element n: a number is required"),
    ({"pair": ["a", "maybe"]}, "pair[1]", "a bool is required"),
])
def test_json_names_the_path(raw, path, message) -> None:
    with pytest.raises(CtyError) as err:
        decode_json(json.dumps(raw), TY)
    assert str(err.value.path) == path
    assert message in err.value.message


def test_plain_leaves_keep_their_checks() -> None:
    # non-ASCII text is still normalised to NFC, bools are still refused as numbers
    assert conform({"name": "cafe\u0301"}, TY)["name"] == "caf\u00e9"
    assert decode_msgpack(msgpack.packb({"name": "cafe\u0301"}), TY)["name"] == "caf\u00e9"
    with pytest.raises(CtyError, match="a number is required, got a bool"):
        decode_msgpack(msgpack.packb({"vlans": [{"id": True}]}), TY)
    with pytest.raises(CtyError, match="lone surrogate"):
        conform({"vlans": [{"tags": {"k": "\ud800"}}]}, TY)
