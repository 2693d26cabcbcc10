"""HMM web sessions: SESSID cookie, CSRF token, idle expiry and a limited number of slots.

Choices where the fact sheet (§2.2, §9.3 item 4) has no answer, all [INF]:

* ``max_slots`` logged-in sessions at once (default 10). A login beyond that, or any login
  while the ``refuse_logins`` fault is on, answers retcode 2, "The number of login users has
  reached the upper limit.".
* A session idle for longer than ``faults.session_idle_timeout_s`` is dropped. A dispatcher
  call with an unknown or expired SESSID answers **HTTP 200** with
  ``<result><retcode>1001</retcode><desp>Session timed out. Please log in again.</desp></result>``
  (see :data:`EXPIRED_RETCODE`).
* Five wrong passwords in a row lock the account for ``LOCK_S`` seconds (retcode 3,
  "The account is locked.").
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

EXPIRED_RETCODE = 1001
EXPIRED_DESP = "Session timed out. Please log in again."
SLOTS_FULL_RETCODE = 2
SLOTS_FULL_DESP = "The number of login users has reached the upper limit."
BAD_LOGIN_RETCODE = 1
BAD_LOGIN_DESP = "Incorrect user name or password."
LOCKED_RETCODE = 3
LOCKED_DESP = "The account is locked."
LOCK_AFTER = 5
LOCK_S = 60.0
ANON_LIMIT = 256


@dataclass
class WebSession:
    sessid: str
    created: float
    last_seen: float
    user: str | None = None
    csrf: str | None = None


@dataclass
class WebSessions:
    max_slots: int = 10
    sessions: dict[str, WebSession] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    locked_until: dict[str, float] = field(default_factory=dict)

    def prune(self, idle_timeout: float, now: float | None = None) -> None:
        now = time.time() if now is None else now
        for sid in [s.sessid for s in self.sessions.values() if now - s.last_seen > idle_timeout]:
            del self.sessions[sid]
        anon = [s for s in self.sessions.values() if s.user is None]
        for s in sorted(anon, key=lambda s: s.last_seen)[: max(0, len(anon) - ANON_LIMIT)]:
            del self.sessions[s.sessid]

    def new_anonymous(self) -> WebSession:
        now = time.time()
        s = WebSession(sessid=secrets.token_hex(16), created=now, last_seen=now)
        self.sessions[s.sessid] = s
        return s

    def logged_in(self) -> list[WebSession]:
        return [s for s in self.sessions.values() if s.user is not None]

    def login(self, user: str, old_sessid: str | None) -> WebSession:
        """Turn a login into a fresh session (new SESSID, new CSRF token)."""
        if old_sessid:
            self.sessions.pop(old_sessid, None)
        now = time.time()
        s = WebSession(sessid=secrets.token_hex(16), created=now, last_seen=now, user=user,
                       csrf=secrets.token_hex(16))
        self.sessions[s.sessid] = s
        return s

    def lookup(self, sessid: str | None, idle_timeout: float) -> WebSession | None:
        """The logged-in session for ``sessid`` (touching it), or None when unknown/expired."""
        if not sessid:
            return None
        s = self.sessions.get(sessid)
        now = time.time()
        if s is None or s.user is None:
            return None
        if now - s.last_seen > idle_timeout:
            del self.sessions[sessid]
            return None
        s.last_seen = now
        return s

    def logout(self, sessid: str | None) -> None:
        if sessid:
            self.sessions.pop(sessid, None)
