"""Attribute validators: small described objects, written once for every value type.

Each validator has a ``description`` (fed to generated docs) and one method,
``validate(req)``. Value validators return early on null or unknown values; sibling
validators (``conflicts_with`` ...) look at attributes of the same object and skip
values that are not known yet. Any plain callable ``fn(value) -> str | None`` in a
``validators=[...]`` list is wrapped by :func:`custom` (a returned string is the error).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from tfprovider import cty
from tfprovider.framework.diag import Diagnostics


@dataclass
class ValidatorRequest:
    value: Any
    path: Any  # cty.AttributePath of the attribute
    parent: Mapping[str, Any]  # the object holding the attribute (its siblings)
    config: Mapping[str, Any]  # the whole configuration object
    diagnostics: Diagnostics = field(default_factory=Diagnostics)

    def sibling_path(self, name: str) -> Any:
        return self.path.parent().attr(name)


class Validator:
    description = ""

    def validate(self, req: ValidatorRequest) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _usable(value: Any) -> bool:
    return value is not None and cty.is_known(value)


def _show(v: Any) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


class _OneOf(Validator):
    def __init__(self, values: Iterable[Any]) -> None:
        self.values = tuple(values)
        self.description = "value must be one of: " + ", ".join(_show(v) for v in self.values)

    def validate(self, req: ValidatorRequest) -> None:
        if _usable(req.value) and req.value not in self.values:
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value", f"Attribute {req.path} {self.description}, got: {_show(req.value)}"
            )


def one_of(*values: Any) -> Validator:
    return _OneOf(values)


class _Range(Validator):
    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi
        if lo is not None and hi is not None:
            self.description = f"value must be between {lo} and {hi}"
        elif lo is not None:
            self.description = f"value must be at least {lo}"
        else:
            self.description = f"value must be at most {hi}"

    def validate(self, req: ValidatorRequest) -> None:
        v = req.value
        if not _usable(v):
            return
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value", f"Attribute {req.path} {self.description}, got: {v}"
            )


def in_range(lo: Any = None, hi: Any = None) -> Validator:
    """Numbers within ``[lo, hi]`` (either bound may be None)."""
    return _Range(lo, hi)


class _Whole(Validator):
    description = "value must be a whole number"

    def validate(self, req: ValidatorRequest) -> None:
        v = req.value
        if _usable(v) and not isinstance(v, bool) and v != int(v):
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value", f"Attribute {req.path} {self.description}, got: {v}"
            )


def whole_number() -> Validator:
    """Numbers without a fractional part (cty numbers are arbitrary decimals)."""
    return _Whole()


class _IntRange(Validator):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.description = f"value must be a whole number between {lo} and {hi}"

    def validate(self, req: ValidatorRequest) -> None:
        v = req.value
        if _usable(v) and (isinstance(v, bool) or v != int(v) or not self.lo <= v <= self.hi):
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value", f"Attribute {req.path} {self.description}, got: {v}"
            )


def int_range(lo: int, hi: int) -> Validator:
    """Whole numbers within ``[lo, hi]``: ``vlan_id = 30.5`` is refused, not truncated."""
    return _IntRange(lo, hi)


class _Regex(Validator):
    def __init__(self, pattern: str, message: str) -> None:
        self.regex = re.compile(pattern)
        self.description = message or f"value must match the regular expression {pattern!r}"

    def validate(self, req: ValidatorRequest) -> None:
        if _usable(req.value) and not self.regex.fullmatch(req.value):
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value Match", f"Attribute {req.path} {self.description}, got: {_show(req.value)}"
            )


def regex(pattern: str, message: str = "") -> Validator:
    """Strings matching ``pattern`` in full; ``message`` replaces the generic description."""
    return _Regex(pattern, message)


class _Length(Validator):
    def __init__(self, lo: int | None, hi: int | None) -> None:
        self.lo, self.hi = lo, hi
        if lo is not None and hi is not None:
            self.description = f"length must be between {lo} and {hi}"
        elif lo is not None:
            self.description = f"length must be at least {lo}"
        else:
            self.description = f"length must be at most {hi}"

    def validate(self, req: ValidatorRequest) -> None:
        if not _usable(req.value):
            return
        n = len(req.value)
        if (self.lo is not None and n < self.lo) or (self.hi is not None and n > self.hi):
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Value Length", f"Attribute {req.path} {self.description}, got: {n}"
            )


def length(lo: int | None = None, hi: int | None = None) -> Validator:
    """Strings (characters) or collections (elements) with a length within ``[lo, hi]``."""
    return _Length(lo, hi)


class _Duration(Validator):
    description = 'value must be a duration such as "30s", "5m" or "1h30m"'

    def validate(self, req: ValidatorRequest) -> None:
        from tfprovider.framework.schema import parse_duration

        if not _usable(req.value):
            return
        try:
            parse_duration(req.value)
        except ValueError as exc:
            req.diagnostics.add_attribute_error(req.path, "Invalid Duration", f"Attribute {req.path}: {exc}")


def duration() -> Validator:
    return _Duration()


# --- sibling validators -----------------------------------------------------------------


class _Siblings(Validator):
    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)

    def _state(self, req: ValidatorRequest) -> tuple[list[str], bool]:
        """(names of set attributes among self + siblings, whether any is unknown)."""
        names = [req.path.steps[-1].name, *self.names]
        set_, unknown = [], False
        for n in names:
            v = req.parent.get(n) if n != names[0] else req.value
            if v is None:
                continue
            if not cty.is_known(v):
                unknown = True
                continue
            set_.append(n)
        return set_, unknown


class _ConflictsWith(_Siblings):
    @property
    def description(self) -> str:  # type: ignore[override]
        return "cannot be set together with: " + ", ".join(self.names)

    def validate(self, req: ValidatorRequest) -> None:
        if not _usable(req.value):
            return
        for n in self.names:
            v = req.parent.get(n)
            if v is not None and cty.is_known(v):
                req.diagnostics.add_attribute_error(
                    req.path,
                    "Invalid Attribute Combination",
                    f"Attribute {req.path} cannot be specified when {req.sibling_path(n)} is specified",
                )


def conflicts_with(*names: str) -> Validator:
    return _ConflictsWith(names)


class _AlsoRequires(_Siblings):
    @property
    def description(self) -> str:  # type: ignore[override]
        return "requires also setting: " + ", ".join(self.names)

    def validate(self, req: ValidatorRequest) -> None:
        if not _usable(req.value):
            return
        for n in self.names:
            if n in req.parent and req.parent.get(n) is None:
                req.diagnostics.add_attribute_error(
                    req.path,
                    "Invalid Attribute Combination",
                    f"Attribute {req.sibling_path(n)} must be specified when {req.path} is specified",
                )


def also_requires(*names: str) -> Validator:
    return _AlsoRequires(names)


class _ExactlyOneOf(_Siblings):
    @property
    def description(self) -> str:  # type: ignore[override]
        return "exactly one of these must be set: " + ", ".join(self._all())

    def _all(self) -> list[str]:
        return list(self.names)

    def validate(self, req: ValidatorRequest) -> None:
        set_, unknown = self._state(req)
        if unknown:
            return
        all_names = ", ".join(str(req.sibling_path(n)) for n in [req.path.steps[-1].name, *self.names])
        if len(set_) > 1 and req.value is not None:
            req.diagnostics.add_attribute_error(
                req.path, "Invalid Attribute Combination", f"Exactly one of these attributes must be specified: [{all_names}]"
            )
        elif not set_:
            req.diagnostics.add_attribute_error(
                req.path, "Missing Attribute Configuration", f"Exactly one of these attributes must be specified: [{all_names}]"
            )


def exactly_one_of(*names: str) -> Validator:
    """This attribute or exactly one of the named siblings must be set (put it on one of them)."""
    return _ExactlyOneOf(names)


class _AtLeastOneOf(_Siblings):
    @property
    def description(self) -> str:  # type: ignore[override]
        return "at least one of these must be set: " + ", ".join(self.names)

    def validate(self, req: ValidatorRequest) -> None:
        set_, unknown = self._state(req)
        if set_ or unknown:
            return
        all_names = ", ".join(str(req.sibling_path(n)) for n in [req.path.steps[-1].name, *self.names])
        req.diagnostics.add_attribute_error(
            req.path, "Missing Attribute Configuration", f"At least one of these attributes must be specified: [{all_names}]"
        )


def at_least_one_of(*names: str) -> Validator:
    return _AtLeastOneOf(names)


class _Custom(Validator):
    def __init__(self, fn: Callable[[Any], str | None], description: str) -> None:
        self.fn = fn
        self.description = description or (fn.__doc__ or "").strip()

    def validate(self, req: ValidatorRequest) -> None:
        if not cty.is_wholly_known(req.value) or req.value is None:
            return
        message = self.fn(req.value)
        if message:
            req.diagnostics.add_attribute_error(req.path, "Invalid Attribute Value", f"Attribute {req.path}: {message}")


def custom(fn: Callable[[Any], str | None], description: str = "") -> Validator:
    """Wrap ``fn(value) -> error text or None``; runs only on wholly known, non-null values."""
    return _Custom(fn, description)


def as_validator(v: Any) -> Validator:
    if isinstance(v, Validator) or hasattr(v, "validate"):
        return v
    if callable(v):
        return custom(v)
    raise TypeError(f"not a validator: {v!r}")
