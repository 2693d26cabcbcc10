"""cty values as plain Python data, plus the two things Python has no word for.

Representation: null = ``None``; string = ``str``; number = ``int``/``float``/``Decimal``;
bool = ``bool``; list/set/tuple = ``list``; map/object = ``dict``; unknown = an
:class:`Unknown`; a value in a ``Dynamic`` slot = :class:`DynamicVal` (or ``None`` /
an Unknown when its type is not known either).
"""
from __future__ import annotations

import math
import numbers
import unicodedata
from collections import Counter
from collections.abc import Mapping as _AbcMapping
from contextlib import contextmanager
from decimal import Decimal
from itertools import repeat
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

from .path import ROOT, AttributePath, CtyError, IndexStep, KeyStep
from .path import attr_step as _attr_step
from .types import Bool, CtyType, Dynamic, List, Map, Number, Object, Set, String, Tuple, _Collection, _Primitive

# Refinement names (msgpack ext 12 keys in brackets):
#   not_null      [1]    True: the final value will not be null
#   string_prefix [2]    str: the final string starts with this
#   number_lower  [3]    (number, inclusive): lower bound of the final number
#   number_upper  [4]    (number, inclusive): upper bound
#   length_lower  [5]    int: minimum collection length
#   length_upper  [6]    int: maximum collection length
REFINEMENT_KEYS = ("not_null", "string_prefix", "number_lower", "number_upper", "length_lower", "length_upper")


class Unknown:
    """A value that is not known yet (during plan). Optionally refined.

    ``Unknown()`` / :data:`UNKNOWN` is the plain unknown; ``refinements`` is a read-only
    mapping (or None) with keys from :data:`REFINEMENT_KEYS`. Test with
    ``isinstance(v, Unknown)``. Equality compares refinements.
    """

    __slots__ = ("refinements",)
    refinements: Mapping[str, Any] | None

    def __init__(self, refinements: Mapping[str, Any] | None = None) -> None:
        clean = _check_refinements(refinements) if refinements else {}
        object.__setattr__(self, "refinements", MappingProxyType(clean) if clean else None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Unknown is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Unknown):
            return NotImplemented
        return _refinement_key(self) == _refinement_key(other)

    def __hash__(self) -> int:
        return hash(_refinement_key(self))

    def __repr__(self) -> str:
        if not self.refinements:
            return "UNKNOWN"
        return f"Unknown({dict(self.refinements)!r})"

    def __reduce__(self) -> Any:
        return (Unknown, (dict(self.refinements) if self.refinements else None,))


UNKNOWN = Unknown()


def _check_number(value: Any, path: AttributePath = ROOT) -> int | float | Decimal:
    if isinstance(value, bool):
        raise CtyError("a number is required, got a bool", path)
    if isinstance(value, int):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CtyError(f"{value!r} is not a valid number (NaN and infinities are not allowed)", path)
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CtyError(f"{value} is not a valid number (NaN and infinities are not allowed)", path)
        return value
    raise CtyError(f"a number is required, got {type(value).__name__}", path)


def _check_refinements(refinements: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in refinements.items():
        if key == "not_null":
            if not isinstance(value, bool):
                raise ValueError("refinement not_null must be a bool")
            if value:
                out[key] = True
        elif key == "string_prefix":
            if not isinstance(value, str):
                raise ValueError("refinement string_prefix must be a str")
            if value:
                out[key] = value
        elif key in ("number_lower", "number_upper"):
            if not isinstance(value, (tuple, list)) or len(value) != 2 or not isinstance(value[1], bool):
                raise ValueError(f"refinement {key} must be a (number, inclusive) pair")
            out[key] = (_check_number(value[0]), value[1])
        elif key in ("length_lower", "length_upper"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"refinement {key} must be a non-negative int")
            out[key] = value
        else:
            raise ValueError(f"unknown refinement {key!r} (expected one of {', '.join(REFINEMENT_KEYS)})")
    return out


def _refinement_key(unknown: Unknown) -> Any:
    if not unknown.refinements:
        return ("?",)
    items = []
    for key in REFINEMENT_KEYS:
        if key in unknown.refinements:
            value = unknown.refinements[key]
            if key in ("number_lower", "number_upper"):
                value = (number_key(value[0]), value[1])
            items.append((key, value))
    return ("?", tuple(items))


def refinement_applies(key: str, ty: CtyType) -> bool:
    """Whether a refinement makes sense for a value of ``ty`` (dynamic: none do)."""
    if ty.is_dynamic():
        return False
    if key == "not_null":
        return True
    if key == "string_prefix":
        return ty == String
    if key in ("number_lower", "number_upper"):
        return ty == Number
    return isinstance(ty, _Collection)


class DynamicVal:
    """A value whose type is only known at run time, for ``Dynamic``-typed slots.

    ``DynamicVal(List(String), ["a"])``. ``value`` follows ``type`` (it may be None or
    an Unknown: a null/unknown value whose type is nevertheless known).
    """

    __slots__ = ("type", "value")
    type: CtyType
    value: Any

    def __init__(self, type: CtyType, value: Any) -> None:  # noqa: A002 - mirrors the wire form
        if not isinstance(type, CtyType):
            raise TypeError(f"DynamicVal type must be a CtyType, got {type!r}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "value", value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DynamicVal is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DynamicVal):
            return NotImplemented
        return values_equal(self, other, Dynamic)

    def __hash__(self) -> int:
        return hash(canonical_key(conform(self, Dynamic), Dynamic))

    def __repr__(self) -> str:
        return f"DynamicVal({self.type!r}, {self.value!r})"

    def __reduce__(self) -> Any:
        return (DynamicVal, (self.type, self.value))


def is_known(value: Any) -> bool:
    """False for an unknown (also an unknown inside a DynamicVal); nested parts are not checked."""
    if isinstance(value, DynamicVal):
        value = value.value
    return not isinstance(value, Unknown)


_LEAVES = frozenset({str, int, float, bool, type(None), Decimal})


def is_wholly_known(value: Any) -> bool:
    """True when neither the value nor anything inside it is unknown."""
    t = type(value)
    if t is dict:
        items: Any = value.values()
    elif t is list:
        items = value
    elif t in _LEAVES:
        return True
    elif isinstance(value, Unknown):
        return False
    elif isinstance(value, DynamicVal):
        return is_wholly_known(value.value)
    elif isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, _AbcMapping):
        items = value.values()
    else:
        return True
    for v in items:
        if type(v) not in _LEAVES and not is_wholly_known(v):
            return False
    return True


def number_key(n: int | float | Decimal) -> int | Decimal:
    """Numbers compared by decimal value; a float counts as its shortest repr (0.1 == Decimal('0.1'))."""
    if isinstance(n, float):
        return Decimal(repr(n))
    return n


def canonical_key(value: Any, ty: CtyType) -> Any:
    """A hashable key equal for equal values of ``ty``; ``value`` must already be conformed."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return _refinement_key(value)
    if type(ty) is _Primitive:
        name = ty._name
        if name == "string":
            return value
        if name == "number":
            return number_key(value)
        if name == "bool":
            return ("b", value)
        return ("d", value.type, canonical_key(value.value, value.type))
    if isinstance(ty, Object):
        return ("o", tuple(canonical_key(value[k], t) for k, t in ty.attribute_types.items()))
    if isinstance(ty, List):
        et = ty.element_type
        return ("l", tuple(canonical_key(v, et) for v in value))
    if isinstance(ty, Tuple):
        return ("l", tuple(canonical_key(v, t) for v, t in zip(value, ty.element_types)))
    if isinstance(ty, Set):
        et = ty.element_type
        return ("s", frozenset(Counter(canonical_key(v, et) for v in value).items()))
    if isinstance(ty, Map):
        et = ty.element_type
        return ("m", frozenset((k, canonical_key(v, et)) for k, v in value.items()))
    raise TypeError(f"unsupported type {ty!r}")


def values_equal(a: Any, b: Any, ty: CtyType) -> bool:
    """Structural equality of two values of ``ty``.

    Sets compare as sets, numbers numerically, strings after NFC normalisation, a missing
    object attribute equals null, and two unknowns are equal when their refinements are.
    Raises CtyError if either value does not conform to ``ty``.
    """
    return canonical_key(conform(a, ty), ty) == canonical_key(conform(b, ty), ty)


# ---------------------------------------------------------------------------------------
# conformance

def conform(value: Any, ty: CtyType, path: AttributePath = ROOT) -> Any:
    """Check ``value`` against ``ty`` and return it normalised.

    Normalisation: strings to NFC (as cty does), tuples/sets given as Python tuples or
    sets become lists, set duplicates (wholly known and equal) are removed, objects get
    every declared attribute (missing ones null), ints of other integral types become int.
    Refinements that cannot apply to ``ty`` raise; unknown dynamic values lose theirs.
    Raises :class:`CtyError` naming the path of the first offending value (``path`` + the
    position inside ``value``).
    """
    try:
        return _conform(value, ty)
    except CtyError as exc:
        exc.under(*path.steps)
        raise


def _conform(value: Any, ty: CtyType) -> Any:
    """:func:`conform` relative to ``value``: errors carry the path inside it (see CtyError.under)."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        return _conform_unknown(value, ty, ROOT)
    tt = type(ty)
    if tt is _Primitive:
        name = ty._name  # type: ignore[attr-defined]
        if name == "dynamic":
            if not isinstance(value, DynamicVal):
                raise CtyError(
                    f"a value of dynamic type must be given as DynamicVal(type, value), got {type(value).__name__}"
                )
            if value.type.is_dynamic():
                return _conform(value.value, Dynamic)
            return DynamicVal(value.type, _conform(value.value, value.type))
        if isinstance(value, DynamicVal):
            raise CtyError(f"a DynamicVal is only allowed where any type is accepted; {ty.friendly_name()} is required")
        if name == "string":
            return conform_string(value)
        if name == "number":
            return _check_number(value)
        if not isinstance(value, bool):
            raise CtyError(f"a bool is required, got {type(value).__name__}")
        return value
    if isinstance(value, DynamicVal):
        raise CtyError(f"a DynamicVal is only allowed where any type is accepted; {ty.friendly_name()} is required")
    if isinstance(ty, Object):
        mapping = _mapping(value, ty, ROOT)
        check_object_keys(mapping, ty, ROOT)
        return collect_items(_conform, ((k, mapping.get(k), t) for k, t in ty.attribute_types.items()), _attr_step)
    if isinstance(ty, List):
        return collect_list(_conform, _sequence(value, ty, ROOT), repeat(ty.element_type))
    if isinstance(ty, Tuple):
        items = _sequence(value, ty, ROOT)
        check_tuple_length(items, ty, ROOT)
        return collect_list(_conform, items, ty.element_types)
    if isinstance(ty, Set):
        if isinstance(value, (set, frozenset)):
            value = list(value)
        items = _sequence(value, ty, ROOT)
        et = ty.element_type
        with set_elements(ROOT):
            return dedupe_set([_conform(v, et) for v in items], et)
    if isinstance(ty, Map):
        mapping = _mapping(value, ty, ROOT)
        et = ty.element_type
        return collect_items(_conform, ((k, v, et) for k, v in mapping.items()), KeyStep)
    raise TypeError(f"unsupported type {ty!r}")


def collect_items(fn: Callable[[Any, CtyType], Any], items: Iterable[tuple[Any, Any, CtyType]],
                  step: Callable[[Any], Any]) -> dict:
    """``{k: fn(v, t)}`` for the ``(k, v, t)`` of ``items`` (null and plain leaves are taken
    as they are); a CtyError from ``fn`` is put under ``step(k)``. The walkers of this package
    build no path unless a value is reported."""
    out = {}
    for k, v, t in items:
        if v is None or plain_leaf(v, t):
            out[k] = v
            continue
        try:
            out[k] = fn(v, t)
        except CtyError as exc:
            exc.under(step(k))
            raise
    return out


def collect_list(fn: Callable[[Any, CtyType], Any], values: Iterable[Any], types: Iterable[CtyType]) -> list:
    """``[fn(v, t)]`` over ``values`` and ``types`` side by side, as :func:`collect_items`
    (an error is put under the element's index)."""
    out = []
    for i, (v, t) in enumerate(zip(values, types)):
        if v is None or plain_leaf(v, t):
            out.append(v)
            continue
        try:
            out.append(fn(v, t))
        except CtyError as exc:
            exc.under(IndexStep(i))
            raise
    return out


def plain_leaf(v: Any, t: CtyType) -> bool:
    """Whether ``v`` as a value of ``t`` is ``v`` itself with nothing to check or normalise:
    ASCII text as string (valid UTF-8, already NFC), an int as number, a bool as bool."""
    tv = type(v)
    return (tv is str and t is String and v.isascii()) or (tv is int and t is Number) or (tv is bool and t is Bool)


def conform_string(value: Any) -> str:
    """``conform(value, String)``: NFC text; CtyError (at the root) for anything else."""
    if not isinstance(value, str):
        raise CtyError(f"a string is required, got {type(value).__name__}")
    if value.isascii():  # ASCII is valid UTF-8 and already NFC
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CtyError("string is not valid Unicode (lone surrogate)") from None
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def check_tuple_length(items: Any, ty: Tuple, path: AttributePath) -> None:
    """Raise unless ``items`` has exactly one element per tuple position."""
    if len(items) != len(ty.element_types):
        raise CtyError(f"a tuple of {len(ty.element_types)} elements is required, got {len(items)}", path)


def check_object_keys(mapping: Mapping[str, Any], ty: Object, path: AttributePath) -> None:
    """Raise naming the first key that ``ty`` does not declare."""
    attrs = ty.attribute_types
    for k in mapping:
        if k not in attrs:
            raise CtyError(f"unsupported attribute {k!r}", path.attr(k))


@contextmanager
def set_elements(path: AttributePath) -> Iterator[AttributePath]:
    """Work on set elements (yielding the root path for them): a CtyError from inside is
    re-raised at the set itself, since paths cannot point into a set; the position inside
    the element moves into the message."""
    try:
        yield ROOT
    except CtyError as exc:
        where = f"set element {exc.path}" if exc.path else "set element"
        raise CtyError(f"{where}: {exc.message}", path) from None


def dedupe_set(elements: list[Any], element_type: CtyType) -> list[Any]:
    """Drop wholly known elements equal to an earlier one (unknowns never collapse, as in cty)."""
    seen: set[Any] = set()
    out = []
    for v in elements:
        if is_wholly_known(v):
            key = canonical_key(v, element_type)
            if key in seen:
                continue
            seen.add(key)
        out.append(v)
    return out


def _conform_unknown(value: Unknown, ty: CtyType, path: AttributePath) -> Unknown:
    if not value.refinements:
        return value
    if ty.is_dynamic():
        return UNKNOWN
    for key in value.refinements:
        if not refinement_applies(key, ty):
            raise CtyError(f"refinement {key} cannot apply to a value of type {ty.friendly_name()}", path)
    return value


def _sequence(value: Any, ty: CtyType, path: AttributePath) -> list[Any] | tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        return value
    raise CtyError(f"{ty.a_name()} is required (as a list), got {type(value).__name__}", path)


def _mapping(value: Any, ty: CtyType, path: AttributePath) -> Mapping[str, Any]:
    if type(value) is not dict and not isinstance(value, _AbcMapping):
        raise CtyError(f"{ty.a_name()} is required (as a dict), got {type(value).__name__}", path)
    for k in value:
        if type(k) is not str and not isinstance(k, str):
            raise CtyError(f"keys must be strings, got {k!r}", path)
    return value
