"""The JSON form of DynamicValue (``RawState.json`` in UpgradeResourceState, and accepted
as input when ``msgpack`` is empty). JSON cannot carry unknown values."""
from __future__ import annotations

import json
from decimal import Decimal
from itertools import repeat
from typing import Any

from .msgpack_codec import decimal_text, parse_number_text
from .path import ROOT, AttributePath, CtyError, KeyStep, attr_step, utf8_text
from .types import Bool, CtyType, List, Map, Number, Object, Set, String, Tuple, _Primitive, type_from_obj
from .values import (
    DynamicVal,
    Unknown,
    check_object_keys,
    check_tuple_length,
    collect_items,
    collect_list,
    conform,
    conform_string,
    dedupe_set,
    set_elements,
)

# ---------------------------------------------------------------------------------------
# encoding

def encode_json(value: Any, ty: CtyType) -> bytes:
    """Encode ``value`` (conformed against ``ty`` first) as compact JSON bytes."""
    out: list[str] = []
    _write(conform(value, ty), ty, ROOT, out)
    return "".join(out).encode("utf-8")


def _write(value: Any, ty: CtyType, path: AttributePath, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, Unknown):
        raise CtyError("unknown values cannot be represented in JSON", path)
    elif ty.is_dynamic():
        out.append('{"value":')
        _write(value.value, value.type, path, out)
        out.append(',"type":')
        out.append(json.dumps(value.type._json_obj(), separators=(",", ":"), ensure_ascii=False))
        out.append("}")
    elif ty == String:
        out.append(json.dumps(value, ensure_ascii=False))
    elif ty == Number:
        out.append(_number_text(value))
    elif ty == Bool:
        out.append("true" if value else "false")
    elif isinstance(ty, Set):
        with set_elements(path) as inner:
            _write_array(value, [ty.element_type] * len(value), inner, out, indexed=False)
    elif isinstance(ty, (List, Tuple)):
        types = ty.element_types if isinstance(ty, Tuple) else [ty.element_type] * len(value)
        _write_array(value, types, path, out, indexed=True)
    elif isinstance(ty, (Map, Object)):
        items = value.items() if isinstance(ty, Map) else ((k, value[k]) for k in ty.attribute_types)
        out.append("{")
        for i, (k, v) in enumerate(items):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            if isinstance(ty, Map):
                _write(v, ty.element_type, path.key(k), out)
            else:
                _write(v, ty.attribute_types[k], path.attr(k), out)
        out.append("}")
    else:
        raise TypeError(f"unsupported type {ty!r}")


def _write_array(items: list[Any], types: Any, path: AttributePath, out: list[str], *, indexed: bool) -> None:
    out.append("[")
    for i, (v, t) in enumerate(zip(items, types)):
        if i:
            out.append(",")
        _write(v, t, path.index(i) if indexed else path, out)
    out.append("]")


def _number_text(n: int | float | Decimal) -> str:
    if isinstance(n, int):
        return str(n)
    if isinstance(n, float):
        return repr(n)  # shortest round-trip form; finite (conform rejected NaN/inf)
    return decimal_text(n)


# ---------------------------------------------------------------------------------------
# decoding

def decode_json(data: bytes | str, ty: CtyType, *, ignore_extra_attributes: bool = False) -> Any:
    """Decode DynamicValue JSON against ``ty``; raises CtyError naming the path.

    ``ignore_extra_attributes`` drops object attributes the type does not declare (useful
    for state written by an older schema); by default they are an error.
    """
    text = utf8_text(data, "JSON value")
    try:
        raw = json.loads(text, parse_float=Decimal, parse_int=_parse_int, parse_constant=_reject_constant)
    except CtyError:
        raise
    except ValueError as exc:
        raise CtyError(f"invalid JSON value: {exc}") from None
    return _from_json(raw, ty, ignore_extra_attributes)


def _parse_int(text: str) -> int | Decimal:
    try:
        return int(text)
    except ValueError:  # beyond Python's int-from-str digit limit
        return Decimal(text)


def _reject_constant(name: str) -> Any:
    raise CtyError(f"{name} is not a valid number")


def _from_json(raw: Any, ty: CtyType, lenient: bool) -> Any:
    """The value of ``raw`` read as ``ty``; error paths are relative to ``raw`` (built while an
    error unwinds, :meth:`CtyError.under`)."""
    if raw is None:
        return None
    if type(ty) is _Primitive:
        name = ty._name
        if name == "string":
            # cty's JSON decoder converts primitives to the wanted type
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            elif isinstance(raw, (int, Decimal)):
                raw = str(raw)
            if not isinstance(raw, str):
                raise CtyError(f"a string is required, got {_json_kind(raw)}")
            return conform_string(raw)
        if name == "number":
            if isinstance(raw, str):
                return parse_number_text(raw, ROOT)
            if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
                raise CtyError(f"a number is required, got {_json_kind(raw)}")
            return raw
        if name == "bool":
            if raw in ("true", "false"):
                return raw == "true"
            if not isinstance(raw, bool):
                raise CtyError(f"a bool is required, got {_json_kind(raw)}")
            return raw
        return _dynamic_from_json(raw, lenient)

    def decode(v: Any, t: CtyType) -> Any:
        return _from_json(v, t, lenient)

    if isinstance(ty, (List, Set, Tuple)):
        if not isinstance(raw, list):
            raise CtyError(f"{ty.a_name()} is required (JSON array), got {_json_kind(raw)}")
        if isinstance(ty, Set):
            et = ty.element_type
            with set_elements(ROOT):
                return dedupe_set([decode(v, et) for v in raw], et)
        if isinstance(ty, Tuple):
            check_tuple_length(raw, ty, ROOT)
            return collect_list(decode, raw, ty.element_types)
        return collect_list(decode, raw, repeat(ty.element_type))
    if isinstance(ty, (Map, Object)):
        if not isinstance(raw, dict):
            raise CtyError(f"{ty.a_name()} is required (JSON object), got {_json_kind(raw)}")
        if isinstance(ty, Map):
            et = ty.element_type
            return collect_items(decode, ((k, v, et) for k, v in raw.items()), KeyStep)
        if not lenient:
            check_object_keys(raw, ty, ROOT)
        return collect_items(decode, ((k, raw.get(k), t) for k, t in ty.attribute_types.items()), attr_step)
    raise TypeError(f"unsupported type {ty!r}")


def _dynamic_from_json(raw: Any, lenient: bool) -> Any:
    if not isinstance(raw, dict) or set(raw) != {"type", "value"}:
        raise CtyError('a dynamic value must be a JSON object {"type": ..., "value": ...}')
    try:
        real_type = type_from_obj(raw["type"])
    except CtyError as exc:
        raise CtyError(f"dynamic value has an invalid type: {exc.message}") from None
    value = _from_json(raw["value"], real_type, lenient)
    return value if real_type.is_dynamic() else DynamicVal(real_type, value)


def _json_kind(raw: Any) -> str:
    return {bool: "bool", int: "number", Decimal: "number", str: "string", list: "array", dict: "object"}.get(
        type(raw), type(raw).__name__
    )
