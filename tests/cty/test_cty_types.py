"""cty types: construction, equality, wire JSON both ways."""
from __future__ import annotations

import pickle

import pytest

from tfprovider.cty import (
    Bool,
    CtyError,
    CtyType,
    Dynamic,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    type_from_json,
    type_to_json,
)


@pytest.mark.parametrize(
    ("ty", "wire"),
    [
        (String, b'"string"'),
        (Number, b'"number"'),
        (Bool, b'"bool"'),
        (Dynamic, b'"dynamic"'),
        (List(String), b'["list","string"]'),
        (Set(Number), b'["set","number"]'),
        (Map(Bool), b'["map","bool"]'),
        (Object({"a": String}), b'["object",{"a":"string"}]'),
        (Object({}), b'["object",{}]'),
        (Object({"b": Number, "a": String}, optional={"b"}), b'["object",{"a":"string","b":"number"},["b"]]'),
        (Tuple([String, Number]), b'["tuple",["string","number"]]'),
        (Tuple([]), b'["tuple",[]]'),
        (
            Set(Object({"vlan": Number, "ports": List(Map(Tuple([Dynamic])))})),
            b'["set",["object",{"ports":["list",["map",["tuple",["dynamic"]]]],"vlan":"number"}]]',
        ),
    ],
)
def test_type_json_vectors(ty: CtyType, wire: bytes) -> None:
    assert type_to_json(ty) == wire
    assert type_from_json(wire) == ty
    assert type_from_json(wire.decode()) == ty


def test_type_from_json_accepts_whitespace_and_unsorted_keys() -> None:
    wire = b'[ "object", { "z": ["list", "dynamic"], "a": "bool" }, ["z", "a"] ]'
    ty = type_from_json(wire)
    assert ty == Object({"a": Bool, "z": List(Dynamic)}, optional={"a", "z"})
    assert type_to_json(ty) == b'["object",{"a":"bool","z":["list","dynamic"]},["a","z"]]'


@pytest.mark.parametrize(
    "wire",
    [
        b'"str"',
        b'"list"',
        b"42",
        b"[]",
        b'["list"]',
        b'["list","string","x"]',
        b'["object",["a"]]',
        b'["object",{"a":"string"},["b"]]',
        b'["object",{"a":"string"},"a"]',
        b'["tuple","string"]',
        b'["capsule","x"]',
        b'["map",["list","nope"]]',
        b"not json",
        b"\xff\xfe",
    ],
)
def test_type_from_json_rejects(wire: bytes) -> None:
    with pytest.raises(CtyError):
        type_from_json(wire)


def test_equality_hash_and_immutability() -> None:
    a = Object({"x": List(String), "y": Set(Number)}, optional=["y"])
    b = Object({"y": Set(Number), "x": List(String)}, optional={"y"})
    assert a == b and hash(a) == hash(b)
    assert a != Object({"x": List(String), "y": Set(Number)})  # optional markers count
    assert List(String) != Set(String) != Map(String)
    assert Tuple([String]) != List(String)
    assert len({List(String), List(String), Set(String)}) == 2
    with pytest.raises(AttributeError):
        a.attribute_types = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.attribute_types["z"] = String  # type: ignore[index]
    assert pickle.loads(pickle.dumps(a)) == a
    assert pickle.loads(pickle.dumps(String)) is not None and pickle.loads(pickle.dumps(String)) == String


def test_accessors_and_predicates() -> None:
    obj = Object({"a": String, "b": Dynamic}, optional={"b"})
    assert dict(obj.attribute_types) == {"a": String, "b": Dynamic}
    assert obj.optional == frozenset({"b"})
    assert List(Number).element_type == Number
    assert Tuple([Bool, String]).element_types == (Bool, String)
    assert String.is_primitive() and Number.is_primitive() and Bool.is_primitive()
    assert not Dynamic.is_primitive() and Dynamic.is_dynamic()
    assert List(String).is_collection() and Set(String).is_collection() and Map(String).is_collection()
    assert not obj.is_collection() and obj.is_structural() and Tuple([]).is_structural()
    assert obj.contains_dynamic() and not List(String).contains_dynamic()
    assert Map(Tuple([List(Dynamic)])).contains_dynamic()
    assert List(Set(String)).friendly_name() == "list of set of string"


def test_constructor_checks() -> None:
    with pytest.raises(TypeError):
        List("string")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Object({"a": String}, optional={"b"})
    with pytest.raises(TypeError):
        Object({1: String})  # type: ignore[dict-item]
