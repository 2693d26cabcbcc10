"""JSON DynamicValue codec (state upgrades, fallback input)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tfprovider.cty import (
    UNKNOWN,
    Bool,
    CtyError,
    Dynamic,
    DynamicVal,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    decode_json,
    encode_json,
    values_equal,
)


def test_encode_vectors() -> None:
    ty = Object({"id": String, "n": Number, "on": Bool, "l": List(Number), "m": Map(String), "t": Tuple([String])})
    value = {"id": "é\"", "n": 2**70, "on": True, "l": [1, 1.5, Decimal("0.1")], "m": {"k": "v"}, "t": ["x"]}
    data = encode_json(value, ty)
    assert data == '{"id":"é\\"","l":[1,1.5,0.1],"m":{"k":"v"},"n":1180591620717411303424,"on":true,"t":["x"]}'.encode()
    assert values_equal(decode_json(data, ty), value, ty)
    assert encode_json({}, Object({"a": String})) == b'{"a":null}'
    assert encode_json(None, Map(String)) == b"null"


def test_dynamic_json_form() -> None:
    assert encode_json(DynamicVal(List(String), ["a"]), Dynamic) == b'{"value":["a"],"type":["list","string"]}'
    assert decode_json(b'{"type":"number","value":3}', Dynamic) == DynamicVal(Number, 3)
    assert decode_json(b"null", Dynamic) is None
    with pytest.raises(CtyError, match="dynamic value"):
        decode_json(b'{"value":3}', Dynamic)
    with pytest.raises(CtyError, match="invalid type"):
        decode_json(b'{"type":"int","value":3}', Dynamic)


def test_unknown_is_not_representable() -> None:
    with pytest.raises(CtyError) as err:
        encode_json({"a": [1, UNKNOWN]}, Object({"a": List(Number)}))
    assert str(err.value.path) == "a[1]"
    with pytest.raises(CtyError):
        encode_json(DynamicVal(String, UNKNOWN), Dynamic)


def test_numbers_keep_precision() -> None:
    got = decode_json(b"[0.1, 123456789012345678901234567890, 1e400, -0]", List(Number))
    assert got == [Decimal("0.1"), 123456789012345678901234567890, Decimal("1e400"), 0]
    assert type(got[1]) is int
    for bad in (b"NaN", b"Infinity", b"-Infinity"):
        with pytest.raises(CtyError):
            decode_json(bad, Number)


def test_primitive_conversions_cty_accepts() -> None:
    assert decode_json(b'"42.5"', Number) == Decimal("42.5")
    assert decode_json(b'"true"', Bool) is True
    assert decode_json(b"12", String) == "12"
    assert decode_json(b"false", String) == "false"
    with pytest.raises(CtyError):
        decode_json(b'"yes"', Bool)
    with pytest.raises(CtyError):
        decode_json(b"[1]", String)


def test_object_attributes() -> None:
    ty = Object({"a": String, "b": Set(Number)})
    assert decode_json(b'{"a":"x"}', ty) == {"a": "x", "b": None}
    with pytest.raises(CtyError) as err:
        decode_json(b'{"a":"x","gone":1}', ty)
    assert str(err.value.path) == "gone"
    assert decode_json(b'{"a":"x","gone":1}', ty, ignore_extra_attributes=True) == {"a": "x", "b": None}
    assert decode_json(b'{"b":[1,1.0,2]}', ty)["b"] == [1, 2]
    with pytest.raises(CtyError) as err:
        decode_json(b'{"b":[1,"x"]}', ty)
    assert str(err.value.path) == "b"


def test_malformed_json() -> None:
    for bad in (b"", b"{", b"\xff", b"[1] x"):
        with pytest.raises(CtyError):
            decode_json(bad, List(Number))
