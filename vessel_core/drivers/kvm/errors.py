"""Typed KVM failures, each a subclass of the shared :mod:`vessel_core.errors` classes."""
from __future__ import annotations

from vessel_core.errors import (
    AuthError,
    ConflictError,
    DeviceError,
    DeviceTimeoutError,
    NotFoundError,
    TransientError,
    UnsupportedError,
    ValidationError,
)


class KvmDecodeError(DeviceError):
    """Video data that does not follow the codec (truncated, out of range, invalid token)."""

    def __init__(self, message: str, *, target: str | None = None,
                 operation: str | None = "kvm.decode") -> None:
        super().__init__(message, target=target, operation=operation)


class KvmProtocolError(DeviceError):
    """The KVM peer sent something the protocol does not allow (bad framing, unexpected op)."""


class KvmAuthError(AuthError):
    """Web login refused, or the KVM channel refused the session credentials."""


class KvmSlotEmptyError(NotFoundError):
    """No blade in the requested slot (BLADE_STATE without the presence bit)."""


class KvmUnsupportedError(UnsupportedError):
    """The blade reports no KVM support, or the requested codec is not offered."""


class KvmSessionTakenError(ConflictError):
    """Another viewer already holds the blade's KVM session."""


class KvmBladeDownError(ConflictError):
    """The blade reports itself down (powered off) and sent no video before the deadline."""


class KvmTimeoutError(DeviceTimeoutError):
    """A KVM step did not finish before its deadline."""


class KvmConnectionError(TransientError):
    """TCP connect failed or the peer closed the connection."""


class KvmValidationError(ValidationError):
    """Bad argument (slot number, encoding hint, coordinates) rejected before sending."""


__all__ = [
    "KvmDecodeError", "KvmProtocolError", "KvmAuthError", "KvmSlotEmptyError",
    "KvmUnsupportedError", "KvmSessionTakenError", "KvmBladeDownError", "KvmTimeoutError",
    "KvmConnectionError", "KvmValidationError",
]
