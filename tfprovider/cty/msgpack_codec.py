"""The msgpack form of DynamicValue (what Terraform sends and what we must send back).

Schema-driven: the type says how to read every element. Unknowns are msgpack
extensions: any extension type decodes as unknown, type 12 carries refinements.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from itertools import repeat
from typing import Any

import msgpack

from .path import ROOT, AttributePath, CtyError, KeyStep, attr_step
from .types import CtyType, List, Map, Number, Object, Set, Tuple, _Primitive, type_from_json, type_to_json
from .values import (
    UNKNOWN,
    DynamicVal,
    Unknown,
    check_object_keys,
    check_tuple_length,
    collect_items,
    collect_list,
    conform,
    conform_string,
    dedupe_set,
    refinement_applies,
    set_elements,
)

UNKNOWN_BYTES = b"\xd4\x00\x00"  # fixext1, ext type 0, one zero byte (what go-cty writes)
REFINED_UNKNOWN_EXT = 12
MAX_REFINEMENT_PAYLOAD = 1024
MAX_STRING_PREFIX_BYTES = 256  # go-cty's own limit, keeps the payload far below 1 KiB

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_REFINEMENT_CODES = {
    1: "not_null",
    2: "string_prefix",
    3: "number_lower",
    4: "number_upper",
    5: "length_lower",
    6: "length_upper",
}
_REFINEMENT_NUMBERS = {name: code for code, name in _REFINEMENT_CODES.items()}
_INT_TEXT = re.compile(r"-?[0-9]+")


class _Ext:
    """A msgpack extension as read, interpreted later when the type and path are known."""

    __slots__ = ("code", "data")

    def __init__(self, code: int, data: bytes) -> None:
        self.code = code
        self.data = data


_UNKNOWN_EXT = msgpack.ExtType(0, b"\x00")


# ---------------------------------------------------------------------------------------
# encoding

def encode_msgpack(value: Any, ty: CtyType) -> bytes:
    """Encode ``value`` (conformed against ``ty`` first) as DynamicValue msgpack."""
    wire = _to_wire(conform(value, ty), ty)
    return msgpack.packb(wire, use_bin_type=True)


def number_to_wire(n: int | float | Decimal) -> int | float | str:
    """int64 as int, float as float64, anything bigger or more precise as a decimal string."""
    if isinstance(n, int):
        return n if _INT64_MIN <= n <= _INT64_MAX else str(n)
    if isinstance(n, float):
        return n
    if n == n.to_integral_value():
        i = int(n)
        if _INT64_MIN <= i <= _INT64_MAX:
            return i
    return decimal_text(n)


def decimal_text(d: Decimal) -> str:
    """Positional notation where reasonable (what go-cty writes), scientific for extreme exponents."""
    if abs(d.adjusted()) <= 64:
        return format(d, "f")
    return str(d)


def _to_wire(value: Any, ty: CtyType) -> Any:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return _unknown_to_wire(value, ty)
    if type(ty) is _Primitive:
        name = ty._name
        if name == "number":
            return number_to_wire(value)
        if name == "dynamic":
            return [type_to_json(value.type), _to_wire(value.value, value.type)]
        return value
    if isinstance(ty, Object):
        return {k: _to_wire(value[k], t) for k, t in ty.attribute_types.items()}
    if isinstance(ty, (List, Set)):
        et = ty.element_type
        return [_to_wire(v, et) for v in value]
    if isinstance(ty, Tuple):
        return [_to_wire(v, t) for v, t in zip(value, ty.element_types)]
    if isinstance(ty, Map):
        et = ty.element_type
        return {k: _to_wire(v, et) for k, v in value.items()}
    raise TypeError(f"unsupported type {ty!r}")


def _unknown_to_wire(value: Unknown, ty: CtyType) -> msgpack.ExtType:
    if not value.refinements or ty.is_dynamic():
        return _UNKNOWN_EXT
    payload: dict[int, Any] = {}
    for name, v in value.refinements.items():
        code = _REFINEMENT_NUMBERS[name]
        if name == "not_null":
            payload[code] = False  # "is null: false" in go-cty's encoding
        elif name == "string_prefix":
            payload[code] = _truncate_utf8(v, MAX_STRING_PREFIX_BYTES)
        elif name in ("number_lower", "number_upper"):
            payload[code] = [number_to_wire(v[0]), v[1]]
        else:
            payload[code] = v
    return msgpack.ExtType(REFINED_UNKNOWN_EXT, msgpack.packb(dict(sorted(payload.items())), use_bin_type=True))


def _truncate_utf8(s: str, limit: int) -> str:
    raw = s.encode("utf-8")
    if len(raw) <= limit:
        return s
    return raw[:limit].decode("utf-8", errors="ignore")


# ---------------------------------------------------------------------------------------
# decoding

def decode_msgpack(data: bytes, ty: CtyType) -> Any:
    """Decode DynamicValue msgpack against ``ty``; raises CtyError naming the path."""
    raw = _unpack(data, "value")
    return _from_wire(raw, ty)


def _unpack(data: bytes, what: str) -> Any:
    try:
        return msgpack.unpackb(bytes(data), raw=False, ext_hook=_Ext, strict_map_key=False)
    except CtyError:
        raise
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        # ExtraData, FormatError, StackError and UnicodeDecodeError are ValueErrors
        raise CtyError(f"invalid msgpack {what}: {type(exc).__name__}: {exc}") from None


def _from_wire(raw: Any, ty: CtyType) -> Any:
    """The value of ``raw`` read as ``ty``. Paths are relative to ``raw`` and built only for an
    error, while it unwinds (:meth:`CtyError.under`)."""
    if raw is None:
        return None
    if type(raw) is _Ext:
        return _unknown_from_wire(raw, ty, ROOT)
    if type(ty) is _Primitive:
        name = ty._name
        if name == "string":
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise CtyError("string is not valid UTF-8") from None
            if not isinstance(raw, str):
                raise CtyError(f"a string is required, got {_wire_kind(raw)}")
            return conform_string(raw)
        if name == "number":
            return number_from_wire(raw, ROOT)
        if name == "bool":
            if not isinstance(raw, bool):
                raise CtyError(f"a bool is required, got {_wire_kind(raw)}")
            return raw
        return _dynamic_from_wire(raw, ROOT)
    if isinstance(ty, Object):
        mapping = _wire_map(raw, ty, ROOT)
        check_object_keys(mapping, ty, ROOT)
        return collect_items(_from_wire, ((k, mapping.get(k), t) for k, t in ty.attribute_types.items()), attr_step)
    if isinstance(ty, List):
        return collect_list(_from_wire, _wire_array(raw, ty, ROOT), repeat(ty.element_type))
    if isinstance(ty, Set):
        et = ty.element_type
        items = _wire_array(raw, ty, ROOT)
        with set_elements(ROOT):
            return dedupe_set([_from_wire(v, et) for v in items], et)
    if isinstance(ty, Tuple):
        items = _wire_array(raw, ty, ROOT)
        check_tuple_length(items, ty, ROOT)
        return collect_list(_from_wire, items, ty.element_types)
    if isinstance(ty, Map):
        et = ty.element_type
        return collect_items(_from_wire, ((k, v, et) for k, v in _wire_map(raw, ty, ROOT).items()), KeyStep)
    raise TypeError(f"unsupported type {ty!r}")


def number_from_wire(raw: Any, path: AttributePath) -> int | float | Decimal:
    """Accept every number form cty writes: int, uint, float32/64, decimal string."""
    if isinstance(raw, bool):
        raise CtyError("a number is required, got a bool", path)
    if isinstance(raw, (int, float)):
        return conform(raw, Number, path)
    if isinstance(raw, str):
        return parse_number_text(raw, path)
    raise CtyError(f"a number is required, got {_wire_kind(raw)}", path)


def parse_number_text(text: str, path: AttributePath) -> int | Decimal:
    """A decimal string as cty writes big/precise numbers: int when it is one, else Decimal."""
    s = text.strip()
    if _INT_TEXT.fullmatch(s):
        try:
            return int(s)
        except ValueError:  # beyond Python's int-from-str digit limit
            pass
    try:
        d = Decimal(s)
    except ArithmeticError:
        raise CtyError(f"{text[:64]!r} is not a valid number", path) from None
    if not d.is_finite():
        raise CtyError(f"{text[:64]!r} is not a valid number (NaN and infinities are not allowed)", path)
    return d


def _dynamic_from_wire(raw: Any, path: AttributePath) -> Any:
    if not isinstance(raw, list) or len(raw) != 2:
        raise CtyError("a dynamic value must be a [type, value] pair", path)
    header, inner = raw
    if not isinstance(header, (bytes, str)):
        raise CtyError(f"dynamic value type must be JSON bytes, got {_wire_kind(header)}", path)
    try:
        real_type = type_from_json(header)
    except CtyError as exc:
        raise CtyError(f"dynamic value has an invalid type: {exc.message}", path) from None
    try:
        value = _from_wire(inner, real_type)
    except CtyError as exc:
        exc.under(*path.steps)
        raise
    return value if real_type.is_dynamic() else DynamicVal(real_type, value)


def _unknown_from_wire(ext: _Ext, ty: CtyType, path: AttributePath) -> Unknown | None:
    if ext.code != REFINED_UNKNOWN_EXT or ty.is_dynamic():
        return UNKNOWN
    if len(ext.data) > MAX_REFINEMENT_PAYLOAD:
        raise CtyError(f"unknown value refinements too long ({len(ext.data)} bytes, limit {MAX_REFINEMENT_PAYLOAD})", path)
    if not ext.data:
        return UNKNOWN
    payload = _unpack(ext.data, "unknown value refinements")
    if not isinstance(payload, dict):
        raise CtyError("unknown value refinements must be a msgpack map", path)
    refinements: dict[str, Any] = {}
    for code, v in payload.items():
        name = _REFINEMENT_CODES.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
        if name is None or not refinement_applies(name, ty):
            continue  # unknown keys are ignored, as are ones that cannot apply to this type
        if name == "not_null":
            if not isinstance(v, bool):
                raise CtyError("refinement nullness must be a bool", path)
            if v:
                return None  # "definitely null": cty turns such an unknown into a known null
            refinements[name] = True
        elif name == "string_prefix":
            if not isinstance(v, str):
                raise CtyError("refinement string prefix must be a string", path)
            refinements[name] = v
        elif name in ("number_lower", "number_upper"):
            if not isinstance(v, list) or len(v) != 2 or not isinstance(v[1], bool):
                raise CtyError("refinement number bound must be a [number, inclusive] pair", path)
            if isinstance(v[0], float) and not math.isfinite(v[0]):  # +/-inf: no bound at all
                continue
            refinements[name] = (number_from_wire(v[0], path), v[1])
        else:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise CtyError("refinement length bound must be a non-negative integer", path)
            refinements[name] = v
    return Unknown(refinements) if refinements else UNKNOWN


def _wire_array(raw: Any, ty: CtyType, path: AttributePath) -> list[Any]:
    if not isinstance(raw, list):
        raise CtyError(f"{ty.a_name()} is required (msgpack array), got {_wire_kind(raw)}", path)
    return raw


def _wire_map(raw: Any, ty: CtyType, path: AttributePath) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CtyError(f"{ty.a_name()} is required (msgpack map), got {_wire_kind(raw)}", path)
    for k in raw:
        if not isinstance(k, str):
            raise CtyError(f"keys must be strings, got {_wire_kind(k)}", path)
    return raw


def _wire_kind(raw: Any) -> str:
    if isinstance(raw, _Ext):
        return f"extension type {raw.code}"
    return {
        bool: "bool", int: "integer", float: "float", str: "string", bytes: "binary", list: "array", dict: "map",
    }.get(type(raw), type(raw).__name__)
