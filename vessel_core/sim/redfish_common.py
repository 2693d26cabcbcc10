"""What the HMM Redfish service and the per-blade iBMC services share.

* :class:`RedfishError` carries its HTTP status and Redfish message id; one middleware turns
  it into the iBMC error body (fact sheet §3.3).
* :class:`RfSessions`: ``POST …/Sessions`` → ``X-Auth-Token`` + ``Location``, idle expiry,
  a limited number of slots; Basic authentication is accepted too.
* :func:`json_response` adds a strong ``ETag`` (hash of the body) and ``@odata.etag``;
  :func:`check_if_match` enforces ``If-Match`` with 412 as the iBMC does.
* :func:`success_body`: the error-shaped ``Base.1.0.Success`` answer Huawei actions return.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from aiohttp import web

REGISTRY_TYPE = "/redfish/v1/$metadata#MessageRegistry.1.0.0.MessageRegistry"
SCHEMA_BASE = "http://redfish.dmtf.org/schemas/v1/"


class RedfishError(Exception):
    def __init__(self, status: int, message_id: str, message: str,
                 related: list[str] | None = None, args: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message_id = message_id
        self.message = message
        self.related = related or []
        self.args_ = args or []


def message(message_id: str, text: str, severity: str = "Warning",
            resolution: str = "None", related: list[str] | None = None,
            args: list[str] | None = None) -> dict[str, Any]:
    return {"@odata.type": REGISTRY_TYPE, "MessageId": message_id,
            "RelatedProperties": related or [], "Message": text, "MessageArgs": args or [],
            "Severity": severity, "Resolution": resolution}


def error_body(err: RedfishError) -> dict[str, Any]:
    return {"error": {
        "code": "Base.1.0.GeneralError",
        "message": "A general error has occurred. See ExtendedInfo for more information.",
        "@Message.ExtendedInfo": [message(err.message_id, err.message, related=err.related,
                                          args=err.args_,
                                          resolution="Correct the request and resubmit it.")]}}


def success_body() -> dict[str, Any]:
    """The iBMC's answer to a successful action: an error-shaped body with Base.1.0.Success."""
    return {"error": {
        "code": "Base.1.0.General Error",
        "message": "A general error has occurred. See ExtendedInfo for more information.",
        "@Message.ExtendedInfo": [message("Base.1.0.Success", "Successfully Completed Request",
                                          severity="OK")]}}


def etag_of(body: dict[str, Any]) -> str:
    clean = {k: v for k, v in body.items() if k != "@odata.etag"}
    digest = hashlib.sha1(json.dumps(clean, sort_keys=True).encode()).hexdigest()[:16]
    return f'W/"{digest}"'


def json_response(body: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None, etag: bool = True) -> web.Response:
    hdrs = {"OData-Version": "4.0", "Cache-Control": "no-cache"}
    if etag and "@odata.id" in body:
        tag = etag_of(body)
        body = dict(body)
        body["@odata.etag"] = tag
        hdrs["ETag"] = tag
    hdrs.update(headers or {})
    return web.Response(status=status, text=json.dumps(body), headers=hdrs,
                        content_type="application/json", charset="utf-8")


def check_if_match(request: web.Request, current: dict[str, Any]) -> None:
    """A PATCH/PUT needs ``If-Match`` equal to the resource's current ETag, else 412."""
    given = request.headers.get("If-Match")
    if given is None or (given != "*" and given.removeprefix("W/") != etag_of(current).removeprefix("W/")):
        raise RedfishError(412, "Base.1.0.PreconditionFailed",
                           "The ETag supplied did not match the ETag required to change this resource.")


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RedfishError(400, "Base.1.0.MalformedJSON",
                           "The request body submitted was malformed JSON and could not be parsed.") from None
    if not isinstance(body, dict):
        raise RedfishError(400, "Base.1.0.MalformedJSON", "The request body must be a JSON object.")
    return body


def unknown_props(body: dict[str, Any], allowed: set[str]) -> None:
    for k in body:
        if k not in allowed:
            raise RedfishError(400, "Base.1.0.PropertyUnknown",
                               f"The property {k} is not in the list of valid properties for the "
                               "resource.", related=[f"#/{k}"], args=[k])


def ref(path: str) -> dict[str, str]:
    return {"@odata.id": path}


def collection(path: str, odata_type: str, name: str, members: list[str]) -> dict[str, Any]:
    return {"@odata.id": path, "@odata.type": f"#{odata_type}", "Name": name,
            "Members@odata.count": len(members), "Members": [ref(m) for m in members]}


# ----------------------------------------------------------------------------- sessions

@dataclass
class RfSession:
    id: str
    token: str
    user: str
    created: float
    last_seen: float


@dataclass
class RfSessions:
    base: str = "/redfish/v1/SessionService/Sessions"
    max_slots: int = 16
    sessions: dict[str, RfSession] = field(default_factory=dict)   # by token
    _next: int = 1

    def prune(self, idle: float) -> None:
        now = time.time()
        for tok in [t for t, s in self.sessions.items() if now - s.last_seen > idle]:
            del self.sessions[tok]

    def create(self, user: str) -> RfSession:
        now = time.time()
        sid = f"{self._next:x}{secrets.token_hex(4)}"
        self._next += 1
        s = RfSession(id=sid, token=secrets.token_hex(16), user=user, created=now, last_seen=now)
        self.sessions[s.token] = s
        return s

    def by_token(self, token: str, idle: float) -> RfSession | None:
        s = self.sessions.get(token)
        if s is None:
            return None
        if time.time() - s.last_seen > idle:
            del self.sessions[token]
            return None
        s.last_seen = time.time()
        return s

    def by_id(self, sid: str) -> RfSession | None:
        return next((s for s in self.sessions.values() if s.id == sid), None)

    def delete(self, sid: str) -> bool:
        s = self.by_id(sid)
        if s is None:
            return False
        del self.sessions[s.token]
        return True


PUBLIC = {"/redfish", "/redfish/", "/redfish/v1", "/redfish/v1/", "/redfish/v1/odata",
          "/redfish/v1/$metadata"}


def auth_middleware(sessions: RfSessions, check_password: Callable[[str, str], bool],
                    idle: Callable[[], float], *, sessions_enabled: bool = True) -> Any:
    """X-Auth-Token or Basic on everything except the root, $metadata, odata and login.

    ``sessions_enabled=False`` is a Basic-only service: no login path, tokens are not accepted,
    so an unauthenticated session POST meets the 401 + ``WWW-Authenticate: Basic`` challenge."""

    @web.middleware
    async def middleware(request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/redfish"):
            return await handler(request)
        try:
            if path.rstrip("/") in PUBLIC or path in PUBLIC or (
                    sessions_enabled and request.method == "POST" and path.rstrip("/") == sessions.base):
                return await handler(request)
            token = request.headers.get("X-Auth-Token") if sessions_enabled else None
            user = None
            if token:
                s = sessions.by_token(token, idle())
                user = s.user if s else None
            elif request.headers.get("Authorization", "").startswith("Basic "):
                try:
                    raw = base64.b64decode(request.headers["Authorization"][6:]).decode()
                    u, _, p = raw.partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    u, p = "", ""
                user = u if check_password(u, p) else None
            if user is None:
                raise RedfishError(401, "Base.1.0.NoValidSession",
                                   "There is no valid session established with the implementation.")
            return await handler(request)
        except RedfishError as err:
            hdrs = {"WWW-Authenticate": 'Basic realm="Redfish"'} if err.status == 401 else None
            return json_response(error_body(err), status=err.status, headers=hdrs, etag=False)

    return middleware


@web.middleware
async def error_middleware(request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                           ) -> web.StreamResponse:
    try:
        return await handler(request)
    except RedfishError as err:
        return json_response(error_body(err), status=err.status, etag=False)
    except web.HTTPNotFound:
        if not request.path.startswith("/redfish"):
            raise
        return json_response(error_body(RedfishError(
            404, "Base.1.0.ResourceMissingAtURI",
            f"The resource at the URI {request.path} was not found.")), status=404, etag=False)
    except web.HTTPMethodNotAllowed:
        if not request.path.startswith("/redfish"):
            raise
        return json_response(error_body(RedfishError(
            405, "Base.1.0.OperationNotAllowed", "The operation is not allowed on this resource.")),
            status=405, etag=False, headers={"Allow": "GET"})


def session_routes(sessions: RfSessions, check_password: Callable[[str, str], bool],
                   refuse: Callable[[], bool], idle: Callable[[], float],
                   session_type: str = "Session.v1_0_0.Session",
                   service_type: str = "SessionService.v1_0_0.SessionService") -> list[web.RouteDef]:
    base = sessions.base

    async def create(request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        user, pw = body.get("UserName"), body.get("Password")
        if not isinstance(user, str) or not isinstance(pw, str):
            raise RedfishError(400, "Base.1.0.PropertyMissing",
                               "The properties UserName and Password are required.",
                               related=["#/UserName", "#/Password"])
        if not check_password(user, pw):
            raise RedfishError(401, "iBMC.1.0.AuthorizationFailed",
                               "The authentication failed because the user name or password is "
                               "incorrect, or your account is locked.")
        sessions.prune(idle())
        if refuse() or len(sessions.sessions) >= sessions.max_slots:
            raise RedfishError(503, "Base.1.0.SessionLimitExceeded",
                               "The session establishment failed due to the number of "
                               "simultaneous sessions exceeding the limit of the implementation.")
        s = sessions.create(user)
        loc = f"{base}/{s.id}"
        return json_response(_session_doc(base, s, session_type), status=201,
                             headers={"X-Auth-Token": s.token, "Location": loc})

    async def listing(request: web.Request) -> web.StreamResponse:
        sessions.prune(idle())
        return json_response(collection(base, "SessionCollection.SessionCollection",
                                        "Session Collection",
                                        [f"{base}/{s.id}" for s in sessions.sessions.values()]))

    async def one(request: web.Request) -> web.StreamResponse:
        s = sessions.by_id(request.match_info["sid"])
        if s is None:
            raise web.HTTPNotFound()
        return json_response(_session_doc(base, s, session_type))

    async def delete(request: web.Request) -> web.StreamResponse:
        if not sessions.delete(request.match_info["sid"]):
            raise web.HTTPNotFound()
        return web.Response(status=204)

    async def service(request: web.Request) -> web.StreamResponse:
        svc = base.rsplit("/", 1)[0]
        return json_response({
            "@odata.id": svc, "@odata.type": f"#{service_type}", "Id": "SessionService",
            "Name": "Session Service", "ServiceEnabled": True,
            "SessionTimeout": int(idle()), "Status": {"State": "Enabled", "Health": "OK"},
            "Sessions": ref(base)})

    return [web.post(base, create), web.post(base + "/", create), web.get(base, listing),
            web.get(base + "/{sid}", one), web.delete(base + "/{sid}", delete),
            web.get(base.rsplit("/", 1)[0], service)]


def _session_doc(base: str, s: RfSession, odata_type: str) -> dict[str, Any]:
    return {"@odata.id": f"{base}/{s.id}", "@odata.type": f"#{odata_type}", "Id": s.id,
            "Name": f"User Session {s.id}", "UserName": s.user}


def metadata_xml(namespaces: list[str]) -> str:
    """``$metadata`` referencing the DMTF schema file of every namespace served."""
    by_file: dict[str, list[str]] = {}
    for ns in namespaces:
        base = ns.split(".")[0]
        by_file.setdefault(base, [base])
        if ns != base and ns not in by_file[base]:
            by_file[base].append(ns)
    refs = []
    for base, includes in sorted(by_file.items()):
        inc = "".join(f'<edmx:Include Namespace="{n}"/>' for n in includes)
        refs.append(f'<edmx:Reference Uri="{SCHEMA_BASE}{base}_v1.xml">{inc}</edmx:Reference>')
    refs.append(f'<edmx:Reference Uri="{SCHEMA_BASE}RedfishExtensions_v1.xml">'
                '<edmx:Include Namespace="RedfishExtensions.v1_0_0" Alias="Redfish"/></edmx:Reference>')
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">'
            + "".join(refs) +
            '<edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" '
            'Namespace="Service"><EntityContainer Name="Service" '
            'Extends="ServiceRoot.v1_0_0.ServiceContainer"/></Schema></edmx:DataServices>'
            '</edmx:Edmx>')


def odata_doc(root: dict[str, Any]) -> dict[str, Any]:
    values = [{"name": "Service", "kind": "Singleton", "url": "/redfish/v1/"}]
    for k, v in root.items():
        if isinstance(v, dict) and "@odata.id" in v:
            values.append({"name": k, "kind": "Singleton", "url": v["@odata.id"]})
    return {"@odata.context": "/redfish/v1/$metadata", "value": values}


def common_routes(root: Callable[[], dict[str, Any]], namespaces: list[str]) -> list[web.RouteDef]:
    async def get_root(request: web.Request) -> web.StreamResponse:
        return json_response(root())

    async def get_redfish(request: web.Request) -> web.StreamResponse:
        return json_response({"v1": "/redfish/v1/"}, etag=False)

    async def get_metadata(request: web.Request) -> web.StreamResponse:
        return web.Response(text=metadata_xml(namespaces), content_type="application/xml",
                            headers={"OData-Version": "4.0"})

    async def get_odata(request: web.Request) -> web.StreamResponse:
        return json_response(odata_doc(root()), etag=False)

    return [web.get("/redfish", get_redfish), web.get("/redfish/", get_redfish),
            web.get("/redfish/v1", get_root), web.get("/redfish/v1/", get_root),
            web.get("/redfish/v1/$metadata", get_metadata), web.get("/redfish/v1/odata", get_odata)]


def registries(names: list[str]) -> tuple[Callable[[], dict[str, Any]], list[web.RouteDef]]:
    """A MessageRegistryFile collection naming ``names`` (e.g. Base, HMM, HMMEvents)."""
    base = "/redfish/v1/Registries"

    async def coll(request: web.Request) -> web.StreamResponse:
        return json_response(collection(base, "MessageRegistryFileCollection.MessageRegistryFileCollection",
                                        "Registry File Collection", [f"{base}/{n}" for n in names]))

    async def one(request: web.Request) -> web.StreamResponse:
        n = request.match_info["name"]
        if n not in names:
            raise web.HTTPNotFound()
        return json_response({
            "@odata.id": f"{base}/{n}", "@odata.type": "#MessageRegistryFile.v1_0_0.MessageRegistryFile",
            "Id": n, "Name": f"{n} Message Registry File", "Languages": ["en"],
            "Registry": f"{n}.1.0", "Location": [{
                "Language": "en",
                "PublicationUri": f"http://redfish.dmtf.org/registries/{n}.1.0.0.json"}]})

    return (lambda: ref(base)), [web.get(base, coll), web.get(base + "/{name}", one)]
