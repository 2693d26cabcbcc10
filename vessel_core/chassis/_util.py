"""Small helpers shared by the facade modules (XML records, flags, slot checks)."""
from __future__ import annotations

import re
from typing import Any

from vessel_core.errors import ValidationError
from vessel_core.models.hmm_web import XmlDocument


def records(doc: XmlDocument, tag: str) -> list[dict[str, Any]]:
    """The repeated ``<tag>`` elements of a dispatcher answer, as dictionaries."""
    return [r for r in doc.records if r.get("_tag") == tag]


def flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on", "enable", "enabled")


def as_int(value: Any, default: int | None = None) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else default


def split_list(value: Any) -> list[str]:
    return [t for t in re.split(r"[,\s]+", str(value or "")) if t]


def int_list(value: Any) -> list[int]:
    return [int(t) for t in split_list(value) if t.isdigit()]


def slot_of(name: str) -> int | None:
    m = re.fullmatch(r"(?i)slot(\d+)", name.strip())
    return int(m.group(1)) if m else None


def check_blade_slot(slot: int, operation: str) -> int:
    if not isinstance(slot, int) or isinstance(slot, bool) or not 1 <= slot <= 32:
        raise ValidationError(f"slot: blade slot must be an integer 1..32, got {slot!r}",
                              operation=operation)
    return slot


def check_switch_slot(slot: int, operation: str) -> int:
    if slot not in (1, 2, 3, 4) or isinstance(slot, bool):
        raise ValidationError(f"slot: switch slot must be 1..4, got {slot!r}", operation=operation)
    return slot


def b01(value: bool) -> str:
    return "1" if value else "0"
