"""msgpack DynamicValue codec: fixed byte vectors and decoding rules."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgpack
import pytest

from tfprovider.cty import (
    UNKNOWN,
    Bool,
    CtyError,
    CtyType,
    Dynamic,
    DynamicVal,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    Unknown,
    decode_dynamic_value,
    decode_msgpack,
    encode_msgpack,
    values_equal,
)

H = bytes.fromhex


@pytest.mark.parametrize(
    ("value", "ty", "wire"),
    [
        (None, String, "c0"),
        (None, Object({"a": String}), "c0"),
        ("hi", String, "a2 6869"),
        ("", String, "a0"),
        (True, Bool, "c3"),
        (False, Bool, "c2"),
        (0, Number, "00"),
        (-1, Number, "ff"),
        (4094, Number, "cd 0ffe"),
        (2**63 - 1, Number, "cf 7fffffffffffffff"),
        (-(2**63), Number, "d3 8000000000000000"),
        (2**63, Number, "b3" + b"9223372036854775808".hex()),  # beyond int64: decimal string
        (-(2**64), Number, "b5" + b"-18446744073709551616".hex()),
        (1.5, Number, "cb 3ff8000000000000"),
        (Decimal("0.1"), Number, "a3 302e31"),  # precise decimal: string, never a lossy float
        (Decimal("1E+2"), Number, "64"),  # integral Decimal within int64: int
        (Decimal("-2.50"), Number, "a5 2d322e3530"),
        ([], List(String), "90"),
        (["a", None], List(String), "92 a161 c0"),
        ({}, Map(Number), "80"),
        ({"k": 1}, Map(Number), "81 a16b 01"),
        (["x", 2], Tuple([String, Number]), "92 a178 02"),
        # object: every declared attribute, missing ones as nil
        ({"id": "x"}, Object({"id": String, "name": String}), "82 a26964 a178 a46e616d65 c0"),
        ({}, Object({}), "80"),
        # dynamic: [bin JSON type, value]
        (DynamicVal(String, "hi"), Dynamic, "92 c408 22737472696e6722 a2 6869"),
        (DynamicVal(List(Bool), [True]), Dynamic, "92 c40f" + b'["list","bool"]'.hex() + "91 c3"),
        (DynamicVal(String, None), Dynamic, "92 c408 22737472696e6722 c0"),
        (DynamicVal(Number, UNKNOWN), Dynamic, "92 c408 226e756d62657222 d40000"),
        (None, Dynamic, "c0"),
        (UNKNOWN, Dynamic, "d40000"),
        # unknowns
        (UNKNOWN, String, "d40000"),
        (UNKNOWN, Set(Object({"a": String})), "d40000"),
        ({"a": UNKNOWN}, Object({"a": List(String)}), "81 a161 d40000"),
    ],
)
def test_encode_vectors(value: Any, ty: CtyType, wire: str) -> None:
    data = encode_msgpack(value, ty)
    assert data == H(wire)
    assert values_equal(decode_msgpack(data, ty), value, ty)


def test_bool_is_not_a_number_and_int_is_not_a_bool() -> None:
    with pytest.raises(CtyError, match="number is required, got a bool"):
        encode_msgpack(True, Number)
    with pytest.raises(CtyError, match="bool is required"):
        encode_msgpack(1, Bool)
    with pytest.raises(CtyError, match="number is required"):
        decode_msgpack(H("c3"), Number)
    with pytest.raises(CtyError, match="bool is required"):
        decode_msgpack(H("01"), Bool)
    assert decode_msgpack(H("c3"), Bool) is True
    assert decode_msgpack(H("01"), Number) == 1 and type(decode_msgpack(H("01"), Number)) is int


def test_decode_every_number_form() -> None:
    assert decode_msgpack(H("cf ffffffffffffffff"), Number) == 2**64 - 1  # uint64
    assert decode_msgpack(H("d3 8000000000000000"), Number) == -(2**63)
    assert decode_msgpack(H("ca 3fc00000"), Number) == 1.5  # float32
    assert decode_msgpack(H("cb 3ff8000000000000"), Number) == 1.5
    big = decode_msgpack(msgpack.packb("123456789012345678901234567890"), Number)
    assert big == 123456789012345678901234567890 and type(big) is int
    precise = decode_msgpack(msgpack.packb("3.14159265358979323846264338327950288"), Number)
    assert precise == Decimal("3.14159265358979323846264338327950288")
    assert decode_msgpack(msgpack.packb("1e3"), Number) == 1000
    for bad in ("NaN", "Infinity", "-inf", "12abc", ""):
        with pytest.raises(CtyError):
            decode_msgpack(msgpack.packb(bad), Number)
    with pytest.raises(CtyError):
        decode_msgpack(msgpack.packb(float("nan")), Number)
    with pytest.raises(CtyError):
        encode_msgpack(float("inf"), Number)
    with pytest.raises(CtyError):
        encode_msgpack(Decimal("NaN"), Number)


def test_big_values_round_trip_exactly() -> None:
    for n in (2**64, -(2**64) - 1, 10**40, Decimal("0.30000000000000000000000000001"), Decimal("-1E-70"), Decimal("9E+90")):
        back = decode_msgpack(encode_msgpack(n, Number), Number)
        assert back == n


@pytest.mark.parametrize(
    "wire",
    ["d40000", "d40500", "c70000", "c7000c", "d50000ff", "c70300010203", "d801" + "00" * 16],
)
def test_any_extension_decodes_as_unknown(wire: str) -> None:
    assert decode_msgpack(H(wire), String) == UNKNOWN
    assert isinstance(decode_msgpack(H(wire), List(Number)), Unknown)


def _ext12(payload: dict[int, Any]) -> bytes:
    return msgpack.packb(msgpack.ExtType(12, msgpack.packb(payload)))


def test_refined_unknown_from_terraform() -> None:
    # unknown string, not null, prefix "vlan-": ext8 type 12, payload {1: false, 2: "vlan-"}
    wire = H("c7 0a 0c 82 01 c2 02 a5 766c616e2d")
    got = decode_msgpack(wire, String)
    assert isinstance(got, Unknown)
    assert dict(got.refinements) == {"not_null": True, "string_prefix": "vlan-"}
    assert encode_msgpack(got, String) == wire  # re-encodes byte for byte

    # unknown number in [1, 4094]: {1: false, 3: [1, true], 4: [4094, true]}
    wire = H("c7 0d 0c 83 01 c2 03 92 01 c3 04 92 cd0ffe c3")
    got = decode_msgpack(wire, Number)
    assert dict(got.refinements) == {"not_null": True, "number_lower": (1, True), "number_upper": (4094, True)}
    assert encode_msgpack(got, Number) == wire

    # unknown list with 1..3 elements: {5: 1, 6: 3}
    wire = H("c7 05 0c 82 05 01 06 03")
    got = decode_msgpack(wire, List(String))
    assert dict(got.refinements) == {"length_lower": 1, "length_upper": 3}
    assert encode_msgpack(got, List(String)) == wire


def test_refinement_decoding_rules() -> None:
    # unknown keys are ignored
    assert decode_msgpack(_ext12({1: False, 99: "future"}), String) == Unknown({"not_null": True})
    assert decode_msgpack(_ext12({99: "future"}), String) == UNKNOWN
    # refinements that cannot apply to the type are dropped
    assert decode_msgpack(_ext12({2: "ab"}), Number) == UNKNOWN
    # an empty payload is a plain unknown
    assert decode_msgpack(H("c7000c"), String) == UNKNOWN
    # unknown dynamic values are never refined
    assert decode_msgpack(_ext12({1: False}), Dynamic) == UNKNOWN
    assert encode_msgpack(Unknown({"not_null": True}), Dynamic) == H("d40000")
    # "definitely null" means a known null
    assert decode_msgpack(_ext12({1: True}), String) is None
    # number bound of -inf is no bound
    assert decode_msgpack(_ext12({3: [float("-inf"), True], 4: [5.5, False]}), Number) == Unknown(
        {"number_upper": (5.5, False)}
    )
    # payload over 1 KiB rejected
    with pytest.raises(CtyError, match="too long"):
        decode_msgpack(_ext12({2: "x" * 1100}), String)
    with pytest.raises(CtyError):
        decode_msgpack(msgpack.packb(msgpack.ExtType(12, b"\xc1")), String)  # payload not msgpack
    with pytest.raises(CtyError, match="msgpack map"):
        decode_msgpack(msgpack.packb(msgpack.ExtType(12, msgpack.packb([1]))), String)


def test_refinement_encoding_rules() -> None:
    with pytest.raises(CtyError, match="string_prefix cannot apply"):
        encode_msgpack({"n": Unknown({"string_prefix": "a"})}, Object({"n": Number}))
    with pytest.raises(ValueError):
        Unknown({"colour": "red"})
    # a long prefix is cut to 256 bytes on a character boundary so the payload stays small
    got = decode_msgpack(encode_msgpack(Unknown({"string_prefix": "é" * 200}), String), String)
    assert got.refinements["string_prefix"] == "é" * 128
    # refinements without content are a plain unknown
    assert Unknown({"not_null": False, "string_prefix": ""}) == UNKNOWN
    assert encode_msgpack(Unknown({}), String) == H("d40000")


def test_object_decoding() -> None:
    ty = Object({"id": String, "tags": Map(String), "ports": List(Number)})
    # missing attributes decode as null
    assert decode_msgpack(H("81 a26964 a178"), ty) == {"id": "x", "tags": None, "ports": None}
    with pytest.raises(CtyError) as err:
        decode_msgpack(msgpack.packb({"id": "x", "bogus": 1}), ty)
    assert str(err.value.path) == "bogus"
    with pytest.raises(CtyError) as err:
        decode_msgpack(msgpack.packb({"ports": [1, "two"]}), ty)
    assert str(err.value.path) == "ports[1]"
    with pytest.raises(CtyError) as err:
        decode_msgpack(msgpack.packb({"tags": {"k": 3}}), ty)
    assert str(err.value.path) == 'tags["k"]'
    with pytest.raises(CtyError, match="msgpack map"):
        decode_msgpack(msgpack.packb([1]), ty)
    with pytest.raises(CtyError, match="keys must be strings"):
        decode_msgpack(msgpack.packb({1: 2}), Map(Number))


def test_nested_sets_of_objects() -> None:
    block = Object({"vlan": Number, "members": Set(String)})
    ty = Object({"vlans": Set(block)})
    value = {
        "vlans": [
            {"vlan": 10, "members": ["a", "b", "a"]},
            {"vlan": 10.0, "members": ["b", "a"]},  # equal to the first one
            {"vlan": 20, "members": []},
            {"vlan": UNKNOWN, "members": []},
            {"vlan": UNKNOWN, "members": []},  # unknowns never collapse
        ]
    }
    data = encode_msgpack(value, ty)
    raw = msgpack.unpackb(data, raw=False, ext_hook=lambda c, d: ("ext", c))
    assert len(raw["vlans"]) == 4
    assert raw["vlans"][0] == {"members": ["a", "b"], "vlan": 10}
    back = decode_msgpack(data, ty)
    assert values_equal(back, value, ty)
    reordered = {"vlans": list(reversed(back["vlans"]))}
    assert values_equal(reordered, value, ty)
    assert not values_equal({"vlans": back["vlans"][:3]}, value, ty)
    # decoding de-duplicates what a peer sent twice
    dup = msgpack.packb([{"vlan": 1, "members": None}, {"vlan": 1, "members": None}])
    assert decode_msgpack(dup, Set(block)) == [{"vlan": 1, "members": None}]


def test_set_dedupes_numbers_numerically() -> None:
    data = encode_msgpack([1, 1.0, Decimal("1.00"), 2], Set(Number))
    assert msgpack.unpackb(data) == [1, 2]


def test_dynamic_decoding() -> None:
    assert decode_msgpack(H("92 c408 22737472696e6722 a2 6869"), Dynamic) == DynamicVal(String, "hi")
    # a str header is tolerated too
    assert decode_msgpack(msgpack.packb(['"bool"', True]), Dynamic) == DynamicVal(Bool, True)
    nested = msgpack.packb([b'["object",{"a":"dynamic"}]', {"a": [b'"number"', 7]}], use_bin_type=True)
    assert decode_msgpack(nested, Dynamic) == DynamicVal(Object({"a": Dynamic}), {"a": DynamicVal(Number, 7)})
    for bad in ([b'"string"'], "hi", [b'"nonsense"', 1], [5, 1]):
        with pytest.raises(CtyError):
            decode_msgpack(msgpack.packb(bad, use_bin_type=True), Dynamic)
    with pytest.raises(CtyError, match="DynamicVal"):
        encode_msgpack("plain", Dynamic)


def test_tuples() -> None:
    ty = Tuple([String, Number, Dynamic])
    value = ["a", 1, DynamicVal(Set(String), ["x"])]
    assert values_equal(decode_msgpack(encode_msgpack(value, ty), ty), value, ty)
    with pytest.raises(CtyError, match="tuple of 3"):
        encode_msgpack(["a", 1], ty)
    with pytest.raises(CtyError, match="tuple of 3"):
        decode_msgpack(msgpack.packb(["a"]), ty)


def test_malformed_input() -> None:
    for bad in (b"", b"\xc1", b"\x92\x01", b"\x01\x02", b"\xa2\xff\xfe"):
        with pytest.raises(CtyError):
            decode_msgpack(bad, List(Number) if bad.startswith(b"\x92") else Number)
    with pytest.raises(CtyError, match="string is required"):
        decode_msgpack(H("01"), String)


def test_decode_dynamic_value_picks_the_present_encoding() -> None:
    ty = Object({"a": String})
    assert decode_dynamic_value(b"", b"", ty) is None
    assert decode_dynamic_value(None, None, ty) is None
    assert decode_dynamic_value(H("81 a161 a178"), b"", ty) == {"a": "x"}
    assert decode_dynamic_value(b"", b'{"a":"y"}', ty) == {"a": "y"}
    assert decode_dynamic_value(H("81 a161 a178"), b'{"a":"y"}', ty) == {"a": "x"}
