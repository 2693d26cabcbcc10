"""Attribute paths and the error type that carries one.

A path addresses a value inside a cty value: object attributes and nested blocks by
name, list/tuple elements by index, map elements by key. Set elements have no usable
key, so paths stop at the set itself (Terraform cannot point into a set either).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator, Union


@dataclass(frozen=True, slots=True)
class AttrStep:
    """An object attribute or nested block, by name."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class IndexStep:
    """A list or tuple element (and a LIST block), by position."""

    index: int

    def __str__(self) -> str:
        return f"[{self.index}]"


@dataclass(frozen=True, slots=True)
class KeyStep:
    """A map element (and a MAP block), by key."""

    key: str

    def __str__(self) -> str:
        return f"[{json.dumps(self.key, ensure_ascii=False)}]"


Step = Union[AttrStep, IndexStep, KeyStep]


@dataclass(frozen=True, slots=True)
class AttributePath:
    """An immutable sequence of steps; ``attr``/``index``/``key`` return extended copies."""

    steps: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        for step in steps:
            if not isinstance(step, (AttrStep, IndexStep, KeyStep)):
                raise TypeError(f"not a path step: {step!r}")
        object.__setattr__(self, "steps", steps)

    def attr(self, name: str) -> AttributePath:
        return _path(self.steps + (attr_step(name),))

    def index(self, index: int) -> AttributePath:
        return _path(self.steps + (IndexStep(index),))

    def key(self, key: str) -> AttributePath:
        return _path(self.steps + (KeyStep(key),))

    def parent(self) -> AttributePath:
        """The path without its last step (the empty path stays empty)."""
        return _path(self.steps[:-1])

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __str__(self) -> str:
        out: list[str] = []
        for step in self.steps:
            if isinstance(step, AttrStep) and out:
                out.append(".")
            out.append(str(step))
        return "".join(out)

    def __repr__(self) -> str:
        return f"AttributePath({str(self)!r})"


def _path(steps: tuple[Step, ...]) -> AttributePath:
    """An AttributePath from steps known to be valid (extension of a valid path): no re-check."""
    path = object.__new__(AttributePath)
    object.__setattr__(path, "steps", steps)
    return path


#: attribute steps by name (schemas repeat a small set of names on every request)
_ATTR_STEPS: dict[str, AttrStep] = {}
_STEP_CACHE_SIZE = 4096


def attr_step(name: str) -> AttrStep:
    """``AttrStep(name)``, shared for the names seen most (steps are immutable)."""
    step = _ATTR_STEPS.get(name)
    if step is None:
        step = AttrStep(name)
        if len(_ATTR_STEPS) < _STEP_CACHE_SIZE:
            _ATTR_STEPS[name] = step
    return step

ROOT = AttributePath()


def utf8_text(data: bytes | bytearray | memoryview | str, what: str) -> str:
    """``data`` as text; bytes must be UTF-8 (CtyError otherwise)."""
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CtyError(f"{what} is not valid UTF-8: {exc}") from None


class CtyError(ValueError):
    """A value or type does not fit what was expected.

    ``path`` points at the offending value (empty for the root); ``message`` is the text
    without the path, ready for a diagnostic summary/detail.
    """

    def __init__(self, message: str, path: AttributePath = ROOT) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def under(self, *prefix: Step) -> CtyError:
        """Put the error under ``prefix`` (its path becomes prefix + its own path) and return it.

        Decoders and :func:`conform` walk values without building paths and call this while
        the error unwinds, so a path is built only for a value that is reported."""
        if prefix:
            self.path = _path(prefix + self.path.steps)
            self.args = (f"{self.path}: {self.message}",)
        return self
