"""Pieces every emulated HTTPS service shares: fault middleware and XML answers."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from xml.sax.saxutils import escape

from aiohttp import web

if TYPE_CHECKING:
    from vessel_core.sim.emulator import Emulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ADMIN_PREFIX = "/__sim/"
XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>'


def fault_middleware(emulator: "Emulator") -> Any:
    """Latency and seeded 5xx injection, then lazy settling of due state changes."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        faults = emulator.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000.0)
        if emulator.dice.roll(faults.http_5xx_rate):
            return web.Response(status=503, text="Service Unavailable (injected)")
        if emulator.state.settle():
            emulator.changed()
        return await handler(request)

    return middleware


def xml_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return escape("" if value is None else str(value))


def xml_el(tag: str, value: object = None, attrs: dict[str, str] | None = None,
           children: list[str] | None = None) -> str:
    a = "".join(f' {k}="{xml_text(v)}"' for k, v in (attrs or {}).items())
    if children is not None:
        return f"<{tag}{a}>{''.join(children)}</{tag}>"
    return f"<{tag}{a}>{xml_text(value)}</{tag}>"


def xml_fields(fields: dict[str, object]) -> list[str]:
    return [xml_el(k, v) for k, v in fields.items()]


def xml_response(body: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=XML_PROLOG + body, content_type="text/xml",
                        charset="utf-8")


def xml_result(retcode: int = 0, desp: str = "The operation succeeded",
               extra: list[str] | None = None, status: int = 200) -> web.Response:
    parts = [xml_el("retcode", retcode), xml_el("desp", desp)] + (extra or [])
    return xml_response(xml_el("result", children=parts), status=status)
