"""The change-safety envelope: snapshot first, watchdog after, audit always."""
from vessel_core.safety.audit import AuditError, AuditLog, default_actor, digest, redact_evidence
from vessel_core.safety.envelope import ChangeRolledBack, Envelope
from vessel_core.safety.snapshot import Snapshot, SnapshotError, SnapshotStore

__all__ = ["AuditError", "AuditLog", "ChangeRolledBack", "Envelope", "Snapshot", "SnapshotError",
           "SnapshotStore", "default_actor", "digest", "redact_evidence"]
