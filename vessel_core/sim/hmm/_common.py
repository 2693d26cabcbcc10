"""What every HMM menu module shares: the verb registry, :class:`Call`, the ``retcode``
answers and the parameter parsers that turn bad input into ``retcode 4`` naming the field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import ValidationError

from vessel_core.sim import websession as ws
from vessel_core.sim.httpcommon import xml_response, xml_result

if TYPE_CHECKING:
    from vessel_core.sim.emulator import Emulator


@dataclass
class Call:
    """One authenticated dispatcher call."""
    emulator: "Emulator"
    request: web.Request
    form: dict[str, str]
    user: str
    session: ws.WebSession

    def arg(self, name: str, default: str = "") -> str:
        return self.form.get(name, default)

    def referer_path(self) -> str:
        return urlsplit(self.request.headers.get("Referer", "")).path


Verb = Callable[[Call], Awaitable[web.StreamResponse]]
VERBS: dict[tuple[str, str], Verb] = {}


def verb(handler: str, actiontype: str) -> Callable[[Verb], Verb]:
    """Register ``async def f(call)`` as ``POST /<handler>.php actiontype=<actiontype>``."""
    def deco(fn: Verb) -> Verb:
        VERBS[(handler, actiontype)] = fn
        return fn
    return deco


SLOT_RE = re.compile(r"^Slot(\d+)$")
SWI_RE = re.compile(r"^Swi(\d)$")


OK = "The operation succeeded"


def _bad(desp: str, retcode: int = 4) -> web.Response:
    return xml_result(retcode, desp)


def _absent() -> web.Response:
    """Absent or invalid FRU: HTTP 400 with ``<result><retcode>5</retcode></result>`` [REPO]."""
    return xml_response("<result><retcode>5</retcode></result>", status=400)


def _int(call: Call, name: str, default: int | None = None, lo: int = 0, hi: int = 1 << 30) -> int:
    raw = call.arg(name, "" if default is None else str(default))
    if not raw.lstrip("-").isdigit() or not lo <= int(raw) <= hi:
        raise _FieldError(f"Parameter {name} must be an integer in {lo}..{hi}, got {raw!r}.")
    return int(raw)


class _FieldError(Exception):
    pass


def _guard(fn):
    """Turn bad parameters into ``retcode 4`` answers that name the field."""
    async def wrapper(call: Call) -> web.StreamResponse:
        try:
            return await fn(call)
        except _FieldError as exc:
            return _bad(str(exc))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            return _bad(f"Invalid value for {loc}: {err['msg']}.")
    wrapper.__name__ = fn.__name__
    return wrapper


def _page(call: Call, items: list) -> tuple[list, int]:
    page = _int(call, "page", 1, lo=1)
    perpage = _int(call, "perpage", 10, lo=1, hi=1000)
    return items[(page - 1) * perpage: page * perpage], len(items)


def _int_list(call: Call, name: str, lo: int, hi: int) -> list[int]:
    raw = call.arg(name)
    out = []
    for tok in filter(None, re.split(r"[,\s]+", raw)):
        if not tok.isdigit() or not lo <= int(tok) <= hi:
            raise _FieldError(f"Parameter {name}: {tok!r} is not in {lo}..{hi}.")
        out.append(int(tok))
    return sorted(set(out))


def _str_list(call: Call, name: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", call.arg(name)) if t]


def _named(items: list, name: str):
    return next((p for p in items if p.name == name), None)


#: (pattern, how the refusal words it) of a compute profile's name [INF]
PROFILE_NAME = (r"^[A-Za-z0-9_.-]{1,32}$", "1-32 letters, digits, _ . -")


def _profile_name(call: Call, rule: tuple[str, str] = PROFILE_NAME) -> str:
    name = call.arg("name")
    if not re.match(rule[0], name):
        raise _FieldError(f"Parameter name {name!r} is not {rule[1]}.")
    return name


async def _upsert(call: Call, items: list, build, create: bool, *, name_rule: tuple[str, str] = PROFILE_NAME,
                  limit: int | None = None) -> web.StreamResponse:
    """Add (``create``) or replace the profile ``name`` of ``items``; at most ``limit`` of them."""
    name = _profile_name(call, name_rule)
    existing = _named(items, name)
    if create and existing is not None:
        return _bad(f"The profile {name} already exists.", 6)
    if not create and existing is None:
        return _bad(f"The profile {name} does not exist.", 5)
    if existing is None and limit is not None and len(items) >= limit:
        return _bad(f"The number of profiles has reached the upper limit ({limit}).", 7)
    new = build(name)
    if existing is not None:
        items[items.index(existing)] = new
    else:
        items.append(new)
    call.emulator.changed()
    return xml_result()


async def _delete_named(call: Call, items: list) -> web.StreamResponse:
    p = _named(items, call.arg("name"))
    if p is None:
        return _bad(f"The profile {call.arg('name')} does not exist.", 5)
    items.remove(p)
    call.emulator.changed()
    return xml_result()
