"""cty: Terraform's type system and the DynamicValue codec (msgpack and JSON).

Knows nothing of protobuf: callers hand in the bytes of ``DynamicValue.msgpack`` /
``.json`` and a type, and get plain Python values back (see :mod:`.values` for the
representation), or the reverse.
"""
from __future__ import annotations

from typing import Any

from .json_codec import decode_json, encode_json
from .msgpack_codec import decode_msgpack, encode_msgpack
from .path import AttributePath, AttrStep, CtyError, IndexStep, KeyStep
from .types import (
    Bool,
    CtyType,
    Dynamic,
    DynamicPseudoType,
    List,
    Map,
    Number,
    Object,
    Set,
    String,
    Tuple,
    type_from_json,
    type_from_obj,
    type_to_json,
)
from .values import (
    REFINEMENT_KEYS,
    UNKNOWN,
    DynamicVal,
    Unknown,
    conform,
    is_known,
    is_wholly_known,
    values_equal,
)


def decode_dynamic_value(msgpack: bytes | None, json: bytes | None, ty: CtyType) -> Any:
    """Decode a DynamicValue: msgpack when present, else JSON; both empty is null."""
    if msgpack:
        return decode_msgpack(msgpack, ty)
    if json:
        return decode_json(json, ty)
    return None


__all__ = [
    "String", "Number", "Bool", "Dynamic", "DynamicPseudoType",
    "List", "Set", "Map", "Object", "Tuple",
    "CtyType", "type_to_json", "type_from_json", "type_from_obj",
    "UNKNOWN", "Unknown", "REFINEMENT_KEYS", "DynamicVal",
    "is_known", "is_wholly_known", "values_equal",
    "encode_msgpack", "decode_msgpack", "encode_json", "decode_json", "decode_dynamic_value",
    "AttributePath", "AttrStep", "KeyStep", "IndexStep",
    "CtyError", "conform",
]
