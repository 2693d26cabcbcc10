"""Declarative schemas: attributes, nested attributes and blocks.

A schema is plain data. It knows its implied cty type and how to render itself as a
tfplugin6 ``Schema`` message (see :mod:`tfprovider.framework.protoconv`). Mistakes that
Terraform would reject when loading the provider ("invalid schema ... a bug in the
provider") are refused here, when the module declaring the schema is imported.
"""
from __future__ import annotations

import enum
import re
from typing import Any, Callable, Iterable, Mapping

from tfprovider import cty

_NAME = re.compile(r"^[a-z0-9_]+$")


class Nesting(enum.IntEnum):
    """Nesting modes; values match tfplugin6 ``NestedBlock.NestingMode``."""

    SINGLE = 1
    LIST = 2
    SET = 3
    MAP = 4
    GROUP = 5  # blocks only


SINGLE, LIST, SET, MAP, GROUP = Nesting.SINGLE, Nesting.LIST, Nesting.SET, Nesting.MAP, Nesting.GROUP


class SchemaError(ValueError):
    """A schema that Terraform would refuse to load."""


def _check_name(name: str, where: str) -> None:
    if not _NAME.match(name):
        raise SchemaError(f"{where}: name {name!r} must match ^[a-z0-9_]+$")


class Attribute:
    """One attribute. Exactly one of ``required``/``optional``/``computed`` (or
    ``optional`` + ``computed``) must be set.

    ``default`` (needs ``computed``) is planned when the configuration leaves the attribute
    null. ``validators`` run at validate time on known, non-null values;
    ``plan_modifiers`` run at plan time, in order.
    """

    nested: "NestedObject | None" = None

    def __init__(
        self,
        type: Any = None,
        *,
        required: bool = False,
        optional: bool = False,
        computed: bool = False,
        sensitive: bool = False,
        write_only: bool = False,
        description: str = "",
        deprecation_message: str = "",
        default: Any = None,
        validators: Iterable[Any] = (),
        plan_modifiers: Iterable[Any] = (),
        env: str | None = None,
        semantic_equal: Callable[[Any, Any], bool] | None = None,
    ) -> None:
        self.type = type
        #: ``fn(known, new) -> bool``: when the device answers with a value that means the same as
        #: the one Terraform knows (MAC case, an equivalent VLAN range spelling), the known one is
        #: kept, so the difference never shows as drift or as an inconsistent result
        self.semantic_equal = semantic_equal
        #: provider attributes: the environment variable that supplies the value when the
        #: configuration leaves it null (merged before validation, see lifecycle.configure)
        self.env = env
        self.required = required
        self.optional = optional
        self.computed = computed
        self.sensitive = sensitive
        self.write_only = write_only
        self.description = description
        self.deprecation_message = deprecation_message
        self.default = default
        self.validators = tuple(validators)
        self.plan_modifiers = tuple(plan_modifiers)
        self.name = ""  # set by the enclosing Block/NestedObject

    def _check(self, where: str) -> None:
        if not (self.required or self.optional or self.computed):
            raise SchemaError(f"{where}: one of required, optional or computed must be set")
        if self.required and (self.optional or self.computed):
            raise SchemaError(f"{where}: required cannot be combined with optional or computed")
        if self.write_only and self.computed:
            raise SchemaError(f"{where}: a write-only attribute cannot be computed")
        if self.default is not None and not self.computed:
            raise SchemaError(f"{where}: an attribute with a default must be computed")
        if (self.type is None) == (self.nested is None):
            raise SchemaError(f"{where}: exactly one of type or nested attributes must be set")

    @property
    def cty_type(self) -> Any:
        return self.type

    @property
    def configurable(self) -> bool:
        return self.required or self.optional


class NestedObject:
    """The object inside a nested attribute: its attributes and nesting mode."""

    def __init__(self, nesting: Nesting, attributes: Mapping[str, Attribute]) -> None:
        if nesting == GROUP:
            raise SchemaError("nested attributes cannot use GROUP nesting")
        self.nesting = Nesting(nesting)
        self.attributes = dict(attributes)
        self.blocks: dict[str, Block] = {}
        for name, attr in self.attributes.items():
            _check_name(name, "nested attribute")
            attr.name = name
        self._object_type: Any = None

    @property
    def object_type(self) -> Any:
        if self._object_type is None:
            self._object_type = cty.Object({n: a.cty_type for n, a in self.attributes.items()})
        return self._object_type


class NestedAttribute(Attribute):
    """An attribute whose value is an object, or a list/set/map of objects, with its own
    attribute schema (``attr = { ... }`` / ``attr = [{ ... }]`` in configuration)."""

    def __init__(self, nesting: Nesting, attributes: Mapping[str, Attribute], **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.nested: NestedObject = NestedObject(nesting, attributes)

    @property
    def cty_type(self) -> Any:
        return _wrap(self.nested.nesting, self.nested.object_type)


def _wrap(nesting: Nesting, obj: Any) -> Any:
    if nesting in (SINGLE, GROUP):
        return obj
    if nesting == LIST:
        return cty.List(obj)
    if nesting == SET:
        return cty.Set(obj)
    return cty.Map(obj)


class Block:
    """A block: attributes plus nested block types.

    The top-level block of a schema is a ``Block`` too (its ``nesting`` is irrelevant).
    """

    def __init__(
        self,
        nesting: Nesting = SINGLE,
        attributes: Mapping[str, Attribute] | None = None,
        blocks: Mapping[str, "Block"] | None = None,
        *,
        min_items: int = 0,
        max_items: int = 0,
        description: str = "",
        deprecation_message: str = "",
        validators: Iterable[Any] = (),
        plan_modifiers: Iterable[Any] = (),
    ) -> None:
        self.nesting = Nesting(nesting)
        self.attributes = dict(attributes or {})
        self.blocks = dict(blocks or {})
        self.min_items = min_items
        self.max_items = max_items
        self.description = description
        self.deprecation_message = deprecation_message
        self.validators = tuple(validators)
        self.plan_modifiers = tuple(plan_modifiers)
        self.name = ""
        self._object_type: Any = None
        for name in self.attributes.keys() & self.blocks.keys():
            raise SchemaError(f"{name!r} is both an attribute and a block")
        for name, attr in self.attributes.items():
            _check_name(name, "attribute")
            attr.name = name
            attr._check(f"attribute {name!r}")
            if attr.nested is not None:
                _check_nested(attr, name)
        for name, blk in self.blocks.items():
            _check_name(name, "block")
            blk.name = name
            if blk.nesting == SINGLE and (blk.min_items > 1 or blk.max_items > 1):
                raise SchemaError(f"block {name!r}: SINGLE blocks take min/max items of 0 or 1")
            if blk.nesting in (GROUP, MAP) and (blk.min_items or blk.max_items):
                raise SchemaError(f"block {name!r}: {blk.nesting.name} blocks take no min/max items")
            if blk.max_items and blk.min_items > blk.max_items:
                raise SchemaError(f"block {name!r}: min_items > max_items")
            if blk.nesting == SET and _has_write_only_or_dynamic(blk):
                raise SchemaError(f"block {name!r}: SET blocks cannot hold write-only or dynamic attributes")

    @property
    def object_type(self) -> Any:
        """The implied cty object type of one instance of this block."""
        if self._object_type is None:
            attrs = {n: a.cty_type for n, a in self.attributes.items()}
            attrs.update({n: b.cty_type for n, b in self.blocks.items()})
            self._object_type = cty.Object(attrs)
        return self._object_type

    @property
    def cty_type(self) -> Any:
        """The implied type of this block as seen from its parent (object, list, ...)."""
        return _wrap(self.nesting, self.object_type)


def _check_nested(attr: Attribute, name: str) -> None:
    assert attr.nested is not None
    for inner_name, inner in attr.nested.attributes.items():
        inner._check(f"attribute {name}.{inner_name}")
        if attr.nested.nesting == SET and (inner.write_only or inner.type == cty.Dynamic):
            raise SchemaError(f"attribute {name!r}: SET nested attributes cannot hold write-only or dynamic attributes")
        if inner.nested is not None:
            _check_nested(inner, f"{name}.{inner_name}")


def _has_write_only_or_dynamic(blk: Block) -> bool:
    for attr in blk.attributes.values():
        if attr.write_only or attr.type == cty.Dynamic:
            return True
    return any(_has_write_only_or_dynamic(b) for b in blk.blocks.values())


class Schema:
    """A resource, data source or provider schema: a version and a top-level block."""

    def __init__(
        self,
        attributes: Mapping[str, Attribute] | None = None,
        blocks: Mapping[str, Block] | None = None,
        *,
        version: int = 0,
        description: str = "",
        deprecation_message: str = "",
    ) -> None:
        if version < 0:
            raise SchemaError("schema version must not be negative")
        self.version = version
        self.block = Block(
            SINGLE, attributes, blocks, description=description, deprecation_message=deprecation_message
        )

    @property
    def attributes(self) -> dict[str, Attribute]:
        return self.block.attributes

    @property
    def blocks(self) -> dict[str, Block]:
        return self.block.blocks

    @property
    def description(self) -> str:
        return self.block.description

    @property
    def cty_type(self) -> Any:
        return self.block.object_type

    def null_value(self) -> dict[str, Any]:
        """An object of this schema with every attribute null and every repeated block empty."""
        return empty_object(self.block)

    def write_only_paths(self) -> bool:
        return _has_write_only(self.block)


def _has_write_only(blk: Block) -> bool:
    return any(a.write_only for a in blk.attributes.values()) or any(
        _has_write_only(b) for b in blk.blocks.values()
    )


def empty_object(blk: Block | NestedObject) -> dict[str, Any]:
    """All attributes null, LIST/SET/MAP blocks empty, SINGLE blocks null, GROUP blocks empty objects."""
    out: dict[str, Any] = {n: None for n in blk.attributes}
    for name, b in blk.blocks.items():
        out[name] = empty_block_value(b)
    return out


def empty_block_value(b: Block) -> Any:
    if b.nesting in (LIST, SET):
        return []
    if b.nesting == MAP:
        return {}
    if b.nesting == GROUP:
        return empty_object(b)
    return None


# --- the `timeouts` block --------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|m|s|ms))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration such as ``"30s"``, ``"5m"``, ``"1h30m"``."""
    if not isinstance(text, str) or not _DURATION.match(text):
        raise ValueError(f'invalid duration {text!r}: expected a number and unit such as "30s", "5m" or "1h30m"')
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))


def timeouts_block(*operations: str) -> Block:
    """A ``timeouts { create = "20m" ... }`` block, one optional string per operation."""
    from tfprovider.framework.validators import duration

    ops = operations or ("create", "read", "update", "delete")
    return Block(
        SINGLE,
        {
            op: Attribute(
                cty.String,
                optional=True,
                description=f'How long to wait for {op} to finish, e.g. "30s", "10m", "1h".',
                validators=[duration()],
            )
            for op in ops
        },
        description="Per-operation time limits.",
    )


def timeout(state: Mapping[str, Any] | None, operation: str, default: float) -> float:
    """Seconds allowed for ``operation`` from a value's ``timeouts`` block, else ``default``."""
    block = (state or {}).get("timeouts")
    if isinstance(block, Mapping):
        text = block.get(operation)
        if isinstance(text, str):
            return parse_duration(text)
    return default
