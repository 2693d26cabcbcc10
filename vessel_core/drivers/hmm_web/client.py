"""Async client of the HMM web "dispatcher" API (fact sheet §2).

Usage::

    async with HmmWebClient("https://10.0.0.30", "root", pw, tls=TLSConfig(ca_bundle=ca)) as web:
        v = await web.versions("Slot1")          # v.values["BIOS Version"] == "(U41)V501"
        alarms = await web.alarms()
        await web.upload_firmware("img.hpm", data, target="Swi2:fru0;Swi3:fru0;")

Wire conventions: every call is a form-encoded ``POST /<handler>.php`` carrying
``Custom-Token`` (the login's ``<csrftoken>``), ``X-Requested-With``, ``Origin`` and a
per-page ``Referer``; the ``SESSID`` cookie rides in the client's cookie jar; redirects are
never followed. Answers are XML parsed with ``defusedxml`` (a JSON ``{"retcode": …}`` body is
accepted too).

Errors: ``retcode != 0`` → :class:`DeviceError` carrying ``desp``; HTTP 400 (absent or
invalid FRU) → :class:`NotFoundError`; login refusals → :class:`AuthError`.

Expired sessions: the sheet leaves the answer's shape open (§2.2, §9.3), so all of these are
taken as "session gone", answered by one transparent re-login and one repeat of the call:
HTTP 401/403; a 3xx to a login page; an HTML login page instead of XML; a non-zero retcode
whose ``desp`` speaks of the session, a timeout, logging in or the token.

Retries: every call is a POST, so replay is decided per method. Reads (versions, alarms, SEL,
lists, status polls) are marked idempotent and retried on 5xx / connection resets with the
same backoff as the Redfish driver; verbs that change something (upload, update, delete) are
never replayed.

Rate limiting: ``rate_limiter`` is an optional hook awaited before every request with the
handler name (see :class:`MinIntervalLimiter`). It is **off by default**: the real HMM was
read by the reference GUI with 8 parallel workers without trouble (§2.6), the client already
bounds concurrency (``max_concurrency=8``), and a built-in delay would slow every caller and
the emulator tests for a problem not observed. Turn it on for a fragile or shared HMM.
"""
from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import re
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from vessel_core.drivers.redfish.retry import RetryPolicy
from vessel_core.drivers.tls import TLSConfig, tls_failure, transport_failure
from vessel_core.errors import AuthError, DeviceError, DeviceTimeoutError, NotFoundError, TransientError, ValidationError, redact
from vessel_core.models.hmm_web import (
    AlarmList,
    KvmParams,
    PolicyTemplateList,
    SelEntry,
    SelPage,
    UpgradeStatus,
    VersionInfo,
    XmlDocument,
    element_fields,
    parse_alarms,
    parse_kvm_embed,
    parse_policy_templates,
    parse_sel,
    parse_upgrade_status,
    parse_version_block,
    xml_document,
)

__all__ = ["HmmWebClient", "Reply", "MinIntervalLimiter", "RateLimiter", "referer_for_targets",
           "validate_bladelist"]

log = logging.getLogger(__name__)

RateLimiter = Callable[[str], Awaitable[None]]

DEFAULT_PAGE = "index.html"
_TOKEN = re.compile(r"<csrftoken>\s*([^<\s]+)\s*</csrftoken>", re.I)
# Only words about the session itself: a failed verb whose desp merely says "timeout" must
# not be mistaken for an expired session (that would replay a verb that did run).
_EXPIRED_DESP = re.compile(
    r"session|log\s*in\s+again|re-?login|not\s+logged\s+in|csrf|invalid\s+token|"
    r"token\s+(?:expired|invalid)|unauthori[sz]ed", re.I)
_BLADELIST_TOKEN = re.compile(r"^(?:Slot(?:[1-9]|[12]\d|3[0-2])|Swi[1-4]):fru\d+$")

UPLOAD_REFERERS = {"smm": "system_manage_smm.html", "swi": "system_manage_swi.html",
                   "blade": "system_manage_blade.html"}


class _SessionExpired(Exception):
    """Internal signal: the answer means the web session is gone."""


@dataclass
class Reply:
    """One parsed dispatcher answer."""

    status: int
    retcode: int | None
    desp: str | None
    root: Element | None
    json: dict[str, Any] | None
    text: str

    def document(self) -> XmlDocument:
        if self.root is not None:
            return xml_document(self.root)
        flat = {k: str(v) for k, v in (self.json or {}).items() if not isinstance(v, (dict, list))}
        return XmlDocument(retcode=self.retcode, desp=self.desp, fields=flat)


class MinIntervalLimiter:
    """Keep at least ``interval`` seconds between two requests to the same handler
    (``per_handler`` overrides per handler name, e.g. ``{"selhandler.php": 1.0}``)."""

    def __init__(self, interval: float = 0.0, per_handler: dict[str, float] | None = None) -> None:
        self.interval = interval
        self.per_handler = dict(per_handler or {})
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def __call__(self, handler: str) -> None:
        gap = self.per_handler.get(handler, self.interval)
        if gap <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(handler, 0.0))
            self._next[handler] = at + gap
        if at > now:
            await asyncio.sleep(at - now)


def validate_bladelist(bladelist: str) -> str:
    """``bothsmm`` or ``Name:fru<id>;`` tokens each ending in ``;`` (§2.3); ``smm`` / ``othersmm``
    (one module alone, the active or the standby) [INF]."""
    if bladelist in ("bothsmm", "smm", "othersmm"):
        return bladelist
    if not bladelist.endswith(";"):
        raise ValidationError(f"bladelist {bladelist!r}: every token must end with ';'",
                              operation="smmupgradehandler.update bladelist")
    tokens = bladelist[:-1].split(";")
    bad = [t for t in tokens if not _BLADELIST_TOKEN.match(t)]
    if bad:
        raise ValidationError(f"bladelist: invalid token(s) {', '.join(map(repr, bad))}; "
                              "expected bothsmm or Slot<N>:fru<id>; / Swi<S>:fru<id>;",
                              operation="smmupgradehandler.update bladelist")
    return bladelist


def referer_for_targets(target: str) -> str:
    """The upload page the HMM expects for a target kind (``smm``/``swi``/``blade``) or for
    a bladelist (``bothsmm``, ``Swi2:fru0;…``, ``Slot1:fru0;…``). Mixed kinds are refused."""
    if target in UPLOAD_REFERERS:
        return UPLOAD_REFERERS[target]
    if target in ("bothsmm", "smm", "othersmm"):
        return UPLOAD_REFERERS["smm"]
    validate_bladelist(target)
    kinds = {"swi" if t.startswith("Swi") else "blade" for t in target[:-1].split(";")}
    if len(kinds) != 1:
        raise ValidationError("bladelist mixes switch and blade targets; the upload Referer "
                              "must match one target kind", operation="smmupgradehandler.upload")
    return UPLOAD_REFERERS[kinds.pop()]


class HmmWebClient:
    """The HMM web API of one chassis (its floating address)."""

    def __init__(self, base_url: str, username: str, password: str, *,
                 tls: TLSConfig | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 30.0, target: str | None = None,
                 event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
                 rate_limiter: RateLimiter | None = None, max_concurrency: int = 8,
                 retry: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.target = target or urlsplit(self.base_url).hostname or self.base_url
        self._username = username
        self._password = password
        self._token: str | None = None
        self._generation = 0
        self._login_lock = asyncio.Lock()
        self._sem = asyncio.Semaphore(max_concurrency)
        self._rate = rate_limiter
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=(tls or TLSConfig()).httpx_verify(self.target), retries=0)
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport,
                                       timeout=timeout, follow_redirects=False,
                                       event_hooks=event_hooks)

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> "HmmWebClient":
        await self.login()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Forget the session (no logout handler is known, §2.2) and close the pool."""
        self._token = None
        self._http.cookies.clear()
        await self._http.aclose()

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    @property
    def _secrets(self) -> tuple[str, ...]:
        sessid = self._http.cookies.get("SESSID") if not self._http.is_closed else None
        return tuple(s for s in (self._password, self._token, sessid) if s)

    def _headers(self, page: str, *, token: str | None, xhr: bool = True) -> dict[str, str]:
        h = {"Origin": self.base_url, "Referer": f"{self.base_url}/{page}?chassisid=0"}
        if token is not None:
            h["Custom-Token"] = token
        if xhr:
            h["X-Requested-With"] = "XMLHttpRequest"
        return h

    # ------------------------------------------------------------------ login
    async def login(self) -> None:
        async with self._login_lock:
            if self._token is None:
                await self._login_locked()

    async def _login_locked(self) -> None:
        op = "loginhandler.login"
        self._http.cookies.clear()
        try:
            await self._http.get("/login.html")  # sets SESSID
            q = await self._http.post("/loginhandler.php",
                                      data={"actiontype": "queryverify", "chassisid": "0"},
                                      headers=self._headers("login.html", token=None))
            log.debug("hmm-web %s queryverify -> %s", self.target, q.status_code)
            r = await self._http.post(
                "/loginhandler.php",
                data={"actiontype": "login", "username": self._username,
                      "userpasswd": self._password, "usermode": "1", "code": "",
                      "language": "en"},
                headers=self._headers("login.html", token="0"))
        except httpx.TransportError as exc:
            raise transport_failure(exc, what="login", target=self.target, operation=op) from exc
        log.debug("hmm-web %s login -> %s", self.target, r.status_code)
        if r.status_code >= 500:
            raise TransientError(f"login answered HTTP {r.status_code}", target=self.target,
                                 operation=op)
        reply = self._parse(r, op)
        if r.status_code >= 400 or (reply.retcode not in (None, 0)):
            desp = redact(reply.desp, self._secrets) if reply.desp else None
            raise AuthError(f"login refused (HTTP {r.status_code}, retcode {reply.retcode})",
                            target=self.target, operation=op, device_message=desp)
        m = _TOKEN.search(r.text)
        if not m:
            raise AuthError("login answer carries no <csrftoken>", target=self.target,
                            operation=op)
        self._token = m.group(1)
        self._generation += 1

    async def _relogin(self, seen: int) -> None:
        async with self._login_lock:
            if self._generation != seen:
                return
            log.info("hmm-web %s: session expired; logging in again", self.target)
            self._token = None
            await self._login_locked()

    # ------------------------------------------------------------------ parsing
    def _parse(self, r: httpx.Response, op: str) -> Reply:
        text = r.text
        body = text.lstrip()
        if not body:
            return Reply(r.status_code, None, None, None, None, text)
        if body.startswith("{"):
            try:
                doc = jsonlib.loads(body)
            except ValueError:
                doc = None
            if isinstance(doc, dict):
                rc = doc.get("retcode")
                return Reply(r.status_code, int(str(rc)) if str(rc).lstrip("-").isdigit() else None,
                             doc.get("desp"), None, doc, text)
        if body.startswith("<?xml") or (body.startswith("<") and not _looks_html(body)):
            try:
                root = fromstring(body.encode("utf-8"))
            except (ParseError, DefusedXmlException) as exc:
                raise DeviceError(f"unparsable XML answer ({type(exc).__name__})",
                                  target=self.target, operation=op) from exc
            fields = element_fields(root)
            rc = fields.get("retcode")
            return Reply(r.status_code, int(rc) if rc and rc.lstrip("-").isdigit() else None,
                         fields.get("desp"), root, None, text)
        return Reply(r.status_code, None, None, None, None, text)

    def _expired(self, r: httpx.Response, reply: Reply) -> bool:
        if r.status_code in (401, 403):
            return True
        if 300 <= r.status_code < 400:
            return "login" in r.headers.get("Location", "").lower()
        if r.status_code == 200 and reply.root is None and reply.json is None \
                and _looks_html(r.text.lstrip()) and "login" in r.text.lower():
            return True
        return bool(reply.retcode not in (None, 0) and reply.desp
                    and _EXPIRED_DESP.search(reply.desp))

    # ------------------------------------------------------------------ core call
    async def call(self, handler: str, actiontype: str | None, *, page: str = DEFAULT_PAGE,
                   fields: dict[str, Any] | None = None, chassisid: bool = True,
                   idempotent: bool = False, files: Any = None, xhr: bool = True,
                   check_retcode: bool = True) -> Reply:
        """POST one dispatcher verb and return the parsed reply (errors mapped).

        ``idempotent`` allows replays on 5xx / connection resets; only reads set it.
        """
        form: dict[str, str] = {}
        if actiontype is not None:
            form["actiontype"] = actiontype
        if chassisid:
            form["chassisid"] = "0"
        form.update({k: str(v) for k, v in (fields or {}).items()})
        op = f"{handler}.{actiontype}" if actiontype else handler
        if self._token is None:
            await self.login()
        retries = 0
        reauthed = False
        while True:
            gen = self._generation
            if self._rate is not None:
                await self._rate(handler)
            started = time.monotonic()
            try:
                async with self._sem:
                    r = await self._http.post(
                        f"/{handler}", data=form, files=files,
                        headers=self._headers(page, token=self._token, xhr=xhr))
            except httpx.TransportError as exc:
                kind = type(exc).__name__
                if (tls_err := tls_failure(exc, target=self.target, operation=op)) is not None:
                    raise tls_err from exc
                log.debug("hmm-web %s %s: %s (try %d)", self.target, op, kind, retries + 1)
                if idempotent and retries + 1 < self._retry.attempts:
                    await self._sleep(self._retry.delay(retries, rng=self._rng))
                    retries += 1
                    continue
                if isinstance(exc, httpx.TimeoutException):
                    raise DeviceTimeoutError(f"no answer in time ({kind})", target=self.target,
                                             operation=op) from exc
                raise TransientError(f"connection failed ({kind})", target=self.target,
                                     operation=op) from exc
            log.debug("hmm-web %s %s -> %s (%.0f ms, try %d)", self.target, op, r.status_code,
                      (time.monotonic() - started) * 1000, retries + 1)
            if r.status_code >= 500:
                if idempotent and retries + 1 < self._retry.attempts:
                    await self._sleep(self._retry.delay(retries, r, rng=self._rng))
                    retries += 1
                    continue
                raise TransientError(f"HTTP {r.status_code}", target=self.target, operation=op)
            reply = self._parse(r, op)
            if self._expired(r, reply):
                if reauthed:
                    raise AuthError("session refused again right after a fresh login",
                                    target=self.target, operation=op,
                                    device_message=self._redact(reply.desp))
                reauthed = True
                await self._relogin(gen)
                continue
            return self._check(r, reply, op, check_retcode)

    def _redact(self, text: str | None) -> str | None:
        return redact(text, self._secrets) if text else None

    def _check(self, r: httpx.Response, reply: Reply, op: str, check_retcode: bool) -> Reply:
        status = r.status_code
        if 300 <= status < 400:
            raise DeviceError(f"unexpected redirect (HTTP {status})", target=self.target,
                              operation=op)
        if status == 400 or status == 404:
            raise NotFoundError(f"absent or invalid target (HTTP {status}, retcode "
                                f"{reply.retcode})", target=self.target, operation=op,
                                device_message=self._redact(reply.desp))
        if status >= 400:
            raise DeviceError(f"HTTP {status}", target=self.target, operation=op,
                              device_message=self._redact(reply.desp))
        if check_retcode and reply.retcode not in (None, 0):
            raise DeviceError(f"retcode {reply.retcode}", target=self.target, operation=op,
                              device_message=self._redact(reply.desp))
        return reply

    def _root(self, reply: Reply, op: str) -> Element:
        if reply.root is None:
            raise DeviceError("answer is not XML", target=self.target, operation=op)
        return reply.root

    # ------------------------------------------------------------------ inventory (§2.4.2)
    async def versions(self, bladename: str, fruid: int = 0) -> VersionInfo:
        """Version block of ``smm``/``othersmm``/``Slot<N>``/``Swi<S>``; keys like
        ``"BIOS Version"``. An absent FRU raises :class:`NotFoundError`."""
        reply = await self.call("versionhandler.php", "get", idempotent=True,
                                fields={"bladename": bladename, "fruid": fruid})
        root = self._root(reply, "versionhandler.php.get")
        el = root.find(".//version")
        raw = (el.text or "") if el is not None else ""
        return VersionInfo(component=bladename, values=parse_version_block(raw), raw=raw)

    async def mezz_info(self, slot: int) -> XmlDocument:
        reply = await self.call("mezzhandler.php", "deviceinfo", idempotent=True,
                                fields={"bladename": f"Slot{slot}"})
        return reply.document()

    async def query_status(self) -> XmlDocument:
        return (await self.call("queryhandler.php", "status", idempotent=True)).document()

    async def is_stack(self) -> XmlDocument:
        return (await self.call("queryhandler.php", "isstack", idempotent=True,
                                fields={"fruid": 0})).document()

    # ------------------------------------------------------------------ chassis settings
    async def asset_tag(self) -> str | None:
        doc = (await self.call("userhandler.php", "getassettag", idempotent=True)).document()
        return _find_ci(doc, "assettag")

    async def slot_aliases(self) -> dict[int, str]:
        doc = (await self.call("userhandler.php", "getslotalias", idempotent=True)).document()
        out: dict[int, str] = {}
        for tag, value in doc.fields.items():
            m = re.fullmatch(r"slot(\d+)", tag, re.I)
            if m:
                out[int(m.group(1))] = value
        return out

    async def server_time(self) -> str | None:
        doc = (await self.call("queryhandler.php", "getServerTime", idempotent=True)).document()
        return _find_ci(doc, "servertime")

    # ------------------------------------------------------------------ network (§2.4.4)
    async def bmc_ip_data(self, ip_type: int = 0) -> XmlDocument:
        return (await self.call("networkhandler.php", "getbmcipdata", idempotent=True,
                                fields={"beforeconfig": 0, "ipType": ip_type})).document()

    async def network_list(self, kind: str) -> XmlDocument:
        if kind not in ("eth", "fc", "mgmt"):
            raise ValidationError(f"network list kind must be eth, fc or mgmt, got {kind!r}",
                                  operation="networkhandler.list bladename")
        return (await self.call("networkhandler.php", "list", idempotent=True,
                                fields={"bladename": kind})).document()

    async def list_present_fru(self, kind: str) -> XmlDocument:
        if kind not in ("swi", "blade", "fan", "pem"):
            raise ValidationError(f"FRU class must be swi, blade, fan or pem, got {kind!r}",
                                  operation="networkhandler.listpresentfru bladename")
        return (await self.call("networkhandler.php", "listpresentfru", idempotent=True,
                                fields={"bladename": kind})).document()

    # ------------------------------------------------------------------ stateless (§2.4.5)
    async def policy_templates(self, page: int = 1, perpage: int = 100) -> PolicyTemplateList:
        reply = await self.call("queryhandler.php", "query_policytemplate_list2",
                                page="computer_manage.html", idempotent=True,
                                fields={"page": page, "perpage": perpage})
        return parse_policy_templates(self._root(reply, "query_policytemplate_list2"))

    async def node_pool(self, page: int = 1, perpage: int = 100) -> XmlDocument:
        return (await self.call("queryhandler.php", "query_nodepool_list",
                                page="computer_manage.html", idempotent=True,
                                fields={"page": page, "perpage": perpage})).document()

    async def flattened(self) -> XmlDocument:
        return (await self.call("flattenedhandler.php", "getflattened",
                                idempotent=True)).document()

    # ------------------------------------------------------------------ alarms and SEL (§2.4.7)
    async def alarms(self, page: int = 1, perpage: int = 100) -> AlarmList:
        reply = await self.call("selhandler.php", "alarm", page="alarm_config.html",
                                idempotent=True,
                                fields={"page": page, "perpage": perpage, "isstep": 1,
                                        "bladename": "all"})
        return parse_alarms(self._root(reply, "selhandler.php.alarm"))

    async def sel(self, bladename: str, page: int = 1, perpage: int = 100) -> SelPage:
        reply = await self.call("selhandler.php", "sel", page=f"{bladename}.html",
                                idempotent=True,
                                fields={"page": page, "perpage": perpage, "bladename": bladename})
        return parse_sel(self._root(reply, "selhandler.php.sel"), bladename=bladename,
                         page=page, perpage=perpage)

    async def sel_all(self, bladename: str, *, perpage: int = 100,
                      limit: int | None = None) -> list[SelEntry]:
        """Every SEL entry (or the first ``limit``), page by page until ``sum`` is reached."""
        out: list[SelEntry] = []
        page = 1
        while True:
            p = await self.sel(bladename, page=page, perpage=perpage)
            out.extend(p.entries)
            want = p.sum if limit is None else min(limit, p.sum)
            if not p.entries or len(out) >= want:
                return out[:want] if limit is not None else out
            page += 1

    async def history_sel(self, page: int = 1, perpage: int = 100) -> XmlDocument:
        return (await self.call("historyselhandler.php", "list", idempotent=True,
                                fields={"page": page, "perpage": perpage})).document()

    # ------------------------------------------------------------------ upgrade (§2.4.6, §6.2)
    async def upload_firmware(self, filename: str, content: bytes, *, target: str) -> Reply:
        """Multipart upload (field ``uploadfile``) with the Referer the HMM checks for the
        target kind; ``target`` is ``smm``/``swi``/``blade`` or the bladelist to flash."""
        page = referer_for_targets(target)
        files = {"uploadfile": (filename, content, "application/octet-stream")}
        try:
            return await self.call("smmupgradehandler.php", None, page=page, chassisid=False,
                                   files=files, xhr=False)
        except NotFoundError as exc:
            # HTTP 400 with an empty body is the HMM's Referer-mismatch answer.
            raise DeviceError("upload refused (HTTP 400): the HMM checks that the Referer "
                              f"matches the target kind ({page})", target=self.target,
                              operation="smmupgradehandler.upload",
                              device_message=exc.device_message) from exc

    async def start_upgrade(self, bladelist: str) -> Reply:
        return await self.call("smmupgradehandler.php", "update",
                               page=referer_for_targets(bladelist),
                               fields={"bladelist": validate_bladelist(bladelist)})

    async def upgrade_status(self) -> UpgradeStatus:
        reply = await self.call("smmupgradehandler.php", "get", idempotent=True,
                                check_retcode=False)
        if reply.root is None:
            return UpgradeStatus()
        return parse_upgrade_status(reply.root)

    async def rollback_firmware(self, bladelist: str, component: str) -> Reply:
        """[INF] Each target of ``bladelist`` back to the image before its last flash (the
        iBMC's backup slot; the previous image the HMM kept for the others)."""
        return await self.call("smmupgradehandler.php", "rollback", page=referer_for_targets(bladelist),
                               fields={"bladelist": validate_bladelist(bladelist), "component": component})

    async def cancel_upgrade(self) -> Reply:
        return await self.call("smmupgradehandler.php", "delete")

    async def check_upgrade(self, smmtype: int) -> bool:
        """``True`` when SMM ``smmtype`` (1 or 2) is ready to be upgraded (retcode 0)."""
        if smmtype not in (1, 2):
            raise ValidationError(f"smmtype must be 1 or 2, got {smmtype!r}",
                                  operation="smmupgradehandler.checkupgrade smmtype")
        reply = await self.call("smmupgradehandler.php", "checkupgrade", idempotent=True,
                                fields={"smmtype": smmtype}, check_retcode=False)
        return reply.retcode == 0

    async def is_updating(self) -> bool:
        """Chassis-wide "an upgrade is running" (``isupdate`` state ≠ 0)."""
        reply = await self.call("queryhandler.php", "isupdate", idempotent=True)
        state = _find_ci(reply.document(), "state")
        return state not in (None, "", "0")

    async def wait_upgrade(self, *, timeout: float = 3600.0, interval: float = 3.0,
                           on_progress: Callable[[UpgradeStatus], Any] | None = None
                           ) -> UpgradeStatus:
        """Poll ``get`` until every target is terminal; raises on failure or deadline."""
        deadline = time.monotonic() + timeout
        while True:
            status = await self.upgrade_status()
            if on_progress is not None:
                on_progress(status)
            if status.all_done:
                if status.any_failed:
                    bad = [f"{t.name}: retcode {t.retcode} {t.desp or ''}".strip()
                           for t in status.targets if t.failed]
                    raise DeviceError("upgrade failed", target=self.target,
                                      operation="smmupgradehandler.get",
                                      device_message=self._redact("; ".join(bad)))
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeoutError(f"upgrade not finished after {timeout:g} s",
                                         target=self.target, operation="smmupgradehandler.get")
            await self._sleep(min(interval, remaining))

    # ------------------------------------------------------------------ KVM (§2.5)
    async def kvm_params(self) -> KvmParams:
        """``GET /kvm.html`` with ``X-CSRF-Token`` and the ``<embed>`` attributes parsed."""
        op = "GET /kvm.html"
        if self._token is None:
            await self.login()
        retries, relogged = 0, False
        while True:  # a read: 5xx and resets are retried with the reads' backoff and jitter
            gen = self._generation
            headers = {"X-CSRF-Token": self._token or "", "Referer":
                       f"{self.base_url}/{DEFAULT_PAGE}?chassisid=0"}
            try:
                r = await self._http.get("/kvm.html", headers=headers)
            except httpx.TransportError as exc:
                if retries + 1 < self._retry.attempts:
                    await self._sleep(self._retry.delay(retries, rng=self._rng))
                    retries += 1
                    continue
                raise TransientError(f"connection failed ({type(exc).__name__})",
                                     target=self.target, operation=op) from exc
            if r.status_code >= 500:
                if retries + 1 < self._retry.attempts:
                    await self._sleep(self._retry.delay(retries, r, rng=self._rng))
                    retries += 1
                    continue
                raise TransientError(f"server error: HTTP {r.status_code} after {retries + 1} attempts",
                                     target=self.target, operation=op)
            params = parse_kvm_embed(r.text) if r.status_code == 200 else None
            if params is not None:
                return params
            if not relogged and r.status_code in (200, 302, 401, 403):
                await self._relogin(gen)
                relogged = True
                continue
            raise DeviceError(f"kvm.html carries no <embed> (HTTP {r.status_code})",
                              target=self.target, operation=op)


def _looks_html(body: str) -> bool:
    head = body[:200].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head


def _find_ci(doc: XmlDocument, tag: str) -> str | None:
    for k, v in doc.fields.items():
        if k.lower() == tag:
            return v
    for rec in doc.records:
        for k, v in rec.items():
            if k.lower() == tag:
                return str(v)
    return None
