"""Emulated KVM of the chassis: ``/kvm.html`` (web side) and the KVM TCP listeners.

Hooks called by :class:`vessel_core.sim.emulator.Emulator`:

* :func:`register_web_routes` adds ``GET /kvm.html`` to the HMM web app;
* :func:`start_kvm` starts the SMM (``ports["kvm"]``, the real 2198) and blade data
  (``ports["video"]``, the real 2200) listeners and returns the :class:`KvmServer`.
"""
from __future__ import annotations

import html
from typing import Any

from aiohttp import web

from .server import KvmServer

__all__ = ["KvmServer", "start_kvm", "register_web_routes", "kvm_page"]

_APP_KEY = "vessel.sim.kvm.server"


async def start_kvm(emulator: Any, host: str) -> KvmServer:
    server = await KvmServer(emulator, host).start()
    emulator.kvm_server = server
    return server


def kvm_page(attrs: dict[str, str]) -> str:
    embed = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
    return ("<!DOCTYPE html>\n<html><head><title>Remote Control</title></head><body>\n"
            f'<embed {embed} width="100%" height="100%">\n</body></html>\n')


def register_web_routes(app: web.Application, emulator: Any) -> None:
    async def kvm_html(request: web.Request) -> web.StreamResponse:
        sessid = request.cookies.get("SESSID")
        csrf = request.headers.get("X-CSRF-Token")
        user = emulator.web_session_user(sessid, csrf) if sessid and csrf else None
        if user is None:
            raise web.HTTPFound("/login.html")
        server = getattr(emulator, "kvm_server", None)
        if server is None:
            return web.Response(status=503, text="KVM service not started")
        return web.Response(text=kvm_page(server.issue(user)), content_type="text/html",
                            headers={"Cache-Control": "no-store"})

    app.router.add_get("/kvm.html", kvm_html)
