"""Test doubles for driver tests: vendor-data paths, a scriptable fake Redfish service and a
scriptable fake HMM web service (both httpx MockTransport handlers), and a sleep recorder."""
from __future__ import annotations

import itertools
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs

import httpx

VENDOR = Path("/work/shared/vendor-data/redfish")
HUAWEI_DIR = VENDOR / "huawei-ibmc" / "python-ibmcclient"
BLADED_DIR = VENDOR / "mockups" / "public-bladed"

PASSWORD = "S3cr3t-Pa55word!"
USER = "root"


def fake_client(fake: "FakeRedfish", sleeper: Any = None, **kw: Any) -> Any:
    """A RedfishClient talking to ``fake`` (fast retries, seeded jitter)."""
    import random

    from vessel_core.drivers.redfish import RedfishClient, RetryPolicy

    kw.setdefault("retry", RetryPolicy(attempts=4, base=0.1, cap=1.0))
    if sleeper is not None:
        kw["sleep"] = sleeper
    return RedfishClient("https://bmc.example", USER, PASSWORD, transport=fake.transport(),
                         rng=random.Random(7), **kw)


def load(name: str) -> dict[str, Any]:
    return json.loads((HUAWEI_DIR / name).read_text())


class SleepRecorder:
    """Stands in for asyncio.sleep: records the delays, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class FakeRedfish:
    """A small Redfish service for MockTransport: sessions, ETags, scripted failures."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    etags: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sessions: dict[str, str] = field(default_factory=dict)  # token -> session id
    max_sessions: int = 4
    sessions_supported: bool = True
    # the session POST answers 401 + WWW-Authenticate: Basic (a Basic-only service)
    basic_challenge: bool = False
    # path -> list of statuses (or "reset") to answer before behaving normally
    script: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    tasks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stale_etag_once: set[str] = field(default_factory=set)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.resources.setdefault("/redfish/v1/", load("redfish.json"))
        self.resources.setdefault("/redfish/v1/Systems/1", load("system-v5.json"))
        self.resources.setdefault("/redfish/v1/Systems", {
            "@odata.id": "/redfish/v1/Systems",
            "@odata.type": "#ComputerSystemCollection.ComputerSystemCollection",
            "Members@odata.count": 1, "Members": [{"@odata.id": "/redfish/v1/Systems/1"}]})

    def etag(self, path: str) -> str:
        return f'W/"{self.etags[path]}"'

    def method_count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        scripted = self.script.get((method, path))
        if scripted:
            action = scripted.pop(0)
            if action == "reset":
                raise httpx.ReadError("connection reset by peer", request=request)
            if action == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            if isinstance(action, httpx.Response):
                return action
            return httpx.Response(action, text="injected")
        if path == "/redfish/v1/SessionService/Sessions" and method == "POST":
            return self._login(request)
        if path == "/redfish/v1/" and method == "GET":   # the service root is public (Redfish)
            return httpx.Response(200, json=self.resources[path])
        if not self._authorised(request):
            return httpx.Response(401, json=_err("Base.1.0.NoValidSession", "No valid session"))
        if path.startswith("/redfish/v1/SessionService/Sessions/") and method == "DELETE":
            sid = path.rsplit("/", 1)[-1]
            for tok, s in list(self.sessions.items()):
                if s == sid:
                    del self.sessions[tok]
                    return httpx.Response(204)
            return httpx.Response(404, json=_err("Base.1.0.ResourceMissingAtURI", "missing"))
        if path in self.tasks and method == "GET":
            seq = self.tasks[path]
            doc = seq.pop(0) if len(seq) > 1 else seq[0]
            status = 202 if doc.get("TaskState") in ("New", "Running", "Starting") else 200
            return httpx.Response(status, json=doc)
        if method == "GET":
            if path not in self.resources:
                return httpx.Response(404, json=_err("Base.1.0.ResourceMissingAtURI",
                                                     f"{path} not found"))
            return httpx.Response(200, json=self.resources[path],
                                  headers={"ETag": self.etag(path)})
        if method == "PATCH":
            if path not in self.resources:
                return httpx.Response(404)
            if request.headers.get("If-Match") != self.etag(path) or path in self.stale_etag_once:
                self.stale_etag_once.discard(path)
                self.etags[path] += 1  # someone else changed it meanwhile
                return httpx.Response(412, json=_err("Base.1.0.PreconditionFailed",
                                                     "ETag mismatch"))
            _merge(self.resources[path], json.loads(request.content))
            self.etags[path] += 1
            return httpx.Response(200, json=self.resources[path],
                                  headers={"ETag": self.etag(path)})
        if method == "POST" and path in self.resources.get("__actions__", {}):
            return self.resources["__actions__"][path](request)
        return httpx.Response(405, json=_err("Base.1.0.ActionNotSupported", "no"))

    def _login(self, request: httpx.Request) -> httpx.Response:
        if not self.sessions_supported:
            return httpx.Response(404)
        if self.basic_challenge:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="iBMC"'},
                                  json=_err("Base.1.0.NoValidSession", "No valid session"))
        body = json.loads(request.content)
        if body.get("UserName") != USER or body.get("Password") != PASSWORD:
            return httpx.Response(401, json=_err("iBMC.1.0.AuthorizationFailed",
                                                 "The user name or password is incorrect."))
        if len(self.sessions) >= self.max_sessions:
            return httpx.Response(503, json=_err("Base.1.0.SessionLimitExceeded",
                                                 "The session limit has been exceeded."))
        sid = f"{next(self._ids):04X}{secrets.token_hex(6).upper()}"
        token = f"tok{sid.lower()}feedbeef"
        self.sessions[token] = sid
        loc = f"https://bmc.example/redfish/v1/SessionService/Sessions/{sid}"
        return httpx.Response(201, headers={"X-Auth-Token": token, "Location": loc},
                              json={"@odata.id": f"/redfish/v1/SessionService/Sessions/{sid}",
                                    "Id": sid, "UserName": USER})

    def _authorised(self, request: httpx.Request) -> bool:
        tok = request.headers.get("X-Auth-Token")
        if tok is not None:
            return tok in self.sessions
        auth = request.headers.get("Authorization", "")
        return auth == httpx.BasicAuth(USER, PASSWORD)._auth_header

    def expire_all(self) -> None:
        self.sessions.clear()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def _err(message_id: str, message: str) -> dict[str, Any]:
    return {"error": {"code": "Base.1.0.GeneralError", "message": "A general error has occurred.",
                      "@Message.ExtendedInfo": [{"MessageId": message_id, "Message": message,
                                                 "Severity": "Warning", "MessageArgs": [],
                                                 "RelatedProperties": []}]}}


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


# ---------------------------------------------------------------- HMM web
VERSION_XML = ('<?xml version="1.0" encoding="UTF-8"?><result><retcode>0</retcode><desp>The '
               'operation succeeded</desp><version>IPMC               CPU:           SPEAr310'
               '&lt;br&gt;BIOS           Version:           &amp;#40;U41&amp;#41;V501&lt;br&gt;'
               'Active iMana   Version:           &amp;#40;U4005&amp;#41;6.05&lt;br&gt;CPLD    '
               '       Version:           &amp;#40;U38&amp;#41;023</version></result>')

ALARM_XML = """<result><retcode>0</retcode><alarms>
  <sum>4</sum><critical>2</critical><major>2</major><minor>0</minor>
  <alarm>
    <level>3</level><leveldesp>Critical</leveldesp>
    <source>MM1</source><sensorname>Management Port</sensorname>
    <datetime>Wed Mar 11 06:42:18 2026</datetime>
    <eventdesp>Transition to non-recoverable</eventdesp>
    <eventcode>0X0743FF27</eventcode><cleartag>0</cleartag>
  </alarm>
  <alarm>
    <level>2</level><leveldesp>Major</leveldesp>
    <source>PSU</source><sensorname>PS3 Status</sensorname>
    <datetime>Wed Mar 11 06:43:00 2026</datetime>
    <eventdesp>Power Supply input lost</eventdesp>
    <eventcode>0X08010203</eventcode><cleartag>1</cleartag>
  </alarm>
</alarms></result>"""

UPGRADE_XML = """<upgrade>
  <blade name="smm"><retcode>0</retcode><desp>The operation succeeded</desp><progress>42</progress><progressdesp>Upgrading...</progressdesp></blade>
  <blade name="othersmm"><retcode>0</retcode><desp>The operation succeeded</desp><progress>100</progress><progressdesp>Done</progressdesp></blade>
</upgrade>"""

TOKEN = "c5rfT0kenValue9"
SESSID = "a1b2c3d4e5f6sessid"


@dataclass
class FakeHmmWeb:
    """Dispatcher API double: login flow, token/cookie checks, scripted answers."""

    answers: dict[str, Callable[[httpx.Request, dict[str, str]], httpx.Response]] = \
        field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    logins: int = 0
    session_valid: bool = False
    expire_style: str = "retcode"   # retcode | 401 | redirect | html
    sel_total: int = 7
    login_retcode: int = 0
    kvm_5xx: int = 0  # the next kvm.html requests answered 503 (a busy HMM web server)

    def xml(self, body: str, status: int = 200) -> httpx.Response:
        return httpx.Response(status, text=body, headers={"Content-Type": "text/xml"})

    def expired(self) -> httpx.Response:
        if self.expire_style == "401":
            return httpx.Response(401)
        if self.expire_style == "redirect":
            return httpx.Response(302, headers={"Location": "/login.html"})
        if self.expire_style == "html":
            return httpx.Response(200, text="<!DOCTYPE html><html><body>login form</body></html>")
        return self.xml("<result><retcode>1001</retcode><desp>Session timed out. Please log in "
                        "again.</desp></result>")

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/login.html":
            return httpx.Response(200, text="<html>login</html>",
                                  headers={"Set-Cookie": f"SESSID={SESSID}; Path=/; Secure"})
        ctype = request.headers.get("content-type", "")
        form = ({k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
                if ctype.startswith("application/x-www-form-urlencoded") else {})
        if path == "/loginhandler.php":
            if form.get("actiontype") == "queryverify":
                return self.xml("<result><retcode>0</retcode><verify>0</verify></result>")
            assert request.headers.get("Custom-Token") == "0"
            if form.get("userpasswd") != PASSWORD or self.login_retcode:
                return self.xml(f"<result><retcode>{self.login_retcode or 1}</retcode><desp>"
                                "Incorrect user name or password.</desp></result>")
            self.logins += 1
            self.session_valid = True
            return self.xml(f"<result><retcode>0</retcode><desp>ok</desp><csrftoken>{TOKEN}"
                            "</csrftoken></result>")
        if path == "/kvm.html":
            if self.kvm_5xx > 0:
                self.kvm_5xx -= 1
                return httpx.Response(503, text="<html><body>Service Unavailable</body></html>")
            if request.headers.get("X-CSRF-Token") != TOKEN or not self.session_valid:
                return httpx.Response(302, headers={"Location": "/login.html"})
            return httpx.Response(200, text=(
                '<html><body><EMBED type="application/x-java-applet" PORT="2198" '
                'VMMSERVERPORT="8500" verifyValue="123456" mmVerifyValue="654321" '
                'secretKey="0011223344556677889900112233445566778899" '
                'secretIV="00112233445566778899aabbccddeeff" codekey_ext="ab" verifyvalueext="cd" '
                'securekvm="1" typedata="kvmsession42" shelftype="E9000" ipa="127.0.0.1" '
                'ipb="127.0.0.1" local="en"></body></html>'))
        # every dispatcher call after login
        if not self.session_valid or f"SESSID={SESSID}" not in request.headers.get("cookie", ""):
            return self.expired()
        if request.headers.get("Custom-Token") != TOKEN:
            return self.expired()
        key = f"{path.lstrip('/')}:{form.get('actiontype', '')}"
        if key in self.answers:
            return self.answers[key](request, form)
        if key == "versionhandler.php:get":
            if form["bladename"].startswith("Fan"):
                return self.xml("<result><retcode>5</retcode></result>", 400)
            return self.xml(VERSION_XML)
        if key == "selhandler.php:alarm":
            return self.xml(ALARM_XML)
        if key == "selhandler.php:sel":
            page, per = int(form["page"]), int(form["perpage"])
            n = max(0, min(per, self.sel_total - (page - 1) * per))
            sels = "".join(
                f"<sel><level>0</level><leveldesp>Normal</leveldesp><datetime>d{(page - 1) * per + i}"
                "</datetime><source>MM</source><sensorname>SMM1 Critical Alarm</sensorname>"
                "<eventdesp>Transition to idle</eventdesp><assert>Asserted</assert></sel>"
                for i in range(n))
            return self.xml(f"<result><retcode>0</retcode><sum>{self.sel_total}</sum>{sels}"
                            "</result>")
        if key == "smmupgradehandler.php:get":
            return self.xml(UPGRADE_XML)
        if key == "smmupgradehandler.php:":
            ref = request.headers.get("Referer", "")
            if not re.search(r"/system_manage_(smm|swi|blade)\.html\?chassisid=0$", ref):
                return httpx.Response(400)
            return self.xml("<result><retcode>0</retcode><desp>ok</desp></result>")
        return self.xml("<result><retcode>0</retcode><desp>ok</desp></result>")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


