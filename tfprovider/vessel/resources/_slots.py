"""Per-slot maps of chassis singletons (slot aliases, capping priorities): keys "1".."16"; a slot
left out has the default value, so a map lists only the slots that differ from it (the HMM's
answer, read back, then equals the configuration, and so does an import)."""
from __future__ import annotations

from typing import Any

from tfprovider.framework import Validator, custom

SLOTS = tuple(str(n) for n in range(1, 17))


def slot_map(default: str, what: str) -> Validator:
    """The validator of a slot map: blade slot keys, and no slot set to ``default`` (leave it out)."""

    def check(value: Any) -> str | None:
        bad = [k for k in value if k not in SLOTS]
        if bad:
            return f"keys are blade slots \"1\"..\"16\", not {', '.join(map(repr, sorted(bad)))}"
        same = [k for k, v in value.items() if v == default]
        if same:
            return (f"slot {', '.join(sorted(same, key=int))}: {default!r} is what a slot left out has; "
                    f"leave it out ({what})")
        return None

    return custom(check, f'keys "1".."16", no slot set to {default!r}')
