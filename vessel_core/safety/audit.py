"""Append-only audit log: one JSON line per mutation, fsync'd, never a secret.

Record fields: ``ts`` (UTC, microseconds), ``actor`` ({"os_user", "host", "provider_alias"}),
``target`` ({"kind", "id"}), ``op`` (dotted verb), ``before_digest`` / ``after_digest``
(SHA-256 of a canonical JSON of the object before and after), ``snapshot_id``, ``outcome``
(success | failed | rollback | rollback-failed | unsaved | no-op: see
:mod:`vessel_core.safety.guard`), ``duration_ms``, ``evidence`` (free-form, redacted).

Writes are serialised within the process (a lock) and across processes (``flock``), and each
line is written with a single ``write`` on an ``O_APPEND`` descriptor followed by ``fsync``.
A failed write raises :class:`AuditError`: an unaudited mutation is a bug, not a warning.
"""
from __future__ import annotations

import datetime as _dt
import fcntl
import getpass
import hashlib
import json
import os
import socket
import threading
from pathlib import Path
from typing import Any, Iterable

from vessel_core.errors import VesselError

OUTCOMES = ("success", "failed", "rollback", "rollback-failed", "unsaved", "no-op")
_SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "apikey", "api_key", "private_key",
                     "auth", "credential", "cookie", "bearer", "sessid")


class AuditError(VesselError):
    """The audit record could not be written."""


def redact_evidence(value: Any) -> Any:
    """Replace the value of every key whose name looks secret with ``"***"``, recursively."""
    if isinstance(value, dict):
        return {k: ("***" if any(p in str(k).lower() for p in _SECRET_KEY_PARTS) else redact_evidence(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_evidence(v) for v in value]
    return value


def digest(obj: Any) -> str | None:
    """SHA-256 of the canonical JSON of ``obj`` (None stays None: "did not exist")."""
    if obj is None:
        return None
    data = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def default_actor(provider_alias: str | None = None) -> dict[str, str | None]:
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in minimal containers
        user = str(os.getuid())
    return {"os_user": user, "host": socket.gethostname(), "provider_alias": provider_alias}


class AuditLog:
    def __init__(self, path: str | os.PathLike[str], *, secrets: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._secrets = [s for s in secrets if s]

    def record(self, *, actor: dict[str, Any], target_kind: str, target_id: str, op: str, outcome: str,
               snapshot_id: str | None = None, before_digest: str | None = None,
               after_digest: str | None = None, duration_ms: float | None = None,
               evidence: dict[str, Any] | None = None) -> dict[str, Any]:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        rec = {
            "ts": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": actor,
            "target": {"kind": target_kind, "id": target_id},
            "op": op,
            "snapshot_id": snapshot_id,
            "before_digest": before_digest,
            "after_digest": after_digest,
            "outcome": outcome,
            "duration_ms": None if duration_ms is None else round(duration_ms, 3),
            "evidence": redact_evidence(evidence or {}),
        }
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=str)
        for s in self._secrets:
            line = line.replace(s, "***")
        data = (line + "\n").encode()
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    os.write(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise AuditError(f"cannot append to audit log {self.path}: {exc.strerror}",
                                 target=target_id, operation=op) from None
        return rec

    def read(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Records in order, skipping malformed lines (a torn write never hides the rest)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out[-limit:] if limit else out
