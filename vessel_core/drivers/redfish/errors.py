"""Redfish responses → the shared error tree, at one boundary.

::

    VesselError
    ├── AuthError            401; 403 (ForbiddenError); login refused; no session slot left
    ├── NotFoundError        404
    ├── ConflictError        409; 412 (PreconditionFailedError: stale or missing ETag)
    ├── UnsupportedError     405, 501; "…NotSupported" / "…NotWritable" message ids
    ├── TransientError       5xx and connection resets once retries are used up
    ├── DeviceTimeoutError   task monitor or HTTP deadline passed
    └── DeviceError          anything else the device refused (400, …)
        └── TaskFailedError  an accepted task ended in Exception (or Killed, Cancelled, …)

Each raised error carries ``status`` (HTTP status or ``None``) and ``message_ids`` (the
``@Message.ExtendedInfo`` ids) besides the shared ``target``/``operation``/``device_message``.
Device text is passed through :func:`vessel_core.errors.redact` with the client's secrets.
"""
from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import ValidationError as PydanticValidationError

from vessel_core.errors import AuthError, ConflictError, DeviceError, NotFoundError, TransientError, UnsupportedError, VesselError, redact
from vessel_core.models.redfish import ErrorBody

__all__ = ["ForbiddenError", "PreconditionFailedError", "SessionLimitError", "TaskFailedError", "parse_error_body",
           "error_for_response", "annotate", "credentials_refused"]


class ForbiddenError(AuthError):
    """403: the account may not do this, or this service does not serve the path (the HMM
    answers 403 for ``/Systems/Blade<N>``)."""


class PreconditionFailedError(ConflictError):
    """412: the ``If-Match`` ETag was stale or missing."""


class SessionLimitError(AuthError):
    """The service has no free session slot."""


class TaskFailedError(DeviceError):
    """A task the service accepted ended in ``Exception``/``Killed``/``Cancelled``/…"""


_SESSION_LIMIT_MARKERS = ("SessionLimitExceeded", "CreateLimitReachedForResource",
                          "SessionLimit", "NoSessionSlot")
_AUTH_MARKERS = ("AuthorizationFailed", "NoValidSession", "AccountLocked", "InsufficientPrivilege",
                 "LoginFailed", "UserLocked")
# The message ids a service gives when it checked the credentials and refused them (unlike
# NoValidSession, which only says that no credentials of an accepted kind came along).
_CREDENTIAL_MARKERS = ("AuthorizationFailed", "AccountLocked", "LoginFailed", "UserLocked")
_UNSUPPORTED_MARKERS = ("NotSupported", "NotWritable", "ActionNotSupported", "PropertyUnknown")


def annotate(err: VesselError, status: int | None, message_ids: list[str] | None = None) -> VesselError:
    err.status = status  # type: ignore[attr-defined]
    err.message_ids = list(message_ids or [])  # type: ignore[attr-defined]
    return err


def parse_error_body(response: httpx.Response) -> ErrorBody | None:
    """The ``{"error": …}`` document of ``response``, or ``None`` when it is not one."""
    try:
        doc: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
        return None
    try:
        return ErrorBody.model_validate(doc)
    except PydanticValidationError:
        return None


def _has(ids: list[str], markers: tuple[str, ...]) -> bool:
    return any(m in i for i in ids for m in markers)


def credentials_refused(response: httpx.Response) -> bool:
    """A 401 whose body says the user name or password was checked and refused."""
    body = parse_error_body(response)
    return _has(body.message_ids if body else [], _CREDENTIAL_MARKERS)


def error_for_response(response: httpx.Response, *, target: str | None, operation: str,
                       secrets: tuple[str, ...] = (), body: ErrorBody | None = None,
                       login: bool = False) -> VesselError:
    """The most specific shared error for a failed ``response``."""
    status = response.status_code
    body = body if body is not None else parse_error_body(response)
    ids = body.message_ids if body else []
    detail: str | None = None
    if body:
        worst = body.most_severe()
        detail = (worst.message if worst and worst.message else body.error.message) or body.error.code
    elif response.content and len(response.content) < 2000:
        detail = response.text.strip() or None
    detail = redact(detail, secrets) if detail else None
    msg_id = f" ({', '.join(ids)})" if ids else ""

    cls: type[VesselError]
    if _has(ids, _SESSION_LIMIT_MARKERS):
        cls, text = SessionLimitError, "no free session slot on the service"
    elif status == 403 and not login:
        # Checked before the auth markers: the HMM answers 403 InsufficientPrivilege for
        # paths it does not serve (/Systems/Blade<N>), which is not a credentials problem.
        cls, text = ForbiddenError, "access forbidden"
    elif status in (401, 403) or (login and status == 400) or _has(ids, _AUTH_MARKERS):
        cls, text = AuthError, "authentication refused"
    elif status == 404:
        cls, text = NotFoundError, "resource not found"
    elif status == 412:
        cls, text = PreconditionFailedError, "ETag precondition failed"
    elif status == 409:
        cls, text = ConflictError, "conflict with the current state"
    elif status in (405, 501) or _has(ids, _UNSUPPORTED_MARKERS):
        cls, text = UnsupportedError, "not supported by this service"
    elif status >= 500:
        cls, text = TransientError, f"server error HTTP {status}"
    else:
        cls, text = DeviceError, f"request refused with HTTP {status}"
    err = cls(f"{text}{msg_id}", target=target, operation=operation, device_message=detail)
    return annotate(err, status, ids)
