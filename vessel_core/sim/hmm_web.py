"""The HMM's proprietary web API (fact sheet §2): login, session checks and the dispatcher.

Every call is ``POST /<name>handler.php`` with a form body whose ``actiontype`` picks the
verb. This module does the transport part (cookies, CSRF header, Referer, expiry) and hands
the parsed form to the verb registered in :mod:`vessel_core.sim.hmm` (one module per menu).

Rules enforced after login (all calls except ``loginhandler.php``):

* ``SESSID`` cookie of a logged-in, non-expired session, else the expired answer of
  :mod:`vessel_core.sim.websession`;
* ``Custom-Token`` equal to the session's CSRF token, else **HTTP 403 with an empty body** [INF];
* a ``Referer`` on this origin, else **HTTP 400 with an empty body** (the firmware upload's
  page-specific check is [HW]; applying it to every call is [INF]).
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from vessel_core.sim import websession as ws

# importing the package registers every menu's verbs in VERBS
from vessel_core.sim.hmm._common import VERBS, Call
from vessel_core.sim.httpcommon import xml_el, xml_result

if TYPE_CHECKING:
    from vessel_core.sim.emulator import Emulator

COOKIE = "SESSID"
CSRF_HEADER = "Custom-Token"


def _set_cookie(resp: web.StreamResponse, sessid: str) -> None:
    resp.set_cookie(COOKIE, sessid, path="/", secure=True, httponly=True, samesite="Strict")


def _same_origin(request: web.Request, referer: str) -> bool:
    if not referer:
        return False
    parts = urlsplit(referer)
    return parts.scheme == "https" and parts.netloc == request.host


LOGIN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>E9000 HMM</title></head>
<body><form id="login"><input name="username"><input name="userpasswd" type="password">
</form></body></html>"""


def routes(emulator: "Emulator") -> list[web.RouteDef]:
    sessions = emulator.web_sessions

    def idle() -> float:
        return emulator.faults.session_idle_timeout_s

    async def login_page(request: web.Request) -> web.StreamResponse:
        sessions.prune(idle())
        s = sessions.new_anonymous()
        resp = web.Response(text=LOGIN_PAGE, content_type="text/html")
        _set_cookie(resp, s.sessid)
        return resp

    async def static_page(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<!DOCTYPE html><html><body></body></html>",
                            content_type="text/html")

    async def loginhandler(request: web.Request) -> web.StreamResponse:
        form = {k: str(v) for k, v in (await request.post()).items()}
        action = form.get("actiontype", "")
        if action == "queryverify":
            return xml_result(extra=[xml_el("verify", 0)])
        if action == "logout":  # [INF] no logout handler was captured
            sessions.logout(request.cookies.get(COOKIE))
            return xml_result()
        if action != "login":
            return xml_result(4, f"Unknown actiontype {action!r}.")
        return _login(emulator, request, form)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "loginhandler":
            return await loginhandler(request)
        session = sessions.lookup(request.cookies.get(COOKIE), idle())
        if session is None or session.user is None:
            return xml_result(ws.EXPIRED_RETCODE, ws.EXPIRED_DESP)
        if request.headers.get(CSRF_HEADER) != session.csrf:
            return web.Response(status=403)
        if not _same_origin(request, request.headers.get("Referer", "")):
            return web.Response(status=400)
        if name == "smmupgradehandler" and request.content_type.startswith("multipart/"):
            upload = VERBS[("smmupgradehandler", "upload")]
            return await upload(Call(emulator, request, {}, session.user, session))
        form = {k: str(v) for k, v in (await request.post()).items()}
        for dropped in emulator.faults.web_write_drops_fields.get(f"{name}.{form.get('actiontype', '')}", ()):
            form.pop(dropped, None)
        fn = VERBS.get((name, form.get("actiontype", "")))
        if fn is None:
            if not any(h == name for h, _ in VERBS):
                raise web.HTTPNotFound()
            return xml_result(4, f"Unknown actiontype {form.get('actiontype', '')!r}.")
        answer = await fn(Call(emulator, request, form, session.user, session))
        verb = f"{name}.{form.get('actiontype', '')}"
        lost = emulator.faults.web_5xx_after_verbs.get(verb, 0)
        if lost > 0:  # done, but the answer never arrives
            emulator.faults.web_5xx_after_verbs = {**emulator.faults.web_5xx_after_verbs, verb: lost - 1}
            return web.Response(status=503, text="Service Unavailable")
        return answer

    return [
        web.get("/login.html", login_page),
        web.get("/", login_page),
        web.get(r"/{page:(index|blade|switch|fan|smm|pem|power|alarm_config|system_manage[a-z_]*|computer_manage[a-z_]*|cabinet_[a-z_]+|switch_config_central_control)}.html",
                static_page),
        web.post(r"/{name:[a-z]+handler}.php", dispatch),
    ]


def _login(emulator: "Emulator", request: web.Request, form: dict[str, str]) -> web.StreamResponse:
    import time

    sessions = emulator.web_sessions
    sessions.prune(emulator.faults.session_idle_timeout_s)
    user = form.get("username", "")
    now = time.time()
    if sessions.locked_until.get(user, 0) > now:
        return xml_result(ws.LOCKED_RETCODE, ws.LOCKED_DESP)
    acct = emulator.state.account(user)
    if acct is None or not acct.enabled or acct.password != form.get("userpasswd", "") \
            or "WEB" not in acct.interfaces \
            or not emulator.state.ldap.local_login and acct.id != 2:  # [INF] LDAP-only login
        n = sessions.failures.get(user, 0) + 1
        sessions.failures[user] = n
        if n >= ws.LOCK_AFTER:
            sessions.locked_until[user] = now + ws.LOCK_S
            sessions.failures[user] = 0
        return xml_result(ws.BAD_LOGIN_RETCODE, ws.BAD_LOGIN_DESP)
    sessions.failures.pop(user, None)
    if emulator.faults.refuse_logins or len(sessions.logged_in()) >= sessions.max_slots:
        return xml_result(ws.SLOTS_FULL_RETCODE, ws.SLOTS_FULL_DESP)
    s = sessions.login(user, request.cookies.get(COOKIE))
    resp = xml_result(extra=[xml_el("csrftoken", s.csrf)])
    _set_cookie(resp, s.sessid)
    return resp

