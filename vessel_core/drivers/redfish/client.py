"""Async Redfish client: one HTTP connection pool and one session per service.

Usage::

    async with RedfishClient("https://10.0.0.5", "root", pw, tls=TLSConfig(ca_bundle=ca)) as rf:
        system = await rf.get_system("Blade1")
        await rf.set_boot_override("Blade1", "Pxe", enabled="Once")
        task = await rf.simple_update("/tmp/web/image.hpm", timeout=1800)

Behaviour, in the order a call meets it:

1. **Auth** — ``auth="auto"`` (default) first reads the service root (public by the Redfish
   spec). A root without ``SessionService`` (and without ``Links.Sessions``) means HTTP Basic.
   Otherwise it creates a session (``POST …/SessionService/Sessions``, ``X-Auth-Token`` +
   ``Location``) and falls back to Basic when the session POST answers 404/405/501, or 401 with
   ``WWW-Authenticate: Basic`` and no message saying the credentials were refused (a wrong
   password stays an :class:`AuthError`, with no second attempt that could lock the account).
   ``"session"`` and ``"basic"`` force one mode. A 401 on a session call re-logs in once
   (concurrent callers share one re-login) and repeats the call.
2. **Retries** — see :mod:`.retry`: 5xx and connection resets are retried with backoff for
   idempotent calls only; POST never.
3. **Errors** — see :mod:`.errors`. Huawei's error-shaped ``Base.1.0.Success`` answer is a
   success.
4. **ETags** — :meth:`patch` sends ``If-Match`` (from a fresh GET unless given) and, on 412,
   re-reads once and retries once.
5. **Tasks** — :meth:`wait_task` polls a task monitor / Task resource to a terminal state or
   raises :class:`~vessel_core.errors.DeviceTimeoutError` at the deadline.

OEM properties and actions use the vendor key the service names (:meth:`RedfishClient.oem_key`:
``Huawei``, or ``xFusion`` after the rebrand), never a fixed ``Huawei``.

Secrets (password, X-Auth-Token, own session id) never appear in logs or exception texts.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError as PydanticValidationError

from vessel_core.drivers.redfish.errors import (
    TaskFailedError,
    annotate,
    credentials_refused,
    error_for_response,
    parse_error_body,
)
from vessel_core.drivers.redfish.retry import RetryPolicy
from vessel_core.drivers.tls import TLSConfig, tls_failure, transport_failure
from vessel_core.errors import (
    AuthError,
    DeviceError,
    DeviceTimeoutError,
    NotFoundError,
    TransientError,
    UnsupportedError,
    ValidationError,
    VesselError,
    redact,
)
from vessel_core.models.redfish import (
    AccountService,
    Bios,
    Chassis,
    Collection,
    ComputerSystem,
    Drive,
    Manager,
    ManagerAccount,
    Memory,
    Power,
    Processor,
    Resource,
    ServiceRoot,
    Session,
    SoftwareInventory,
    Storage,
    Task,
    Thermal,
    UpdateService,
    VirtualMedia,
)

__all__ = ["RedfishClient", "RedfishResponse"]

log = logging.getLogger(__name__)


class _SessionIdFilter(logging.Filter):
    """httpx logs every request URL at INFO; the logout URL holds the own session id. Mask
    the ids of live sessions of this process in those records."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.ids and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            new = []
            for a in args:
                text = str(a)
                if any(i in text for i in self.ids):
                    for i in self.ids:
                        text = text.replace(i, "***")
                    a = text
                new.append(a)
            record.args = tuple(new)
        return True


_SESSION_IDS = _SessionIdFilter()
logging.getLogger("httpx").addFilter(_SESSION_IDS)

M = TypeVar("M", bound=Resource)

SESSIONS_PATH = "/redfish/v1/SessionService/Sessions"
ROOT_PATH = "/redfish/v1/"

AuthMode = Literal["auto", "session", "basic"]


@dataclass
class RedfishResponse:
    status: int
    headers: httpx.Headers
    body: dict[str, Any] | None
    path: str
    retried: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        """The ``ETag`` header, else the body's ``@odata.etag``."""
        tag = self.headers.get("ETag")
        if tag:
            return tag
        return (self.body or {}).get("@odata.etag")

    @property
    def location(self) -> str | None:
        loc = self.headers.get("Location")
        return _path_of(loc) if loc else None


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else url


class RedfishClient:
    """A Redfish service (HMM or blade iBMC), reached over one keep-alive connection pool."""

    def __init__(self, base_url: str, username: str, password: str, *,
                 tls: TLSConfig | None = None, auth: AuthMode = "auto",
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, task_poll_interval: float = 2.0,
                 task_timeout: float = 1800.0, target: str | None = None,
                 event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
                 max_concurrency: int = 8,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        if auth not in ("auto", "session", "basic"):
            raise ValidationError(f"auth must be auto, session or basic, got {auth!r}",
                                  operation="redfish.auth")
        self.base_url = base_url.rstrip("/")
        self.target = target or urlsplit(self.base_url).hostname or self.base_url
        self._username = username
        self._password = password
        self._auth_mode: AuthMode = auth
        self._active: Literal["session", "basic"] | None = None
        self._token: str | None = None
        self._session_uri: str | None = None
        self._generation = 0
        self._login_lock = asyncio.Lock()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng
        self.task_poll_interval = task_poll_interval
        self.task_timeout = task_timeout
        self._sem = asyncio.Semaphore(max_concurrency)
        self._root: ServiceRoot | None = None
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=(tls or TLSConfig()).httpx_verify(self.target), retries=0)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, transport=transport, timeout=timeout,
            follow_redirects=False, event_hooks=event_hooks,
            headers={"Accept": "application/json", "OData-Version": "4.0"})

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> "RedfishClient":
        await self.login()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def auth_in_use(self) -> str | None:
        """``"session"``, ``"basic"`` or ``None`` before the first login."""
        return self._active

    @property
    def _secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._password, self._token, self._session_id) if s)

    @property
    def _session_id(self) -> str | None:
        return self._session_uri.rstrip("/").rsplit("/", 1)[-1] if self._session_uri else None

    def _safe(self, path: str) -> str:
        """``path`` for logs and errors, with the own session id masked."""
        sid = self._session_id
        return path.replace(sid, "***") if sid else path

    async def login(self) -> None:
        """Authenticate now (otherwise done lazily by the first call)."""
        async with self._login_lock:
            if self._active is None:
                await self._login_locked()

    async def close(self) -> None:
        """Delete the own session (errors ignored) and close the connection pool."""
        try:
            if self._active == "session" and self._session_uri and self._token:
                try:
                    r = await self._http.delete(self._session_uri, headers=self._auth_headers())
                    log.debug("redfish logout %s -> %s", self.target, r.status_code)
                except httpx.HTTPError as exc:
                    log.debug("redfish logout %s failed: %s", self.target, type(exc).__name__)
        finally:
            self._forget_session()
            self._active = None
            await self._http.aclose()

    def _forget_session(self) -> None:
        if self._session_id:
            _SESSION_IDS.ids.discard(self._session_id)
        self._token = None
        self._session_uri = None

    # ------------------------------------------------------------------ auth
    def _auth_headers(self) -> dict[str, str]:
        if self._active == "session" and self._token:
            return {"X-Auth-Token": self._token}
        if self._active == "basic":
            raw = f"{self._username}:{self._password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}

    def _use_basic(self, why: str) -> None:
        log.info("redfish %s: %s; using basic auth", self.target, why)
        self._active = "basic"
        self._generation += 1

    async def _public_root(self) -> ServiceRoot | None:
        """The service root read without credentials (Redfish requires it to be public);
        None when this service does not serve it so."""
        try:
            r = await self._http.get(ROOT_PATH)
        except httpx.TransportError as exc:
            raise transport_failure(exc, what="login", target=self.target,
                                    operation=f"GET {ROOT_PATH}") from exc
        doc = _json_or_none(r) if r.status_code == 200 else None
        if doc is None or "error" in doc:
            return None
        try:
            return ServiceRoot.model_validate(doc)
        except PydanticValidationError:
            return None

    async def _login_locked(self) -> None:
        op = f"POST {SESSIONS_PATH}"
        if self._auth_mode == "basic":
            self._active = "basic"
            self._generation += 1
            return
        if self._auth_mode == "auto":
            root = await self._public_root()
            if root is not None:
                self._root = root
                if not root.has_session_service:
                    self._use_basic("the service root names no SessionService")
                    return
        try:
            r = await self._http.post(SESSIONS_PATH, json={"UserName": self._username,
                                                           "Password": self._password})
        except httpx.TransportError as exc:
            raise transport_failure(exc, what="login", target=self.target, operation=op) from exc
        log.debug("redfish login %s -> %s", self.target, r.status_code)
        if r.status_code in (404, 405, 501) and self._auth_mode == "auto":
            self._use_basic(f"no session service (HTTP {r.status_code})")
            return
        if (r.status_code == 401 and self._auth_mode == "auto"
                and r.headers.get("WWW-Authenticate", "").lower().startswith("basic")
                and not credentials_refused(r)):
            self._use_basic("the session POST asks for Basic credentials (401 WWW-Authenticate)")
            return
        if r.status_code >= 400:
            err = error_for_response(r, target=self.target, operation=op, secrets=self._secrets,
                                     login=True)
            if err.__class__ is TransientError:
                raise err
            if not isinstance(err, AuthError):
                err = annotate(AuthError(f"login refused: {err.message}", target=self.target,
                                         operation=op, device_message=err.device_message),
                               r.status_code, getattr(err, "message_ids", []))
            raise err
        token = r.headers.get("X-Auth-Token")
        location = r.headers.get("Location")
        if not location:
            try:
                location = (r.json() or {}).get("@odata.id")
            except ValueError:
                location = None
        if not token:
            if self._auth_mode == "auto":
                self._use_basic("session answer without X-Auth-Token")
                return
            raise AuthError("session created without X-Auth-Token", target=self.target,
                            operation=op)
        self._token = token
        self._session_uri = _path_of(location) if location else None
        if self._session_id:
            _SESSION_IDS.ids.add(self._session_id)
        self._active = "session"
        self._generation += 1

    async def _relogin(self, seen_generation: int) -> None:
        async with self._login_lock:
            if self._generation != seen_generation:
                return  # another caller already re-logged in
            log.info("redfish %s: session expired; logging in again", self.target)
            self._forget_session()
            self._active = None
            await self._login_locked()

    # ------------------------------------------------------------------ core request
    async def request(self, method: str, path: str, *, json: Any = None,
                      headers: dict[str, str] | None = None, files: Any = None,
                      data: Any = None, replay: bool | None = None,
                      accept_statuses: tuple[int, ...] = ()) -> RedfishResponse:
        """One Redfish call with auth, retries and error mapping applied.

        ``replay`` overrides the idempotency rule of :class:`RetryPolicy` (only to *forbid*
        replays is it ever sensible to pass it). ``accept_statuses`` are returned, not raised.
        """
        method = method.upper()
        path = _path_of(path)
        op = f"{method} {self._safe(path)}"
        may_replay = self._retry.may_replay(method, headers) if replay is None else replay
        if self._active is None:
            await self.login()
        retries = 0
        reauthed = False
        transport_failed = False
        while True:
            gen = self._generation
            hdrs = {**(headers or {}), **self._auth_headers()}
            started = time.monotonic()
            try:
                async with self._sem:
                    r = await self._http.request(method, path, json=json, headers=hdrs,
                                                 files=files, data=data)
            except httpx.TransportError as exc:
                kind = type(exc).__name__
                if (tls_err := tls_failure(exc, target=self.target, operation=op)) is not None:
                    raise tls_err from exc
                log.debug("redfish %s %s: %s (try %d)", self.target, op, kind, retries + 1)
                if may_replay and retries + 1 < self._retry.attempts:
                    await self._sleep(self._retry.delay(retries, rng=self._rng))
                    retries += 1
                    transport_failed = True
                    continue
                if isinstance(exc, httpx.TimeoutException):
                    raise DeviceTimeoutError(f"no answer in time ({kind})", target=self.target,
                                             operation=op) from exc
                raise TransientError(f"connection failed ({kind})", target=self.target,
                                     operation=op) from exc
            log.debug("redfish %s %s -> %s (%.0f ms, try %d)", self.target, op, r.status_code,
                      (time.monotonic() - started) * 1000, retries + 1)
            if (r.status_code == 401 and self._active == "session" and not reauthed):
                reauthed = True
                await self._relogin(gen)
                continue
            if (self._retry.retry_status(r.status_code) and may_replay
                    and retries + 1 < self._retry.attempts):
                await self._sleep(self._retry.delay(retries, r, rng=self._rng))
                retries += 1
                continue
            if (r.status_code == 404 and method == "DELETE" and transport_failed):
                log.debug("redfish %s %s: 404 after a lost reply; the first DELETE landed",
                          self.target, op)
                return RedfishResponse(204, r.headers, None, path, retries)
            if r.status_code in accept_statuses:
                return RedfishResponse(r.status_code, r.headers, _json_or_none(r), path, retries)
            return self._check(r, path, op, retries)

    def _check(self, r: httpx.Response, path: str, op: str, retries: int) -> RedfishResponse:
        body = _json_or_none(r)
        err_body = parse_error_body(r) if body is not None and "error" in body else None
        if err_body is not None and err_body.is_success and r.status_code < 500:
            # Huawei: an error-shaped document whose only message is Base.1.0.Success.
            return RedfishResponse(r.status_code if r.status_code < 400 else 200, r.headers,
                                   body, path, retries, {"error_shaped_success": True})
        if r.status_code >= 400 or err_body is not None:
            raise error_for_response(r, target=self.target, operation=op, secrets=self._secrets,
                                     body=err_body)
        return RedfishResponse(r.status_code, r.headers, body, path, retries)

    # ------------------------------------------------------------------ verbs
    async def get(self, path: str) -> RedfishResponse:
        return await self.request("GET", path)

    async def get_json(self, path: str) -> dict[str, Any]:
        return (await self.get(path)).body or {}

    async def get_model(self, path: str, model: type[M]) -> M:
        doc = await self.get_json(path)
        return self.validate(doc, model, path)

    def validate(self, doc: dict[str, Any], model: type[M], path: str) -> M:
        try:
            return model.model_validate(doc)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise DeviceError(f"malformed {model.__name__} at {self._safe(path)}: {loc}: "
                              f"{first['msg']}", target=self.target,
                              operation=f"GET {self._safe(path)}") from exc

    async def post(self, path: str, body: Any = None, **kw: Any) -> RedfishResponse:
        return await self.request("POST", path, json=body, **kw)

    async def put(self, path: str, body: Any, *, etag: str | None = None) -> RedfishResponse:
        headers = {"If-Match": etag} if etag else None
        return await self.request("PUT", path, json=body, headers=headers)

    async def delete(self, path: str) -> RedfishResponse:
        return await self.request("DELETE", path)

    async def patch(self, path: str, body: dict[str, Any], *, etag: str | None = None,
                    if_match: bool = True) -> RedfishResponse:
        """PATCH with ``If-Match``; on 412 the resource is re-read once and the PATCH retried
        once with the fresh ETag (Huawei iBMC requires If-Match on every PATCH/PUT)."""
        if not if_match:
            return await self.request("PATCH", path, json=body)
        if etag is None:
            etag = (await self.get(path)).etag
        try:
            return await self._patch_with(path, body, etag)
        except VesselError as exc:
            if getattr(exc, "status", None) != 412:
                raise
            log.debug("redfish %s PATCH %s: 412, re-reading the ETag once", self.target,
                      self._safe(path))
            fresh = (await self.get(path)).etag
            return await self._patch_with(path, body, fresh)

    async def _patch_with(self, path: str, body: dict[str, Any], etag: str | None) -> RedfishResponse:
        headers = {"If-Match": etag} if etag else None
        return await self.request("PATCH", path, json=body, headers=headers)

    async def post_action(self, path: str, body: dict[str, Any] | None = None, *,
                          wait: bool = True, timeout: float | None = None,
                          on_progress: Callable[[Task], Any] | None = None
                          ) -> RedfishResponse | Task:
        """POST an action. A 202 (task) is awaited when ``wait``; returns the Task then."""
        r = await self.post(path, body or {})
        if r.status == 202 and wait:
            return await self.wait_task(r, timeout=timeout, on_progress=on_progress)
        return r

    # ------------------------------------------------------------------ tasks
    def _task_uri(self, ref: RedfishResponse | str) -> str:
        if isinstance(ref, str):
            return _path_of(ref)
        body = ref.body or {}
        if "Task." in str(body.get("@odata.type", "")) and body.get("@odata.id"):
            return _path_of(body["@odata.id"])
        if ref.location:
            return ref.location
        task_link = body.get("Task") if isinstance(body.get("Task"), dict) else None
        if task_link and task_link.get("@odata.id"):
            return _path_of(task_link["@odata.id"])
        raise DeviceError("202 Accepted without a task location", target=self.target,
                          operation=f"POST {self._safe(ref.path)}")

    async def wait_task(self, ref: RedfishResponse | str, *, timeout: float | None = None,
                        poll_interval: float | None = None,
                        on_progress: Callable[[Task], Any] | None = None) -> Task:
        """Poll a task monitor or Task resource until it ends.

        Returns the Task on ``Completed``; raises :class:`DeviceError` on ``Exception``,
        ``Killed``, ``Cancelled`` or ``Interrupted`` (with the task's messages) and
        :class:`DeviceTimeoutError` when ``timeout`` seconds pass first.
        """
        uri = self._task_uri(ref)
        timeout = self.task_timeout if timeout is None else timeout
        interval = self.task_poll_interval if poll_interval is None else poll_interval
        deadline = time.monotonic() + timeout
        state = "unknown"
        while True:
            r = await self.request("GET", uri, accept_statuses=(202,))
            body = r.body or {}
            is_task = "TaskState" in body or "Task." in str(body.get("@odata.type", ""))
            if is_task:
                task = self.validate(body, Task, uri)
                state = task.task_state or "unknown"
                if on_progress is not None:
                    on_progress(task)
                if task.is_terminal:
                    if task.succeeded:
                        return task
                    detail = "; ".join(redact(m.message or m.message_id or "", self._secrets)
                                       for m in task.message_list) or None
                    err = TaskFailedError(f"task ended in state {state}", target=self.target,
                                          operation=f"task {uri}", device_message=detail)
                    raise annotate(err, r.status, [m.message_id for m in task.message_list
                                                   if m.message_id])
            elif r.status != 202:
                # A task monitor answers with the operation's own result once done.
                return Task.model_validate({**body, "TaskState": "Completed"})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeoutError(f"task still {state} after {timeout:g} s",
                                         target=self.target, operation=f"task {uri}")
            ra = r.headers.get("Retry-After")
            wait = float(ra) if ra and ra.strip().isdigit() else interval
            await self._sleep(max(0.0, min(wait, remaining)))

    # ------------------------------------------------------------------ typed helpers
    async def service_root(self, *, refresh: bool = False) -> ServiceRoot:
        if self._root is None or refresh:
            self._root = await self.get_model(ROOT_PATH, ServiceRoot)
        return self._root

    async def members(self, collection_path: str) -> list[str]:
        coll = await self.get_model(collection_path, Collection)
        return coll.member_paths

    async def get_many(self, paths: list[str], model: type[M]) -> list[M]:
        """GET several resources concurrently (bounded by ``max_concurrency``)."""
        return list(await asyncio.gather(*(self.get_model(p, model) for p in paths)))

    async def list_models(self, collection_path: str, model: type[M]) -> list[M]:
        return await self.get_many(await self.members(collection_path), model)

    @staticmethod
    def _id_path(kind: str, ident: str) -> str:
        return ident if ident.startswith("/") else f"/redfish/v1/{kind}/{ident}"

    async def get_system(self, ident: str) -> ComputerSystem:
        return await self.get_model(self._id_path("Systems", ident), ComputerSystem)

    async def list_systems(self) -> list[ComputerSystem]:
        return await self.list_models("/redfish/v1/Systems", ComputerSystem)

    async def get_chassis(self, ident: str) -> Chassis:
        return await self.get_model(self._id_path("Chassis", ident), Chassis)

    async def list_chassis(self) -> list[Chassis]:
        return await self.list_models("/redfish/v1/Chassis", Chassis)

    async def get_manager(self, ident: str) -> Manager:
        return await self.get_model(self._id_path("Managers", ident), Manager)

    async def list_managers(self) -> list[Manager]:
        return await self.list_models("/redfish/v1/Managers", Manager)

    async def get_power(self, chassis_ident: str) -> Power:
        return await self.get_model(self._id_path("Chassis", chassis_ident) + "/Power", Power)

    async def get_thermal(self, chassis_ident: str) -> Thermal:
        return await self.get_model(self._id_path("Chassis", chassis_ident) + "/Thermal", Thermal)

    async def reset_system(self, ident: str, reset_type: str, *, wait: bool = True,
                           timeout: float | None = None) -> RedfishResponse | Task:
        """``ComputerSystem.Reset``, checked against the advertised allowable values."""
        system = await self.get_system(ident)
        allowed = system.allowed_reset_types
        if allowed is not None and reset_type not in allowed:
            raise ValidationError(f"reset_type {reset_type!r} not offered; allowed: "
                                  f"{', '.join(allowed)}", target=self.target,
                                  operation="ComputerSystem.Reset")
        target = system.reset_target or (self._id_path("Systems", ident)
                                         + "/Actions/ComputerSystem.Reset")
        return await self.post_action(target, {"ResetType": reset_type}, wait=wait,
                                      timeout=timeout)

    async def set_boot_override(self, ident: str, target: str, *, enabled: str = "Once",
                                mode: str | None = None) -> RedfishResponse:
        """PATCH ``Boot`` with If-Match, after checking ``target`` against the allowed list."""
        path = self._id_path("Systems", ident)
        current = await self.get(path)
        system = self.validate(current.body or {}, ComputerSystem, path)
        allowed = system.boot.allowed_targets if system.boot else None
        if allowed is not None and target not in allowed:
            raise ValidationError(f"boot target {target!r} not offered; allowed: "
                                  f"{', '.join(allowed)}", target=self.target,
                                  operation="Boot.BootSourceOverrideTarget")
        boot: dict[str, Any] = {"BootSourceOverrideTarget": target,
                                "BootSourceOverrideEnabled": enabled}
        if mode:
            boot["BootSourceOverrideMode"] = mode
        return await self.patch(path, {"Boot": boot}, etag=current.etag)

    # ------------------------------------------------------------------ vendor (OEM) key
    async def oem_key(self) -> str:
        """The vendor key of this service's OEM properties and action paths.

        Read from the service root (``Oem`` object, ``Vendor``; see
        :attr:`ServiceRoot.oem_key`): ``Huawei`` on Huawei iBMCs, ``xFusion`` on rebranded
        firmware. :class:`UnsupportedError` when the root names none."""
        key = (await self.service_root()).oem_key
        if not key:
            raise UnsupportedError("the service root names no vendor (no Oem object, no Vendor)",
                                   target=self.target, operation=f"GET {ROOT_PATH}")
        return key

    # ------------------------------------------------------------------ virtual media
    def _media_path(self, manager_ident: str, device: str) -> str:
        return self._id_path("Managers", manager_ident) + f"/VirtualMedia/{device}"

    async def get_virtual_media(self, manager_ident: str, device: str = "CD") -> VirtualMedia:
        return await self.get_model(self._media_path(manager_ident, device), VirtualMedia)

    async def vmm_control(self, manager_ident: str, control: str, image: str | None = None, *,
                          device: str = "CD", wait: bool = True,
                          timeout: float | None = None) -> RedfishResponse | Task:
        """The vendor's ``VirtualMedia.VmmControl`` (``Connect`` with an image, or
        ``Disconnect``): the advertised target, else ``…/<device>/Oem/<key>/Actions/…``."""
        key = await self.oem_key()
        vm = await self.get_virtual_media(manager_ident, device)
        target = vm.vmm_control_target(key) or (
            self._media_path(manager_ident, device) + f"/Oem/{key}/Actions/VirtualMedia.VmmControl")
        body: dict[str, Any] = {"VmmControlType": control}
        if image is not None:
            body["Image"] = image
        return await self.post_action(target, body, wait=wait, timeout=timeout)

    async def insert_media(self, manager_ident: str, image: str, *, device: str = "CD",
                           timeout: float | None = None, connect_attempts: int = 3
                           ) -> Literal["InsertMedia", "VmmControl"]:
        """Attach ``image``: the standard ``#VirtualMedia.InsertMedia`` when the resource
        advertises it, else the vendor ``VmmControl`` ``Connect`` (202 + Task, polled).

        A VmmControl ``Connect`` whose task ends in ``Exception`` is repeated up to
        ``connect_attempts`` times in all (the iBMC's connect sometimes fails and succeeds on
        a retry); a refused request (400, e.g. ``FileTransferProtocolMismatch``) is not.
        Returns the path used."""
        vm = await self.get_virtual_media(manager_ident, device)
        standard = vm.standard_action_target("InsertMedia")
        if standard is not None:
            await self.post_action(standard, {"Image": image, "Inserted": True,
                                              "WriteProtected": True}, timeout=timeout)
            return "InsertMedia"
        attempt = 1
        while True:
            try:
                await self.vmm_control(manager_ident, "Connect", image, device=device,
                                       timeout=timeout)
                return "VmmControl"
            except TaskFailedError:
                if attempt >= connect_attempts:
                    raise
                log.info("redfish %s: VmmControl Connect task failed (try %d of %d); again",
                         self.target, attempt, connect_attempts)
                attempt += 1
                if (await self.get_virtual_media(manager_ident, device)).inserted:
                    return "VmmControl"

    async def eject_media(self, manager_ident: str, *, device: str = "CD",
                          timeout: float | None = None) -> Literal["EjectMedia", "VmmControl"]:
        """Detach the image: ``#VirtualMedia.EjectMedia`` when advertised, else the vendor
        ``VmmControl`` ``Disconnect``. Returns the path used."""
        vm = await self.get_virtual_media(manager_ident, device)
        standard = vm.standard_action_target("EjectMedia")
        if standard is not None:
            await self.post_action(standard, {}, timeout=timeout)
            return "EjectMedia"
        await self.vmm_control(manager_ident, "Disconnect", device=device, timeout=timeout)
        return "VmmControl"

    # ------------------------------------------------------------------ BIOS and boot order
    async def get_bios(self, system_ident: str) -> Bios:
        system = await self.get_system(system_ident)
        path = system.bios_path
        if path is None:
            raise UnsupportedError("the ComputerSystem links no Bios resource", target=self.target,
                                   operation=f"GET {self._id_path('Systems', system_ident)}")
        return await self.get_model(path, Bios)

    async def get_bios_settings(self, system_ident: str) -> Bios:
        """The pending BIOS settings (``@Redfish.Settings.SettingsObject``, else
        ``…/Bios/Settings``): attributes set but not applied until the next boot."""
        bios = await self.get_bios(system_ident)
        path = bios.settings_path or f"{bios.odata_id or ''}/Settings"
        return await self.get_model(path, Bios)

    async def set_bios_settings(self, system_ident: str, attributes: dict[str, Any]) -> RedfishResponse:
        """PATCH the pending BIOS settings (with If-Match); they apply on the next reset."""
        bios = await self.get_bios(system_ident)
        path = bios.settings_path or f"{bios.odata_id or ''}/Settings"
        return await self.patch(path, {"Attributes": attributes})

    async def set_bootup_sequence(self, system_ident: str, order: list[str]) -> RedfishResponse:
        """V3 boards: PATCH ``Oem.<key>.BootupSequence`` on the ComputerSystem (If-Match);
        effective at once."""
        key = await self.oem_key()
        return await self.patch(self._id_path("Systems", system_ident),
                                {"Oem": {key: {"BootupSequence": list(order)}}})

    # ------------------------------------------------------------------ inventory
    async def _system_members(self, system: str | ComputerSystem, link: str, model: type[M]) -> list[M]:
        if isinstance(system, str):
            system = await self.get_system(system)
        path = {"Processors": system.processors_path, "Memory": system.memory_path,
                "Storage": system.storage_path}[link]
        if path is None:
            return []
        return await self.list_models(path, model)

    async def processors(self, system_ident: str | ComputerSystem) -> list[Processor]:
        return await self._system_members(system_ident, "Processors", Processor)

    async def memory(self, system_ident: str | ComputerSystem) -> list[Memory]:
        return await self._system_members(system_ident, "Memory", Memory)

    async def storage(self, system_ident: str | ComputerSystem) -> list[Storage]:
        """The system's storage subsystems (the link is ``Storage``; Huawei points it at
        ``…/Storages`` with members such as ``RAIDStorage0``). The inventory readers take the
        system's id, or the ComputerSystem already read (one GET fewer)."""
        return await self._system_members(system_ident, "Storage", Storage)

    async def drives(self, storage: Storage) -> list[Drive]:
        return await self.get_many(storage.drive_paths, Drive)

    async def update_service(self) -> UpdateService:
        return await self.get_model("/redfish/v1/UpdateService", UpdateService)

    async def firmware_inventory(self) -> list[SoftwareInventory]:
        us = await self.update_service()
        if us.firmware_inventory is None:
            raise UnsupportedError("UpdateService has no FirmwareInventory", target=self.target,
                                   operation="GET /redfish/v1/UpdateService")
        return await self.list_models(us.firmware_inventory.odata_id, SoftwareInventory)

    async def upload_firmware(self, filename: str, content: bytes) -> RedfishResponse:
        """Multipart upload to ``UpdateService/FirmwareInventory`` (field ``imgfile``); the
        iBMC stores it as ``/tmp/web/<filename>``. Never replayed."""
        files = {"imgfile": (filename, content, "application/octet-stream")}
        return await self.request("POST", "/redfish/v1/UpdateService/FirmwareInventory",
                                  files=files)

    async def simple_update(self, image_uri: str, *, transfer_protocol: str | None = None,
                            wait: bool = True, timeout: float | None = None,
                            on_progress: Callable[[Task], Any] | None = None
                            ) -> RedfishResponse | Task:
        us = await self.update_service()
        body: dict[str, Any] = {"ImageURI": image_uri}
        if transfer_protocol:
            body["TransferProtocol"] = transfer_protocol
        return await self.post_action(us.simple_update_target, body, wait=wait,
                                      timeout=timeout, on_progress=on_progress)

    async def account_service(self) -> AccountService:
        return await self.get_model("/redfish/v1/AccountService", AccountService)

    async def accounts(self) -> list[ManagerAccount]:
        return await self.list_models("/redfish/v1/AccountService/Accounts", ManagerAccount)

    async def sessions(self) -> list[Session]:
        return await self.list_models(SESSIONS_PATH, Session)

    async def exists(self, path: str) -> bool:
        try:
            await self.get(path)
        except NotFoundError:
            return False
        return True


def _json_or_none(r: httpx.Response) -> dict[str, Any] | None:
    if not r.content:
        return None
    try:
        doc = r.json()
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else {"value": doc}
