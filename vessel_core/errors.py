"""One error hierarchy for every driver and SDK call.

Each error carries the ``target`` (a host, a switch slot such as ``"2X"``, a blade slot) and
the ``operation`` (a method name, a CLI command, ``"PATCH /redfish/v1/..."``) it came from, so a
diagnostic can name both. Messages never contain secrets: drivers pass device text through
:func:`redact` before raising.
"""
from __future__ import annotations

import re


class VesselError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(self, message: str, *, target: str | None = None, operation: str | None = None,
                 device_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.operation = operation
        self.device_message = device_message

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


class TimeoutError_(VesselError):
    """A deadline passed (task monitor, prompt, heartbeat)."""


# Public name without clobbering the builtin inside this module.
DeviceTimeoutError = TimeoutError_


class DeviceError(VesselError):
    """The device refused the request; ``device_message`` holds its own words."""


class ValidationError(VesselError):
    """Input rejected before anything was sent to the device."""


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
