"""cty types: immutable, hashable, equal by structure, with their wire JSON form.

Wire JSON (``Schema.Attribute.type``, dynamic value headers) is compact JSON:
``"string"``, ``"number"``, ``"bool"``, ``"dynamic"``, ``["list", T]``, ``["set", T]``,
``["map", T]``, ``["object", {"a": T}]`` (optionally with a third element listing optional
attribute names) and ``["tuple", [T1, T2]]``.
"""
from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .path import CtyError, utf8_text


class CtyType:
    """Base of every cty type. Compare with ``==``; instances never change."""

    __slots__ = ()

    def is_primitive(self) -> bool:
        """string, number or bool."""
        return False

    def is_collection(self) -> bool:
        """list, set or map (one element type)."""
        return False

    def is_structural(self) -> bool:
        """object or tuple (a type per attribute / position)."""
        return False

    def is_dynamic(self) -> bool:
        """The dynamic pseudo-type: the real type is decided at run time."""
        return False

    def contains_dynamic(self) -> bool:
        """True when ``Dynamic`` appears anywhere inside this type."""
        return self.is_dynamic()

    def friendly_name(self) -> str:
        """Human wording for diagnostics, e.g. ``list of string``."""
        raise NotImplementedError

    def a_name(self) -> str:
        """``friendly_name`` with its article: ``an object``, ``a list of string``."""
        name = self.friendly_name()
        return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"

    def _json_obj(self) -> Any:
        raise NotImplementedError

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class _Primitive(CtyType):
    __slots__ = ("_name",)
    _name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def is_primitive(self) -> bool:
        return self._name != "dynamic"

    def is_dynamic(self) -> bool:
        return self._name == "dynamic"

    def friendly_name(self) -> str:
        return "any type" if self._name == "dynamic" else self._name

    def _json_obj(self) -> Any:
        return self._name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Primitive) and other._name == self._name

    def __hash__(self) -> int:
        return hash(("cty", self._name))

    def __repr__(self) -> str:
        return {"string": "String", "number": "Number", "bool": "Bool", "dynamic": "Dynamic"}[self._name]

    def __reduce__(self) -> Any:
        return (_Primitive, (self._name,))


String = _Primitive("string")
Number = _Primitive("number")
Bool = _Primitive("bool")
Dynamic = _Primitive("dynamic")
DynamicPseudoType = Dynamic


def _check_type(value: Any, what: str) -> CtyType:
    if not isinstance(value, CtyType):
        raise TypeError(f"{what} must be a CtyType, got {value!r}")
    return value


class _Collection(CtyType):
    __slots__ = ("element_type",)
    element_type: CtyType
    _kind = ""

    def __init__(self, element_type: CtyType) -> None:
        object.__setattr__(self, "element_type", _check_type(element_type, f"{self._kind} element type"))

    def is_collection(self) -> bool:
        return True

    def contains_dynamic(self) -> bool:
        return self.element_type.contains_dynamic()

    def friendly_name(self) -> str:
        return f"{self._kind} of {self.element_type.friendly_name()}"

    def _json_obj(self) -> Any:
        return [self._kind, self.element_type._json_obj()]

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.element_type == self.element_type

    def __hash__(self) -> int:
        return hash((self._kind, self.element_type))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.element_type!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self.element_type,))


class List(_Collection):
    """``list(T)``: ordered elements of one type."""

    __slots__ = ()
    _kind = "list"


class Set(_Collection):
    """``set(T)``: unordered, de-duplicated elements of one type."""

    __slots__ = ()
    _kind = "set"


class Map(_Collection):
    """``map(T)``: string keys to elements of one type."""

    __slots__ = ()
    _kind = "map"


class Object(CtyType):
    """``object({...})``: named attributes each with its own type.

    ``optional`` names attributes that may be omitted in a type constraint (only used
    by function parameters; resource schemas use nested attributes instead).
    """

    __slots__ = ("attribute_types", "optional", "_key")
    attribute_types: Mapping[str, CtyType]
    optional: frozenset[str]
    _key: tuple[Any, ...]

    def __init__(self, attribute_types: Mapping[str, CtyType], optional: Iterable[str] = ()) -> None:
        attrs: dict[str, CtyType] = {}
        for name in sorted(attribute_types):
            if not isinstance(name, str):
                raise TypeError(f"object attribute names must be strings, got {name!r}")
            attrs[name] = _check_type(attribute_types[name], f"type of attribute {name!r}")
        opt = frozenset(optional)
        unknown = opt - attrs.keys()
        if unknown:
            raise ValueError(f"optional attributes not declared in the object: {sorted(unknown)}")
        object.__setattr__(self, "attribute_types", MappingProxyType(attrs))
        object.__setattr__(self, "optional", opt)
        object.__setattr__(self, "_key", (tuple(attrs.items()), tuple(sorted(opt))))

    def is_structural(self) -> bool:
        return True

    def contains_dynamic(self) -> bool:
        return any(t.contains_dynamic() for t in self.attribute_types.values())

    def friendly_name(self) -> str:
        return "object" if self.attribute_types else "empty object"

    def _json_obj(self) -> Any:
        out: list[Any] = ["object", {k: t._json_obj() for k, t in self.attribute_types.items()}]
        if self.optional:
            out.append(sorted(self.optional))
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Object) and other._key == self._key

    def __hash__(self) -> int:
        return hash(("object", self._key))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {t!r}" for k, t in self.attribute_types.items())
        opt = f", optional={set(sorted(self.optional))!r}" if self.optional else ""
        return f"Object({{{inner}}}{opt})"

    def __reduce__(self) -> Any:
        return (Object, (dict(self.attribute_types), tuple(self.optional)))


class Tuple(CtyType):
    """``tuple([...])``: a fixed number of positions, each with its own type."""

    __slots__ = ("element_types",)
    element_types: tuple[CtyType, ...]

    def __init__(self, element_types: Iterable[CtyType]) -> None:
        types = tuple(_check_type(t, "tuple element type") for t in element_types)
        object.__setattr__(self, "element_types", types)

    def is_structural(self) -> bool:
        return True

    def contains_dynamic(self) -> bool:
        return any(t.contains_dynamic() for t in self.element_types)

    def friendly_name(self) -> str:
        return "tuple" if self.element_types else "empty tuple"

    def _json_obj(self) -> Any:
        return ["tuple", [t._json_obj() for t in self.element_types]]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tuple) and other.element_types == self.element_types

    def __hash__(self) -> int:
        return hash(("tuple", self.element_types))

    def __repr__(self) -> str:
        return f"Tuple([{', '.join(repr(t) for t in self.element_types)}])"

    def __reduce__(self) -> Any:
        return (Tuple, (self.element_types,))


# ---------------------------------------------------------------------------------------
# wire JSON

def type_to_json(ty: CtyType) -> bytes:
    """The compact wire JSON of ``ty``, e.g. ``b'["list","string"]'``."""
    return json.dumps(_check_type(ty, "type")._json_obj(), separators=(",", ":"), ensure_ascii=False).encode()


def type_from_json(data: bytes | bytearray | memoryview | str) -> CtyType:
    """Parse a wire JSON type; raises CtyError on anything that is not a cty type."""
    text = utf8_text(data, "type JSON")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise CtyError(f"type JSON is not valid JSON: {exc}") from None
    return type_from_obj(obj)


_PRIMITIVES = {"string": String, "number": Number, "bool": Bool, "dynamic": Dynamic}
_COLLECTIONS = {"list": List, "set": Set, "map": Map}


def type_from_obj(obj: Any) -> CtyType:
    """Like :func:`type_from_json` for an already parsed JSON value."""
    if isinstance(obj, str):
        try:
            return _PRIMITIVES[obj]
        except KeyError:
            raise CtyError(f"unsupported primitive type {obj!r}") from None
    if not isinstance(obj, list) or not obj or not isinstance(obj[0], str):
        raise CtyError(f"invalid type specification {json.dumps(obj)[:200]}")
    kind = obj[0]
    if kind in _COLLECTIONS:
        if len(obj) != 2:
            raise CtyError(f"{kind} type needs exactly one element type")
        return _COLLECTIONS[kind](type_from_obj(obj[1]))
    if kind == "object":
        if len(obj) not in (2, 3) or not isinstance(obj[1], dict):
            raise CtyError("object type needs an attribute map and optionally a list of optional attributes")
        attrs = {name: type_from_obj(t) for name, t in obj[1].items()}
        optional: list[str] = []
        if len(obj) == 3:
            if not isinstance(obj[2], list) or not all(isinstance(n, str) for n in obj[2]):
                raise CtyError("object optional attributes must be a list of names")
            optional = obj[2]
            missing = set(optional) - attrs.keys()
            if missing:
                raise CtyError(f"optional attributes not declared in the object: {sorted(missing)}")
        return Object(attrs, optional=optional)
    if kind == "tuple":
        if len(obj) != 2 or not isinstance(obj[1], list):
            raise CtyError("tuple type needs a list of element types")
        return Tuple([type_from_obj(t) for t in obj[1]])
    raise CtyError(f"unsupported type kind {kind!r}")
