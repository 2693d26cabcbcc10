"""Diagnostics: errors and warnings as values, optionally tied to an attribute path.

Resource code never raises to report a problem it understands; it appends to
``resp.diagnostics`` and the engine stops at the first phase that produced an error.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable


class Severity(enum.IntEnum):
    """Wire values of tfplugin6 ``Diagnostic.Severity`` (INVALID is never sent)."""

    ERROR = 1
    WARNING = 2


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    summary: str
    detail: str = ""
    # a tfprovider.cty.AttributePath, or None for a diagnostic about the whole object
    path: Any = None


class Diagnostics(list[Diagnostic]):
    """A list of :class:`Diagnostic` that drops exact duplicates."""

    def append(self, diag: Diagnostic) -> None:
        if diag is not None and diag not in self:
            super().append(diag)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            self.append(d)

    def add_error(self, summary: str, detail: str = "", path: Any = None) -> None:
        self.append(Diagnostic(Severity.ERROR, summary, detail, path))

    def add_warning(self, summary: str, detail: str = "", path: Any = None) -> None:
        self.append(Diagnostic(Severity.WARNING, summary, detail, path))

    def add_attribute_error(self, path: Any, summary: str, detail: str = "") -> None:
        self.add_error(summary, detail, path)

    def add_attribute_warning(self, path: Any, summary: str, detail: str = "") -> None:
        self.add_warning(summary, detail, path)

    def has_error(self) -> bool:
        return any(d.severity == Severity.ERROR for d in self)

    def errors(self) -> list[Diagnostic]:
        return [d for d in self if d.severity == Severity.ERROR]
