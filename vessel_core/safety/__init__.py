"""Change safety: snapshot first, verify (watchdog) after, restore on failure, audit always.

:class:`Guard` and :class:`Scope` (``guard``) are the one door every mutation passes.

Names are imported on first use (``snapshot`` loads PyYAML).
"""
from typing import TYPE_CHECKING

from vessel_core._lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["AuditError", "AuditLog", "default_actor", "digest", "redact_evidence"], "audit"),
    **dict.fromkeys(["Change", "Guard", "Scope"], "guard"),
    **dict.fromkeys(["Snapshot", "SnapshotError", "SnapshotStore"], "snapshot"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from vessel_core.safety.audit import AuditError, AuditLog, default_actor, digest, redact_evidence
    from vessel_core.safety.guard import Change, Guard, Scope
    from vessel_core.safety.snapshot import Snapshot, SnapshotError, SnapshotStore
