"""One error hierarchy for every driver and SDK call.

Each error carries the ``target`` (a host, a switch slot such as ``"2X"``, a blade slot) and
the ``operation`` (a method name, a CLI command, ``"PATCH /redfish/v1/..."``) it came from, so a
diagnostic can name both. ``field`` names the setting or model field the error concerns
(``"password"``, ``"vlan_id"``, ``"members[2]"``), so a front end (Terraform diagnostics, a CLI)
can point at it without parsing the message; ``hint`` says what to do about it. Messages never
contain secrets: drivers pass device text through :func:`redact` before raising.

    VesselError
    ├── AuthError            credentials refused, account locked, no session slot
    ├── NotFoundError        the addressed object does not exist
    ├── ConflictError        conflicts with the device's state (ETag, already exists, owned)
    ├── UnsupportedError     not offered by this firmware / on this path
    ├── TransientError       worth retrying: 5xx, reset, dropped session
    ├── DeviceTimeoutError   a deadline passed (task monitor, prompt, heartbeat)
    ├── DeviceError          the device refused; ``device_message`` holds its words
    ├── ValidationError      input rejected before anything was sent
    └── ChangeError          a guarded change did not (fully) happen: see its attributes
"""
from __future__ import annotations

import re


class VesselError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(self, message: str, *, target: str | None = None, operation: str | None = None,
                 device_message: str | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.operation = operation
        self.device_message = device_message
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = " ".join(p for p in (
            f"target={self.target}" if self.target else "",
            f"operation={self.operation}" if self.operation else "",
        ) if p)
        text = self.message
        if self.device_message and self.device_message not in text:
            text = f"{text}: {self.device_message}"
        return f"{text} [{where}]" if where else text


class AuthError(VesselError):
    """Credentials refused, account locked, or no session slot left."""


class NotFoundError(VesselError):
    """The addressed object (blade, VLAN, port, account, URI) does not exist."""


class ConflictError(VesselError):
    """The change conflicts with the device's current state (ETag mismatch, member of another LAG)."""


class UnsupportedError(VesselError):
    """The operation is not offered by this firmware or on this path."""


class TransientError(VesselError):
    """A failure worth retrying: 5xx, connection reset, dropped session."""


class DeviceTimeoutError(VesselError):
    """A deadline passed (task monitor, prompt, heartbeat)."""


#: former name, kept for SDK users' code
TimeoutError_ = DeviceTimeoutError


class DeviceError(VesselError):
    """The device refused the request; ``device_message`` holds its own words."""


class ValidationError(VesselError):
    """Input rejected before anything was sent to the device."""


class ChangeError(VesselError):
    """A guarded change did not happen as asked.

    Attributes:
        outcome: the audit outcome word: ``failed`` (not applied, or applied in part: see
            ``after``), ``rollback`` (applied, verify failed, restored), ``rollback-failed``
            (applied, verify failed, the restore failed too: the change may be live),
            ``unsaved`` (applied and verified, but not made persistent).
        rolled_back: the target was brought back to its snapshot.
        snapshot_id: the snapshot taken before the change (None: none was needed or possible).
        after: the object as the device shows it after the failure (None: absent).
        after_known: whether the device could be read back (False: ``after`` means nothing).
    """

    def __init__(self, message: str, *, outcome: str = "failed", rolled_back: bool = False,
                 snapshot_id: str | None = None, after: object = None, after_known: bool = False,
                 **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.outcome = outcome
        self.rolled_back = rolled_back
        self.snapshot_id = snapshot_id
        self.after = after
        self.after_known = after_known


_SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|userpasswd|token|x-auth-token|sessid|csrftoken|secret)(\s*[=:]\s*|\"\s*:\s*\")([^\s&\"<,;]+)"),
    re.compile(r"(?i)(<csrftoken>)([^<]+)(</csrftoken>)"),
]


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Remove known secret values and secret-looking ``key=value`` pairs from ``text``."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)
    return text
