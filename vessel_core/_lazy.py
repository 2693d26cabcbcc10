"""Lazy package exports: a public name is imported from its submodule on first access.

Importing a package (``vessel_core.switchops``, ``vessel_core.drivers.ssh``...) then costs
nothing until a name is used, so a process that only needs constants or types never loads
asyncssh, ntc-templates or pydantic. ``from pkg import Name`` works as before.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """(``__getattr__``, ``__dir__``) for ``package``; ``exports`` maps a public name to the
    submodule (relative to the package) that defines it."""

    def __getattr__(name: str) -> Any:
        sub = exports.get(name)
        if sub is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{sub}")
        value = getattr(module, name)
        setattr(importlib.import_module(package), name, value)  # later look-ups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(importlib.import_module(package)), *exports})

    return __getattr__, __dir__
