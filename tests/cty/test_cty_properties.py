"""Property tests: for random types and values, decode(encode(v)) equals v."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfprovider.cty import (
    UNKNOWN,
    Bool,
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
    decode_json,
    decode_msgpack,
    encode_json,
    encode_msgpack,
    type_from_json,
    type_to_json,
    values_equal,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.text(alphabet="abcdefghij_", min_size=1, max_size=4)


def cty_types(with_dynamic: bool = True) -> st.SearchStrategy[CtyType]:
    leaves = [String, Number, Bool] + ([Dynamic] if with_dynamic else [])

    def extend(inner: st.SearchStrategy[CtyType]) -> st.SearchStrategy[CtyType]:
        return st.one_of(
            inner.map(List),
            inner.map(Set),
            inner.map(Map),
            st.dictionaries(names, inner, max_size=4).flatmap(
                lambda attrs: (st.sets(st.sampled_from(sorted(attrs)), max_size=2) if attrs else st.just(set())).map(
                    lambda opt: Object(attrs, optional=opt)
                )
            ),
            st.lists(inner, max_size=3).map(Tuple),
        )

    return st.recursive(st.sampled_from(leaves), extend, max_leaves=6)


numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-(2**90), max_value=2**90),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
)


def refinements(ty: CtyType) -> st.SearchStrategy[Unknown]:
    options: dict[str, st.SearchStrategy[Any]] = {"not_null": st.just(True)}
    if ty == String:
        options["string_prefix"] = st.text(min_size=1, max_size=10)
    if ty == Number:
        options["number_lower"] = st.tuples(numbers, st.booleans())
        options["number_upper"] = st.tuples(numbers, st.booleans())
    if isinstance(ty, (List, Set, Map)):
        options["length_lower"] = st.integers(0, 50)
        options["length_upper"] = st.integers(0, 50)
    return st.fixed_dictionaries({}, optional=options).map(Unknown)


def known_values(ty: CtyType, unknowns: bool, depth: int) -> st.SearchStrategy[Any]:
    if ty == String:
        return st.text(max_size=8)
    if ty == Number:
        return numbers
    if ty == Bool:
        return st.booleans()
    if ty.is_dynamic():
        inner_types = cty_types(with_dynamic=depth < 2)
        return inner_types.flatmap(lambda t: values(t, unknowns, depth + 1).map(lambda v: DynamicVal(t, v)))
    if isinstance(ty, (List, Set)):
        return st.lists(values(ty.element_type, unknowns, depth), max_size=4)
    if isinstance(ty, Map):
        return st.dictionaries(st.text(max_size=4), values(ty.element_type, unknowns, depth), max_size=3)
    if isinstance(ty, Tuple):
        return st.tuples(*(values(t, unknowns, depth) for t in ty.element_types)).map(list)
    if isinstance(ty, Object):
        # attributes may be left out: they encode as null
        return st.fixed_dictionaries(
            {}, optional={k: values(t, unknowns, depth) for k, t in ty.attribute_types.items()}
        )
    raise AssertionError(ty)


def values(ty: CtyType, unknowns: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    choices = [st.none(), known_values(ty, unknowns, depth)]
    if unknowns:
        choices.append(st.just(UNKNOWN) | refinements(ty))
    return st.one_of(*choices)


def typed_values(unknowns: bool) -> st.SearchStrategy[tuple[CtyType, Any]]:
    return cty_types().flatmap(lambda t: st.tuples(st.just(t), values(t, unknowns)))


@SETTINGS
@given(cty_types())
def test_type_json_round_trip(ty: CtyType) -> None:
    wire = type_to_json(ty)
    assert type_from_json(wire) == ty
    assert type_to_json(type_from_json(wire)) == wire


@SETTINGS
@given(typed_values(unknowns=True))
def test_msgpack_round_trip(case: tuple[CtyType, Any]) -> None:
    ty, value = case
    data = encode_msgpack(value, ty)
    back = decode_msgpack(data, ty)
    assert values_equal(back, value, ty), (ty, value, back)
    # encoding what was decoded gives the same bytes (stable output)
    assert encode_msgpack(back, ty) == data


@SETTINGS
@given(typed_values(unknowns=False))
def test_json_round_trip(case: tuple[CtyType, Any]) -> None:
    ty, value = case
    back = decode_json(encode_json(value, ty), ty)
    assert values_equal(back, value, ty), (ty, value, back)
    # and the same value survives the other codec too
    assert values_equal(decode_msgpack(encode_msgpack(back, ty), ty), value, ty)
