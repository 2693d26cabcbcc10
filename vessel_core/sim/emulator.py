"""The emulated E9000 chassis: one object, one asyncio loop, every service on loopback.

    emu = Emulator(state_dir, EmulatorOptions(profile="modern", seed=1))
    await emu.start()
    emu.info            # the ready-line dict: URLs, ports, credentials, CA path
    emu.state           # ChassisState: read it, or change it "by hand" (drift tests)
    emu.faults          # Faults: change knobs at run time
    emu.save()          # write chassis.json now
    await emu.stop()    # close every listener, save

Services:

* HMM (one HTTPS port, like the real 443): the web API (``/login.html``,
  ``/<name>handler.php``), the MM910 Redfish service (``/redfish/v1``) and the admin endpoint
  (``/__sim/state``, ``/__sim/faults``, ``/__sim/factory-reset``; ``Authorization: Bearer <admin token>``).
* ``modern`` profile only: one HTTPS port per present blade with that blade's iBMC Redfish
  service (``info["ibmc"]["<slot>"]["url"]``).
* SSH (``vessel_core.sim.ssh.start_ssh``) and KVM (``vessel_core.sim.kvm.start_kvm``,
  ``register_web_routes``) when those modules are installed.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import secrets
import ssl
import time
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vessel_core.sim import (
    hmm,  # noqa: F401  (registers the dispatcher verbs)
    hmm_web,
    tls,
)
from vessel_core.sim.faults import FaultDice, Faults
from vessel_core.sim.hmm.upgrade import MAX_UPLOAD
from vessel_core.sim.httpcommon import fault_middleware
from vessel_core.sim.redfish_common import RfSessions, auth_middleware, error_middleware
from vessel_core.sim.redfish_hmm import HmmService
from vessel_core.sim.redfish_ibmc import IbmcService
from vessel_core.sim.state import (
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    SWITCH_SLOTS,
    ChassisState,
    VrpFlavour,
    build_state,
    factory_reset,
)
from vessel_core.sim.timing import Timing
from vessel_core.sim.websession import WebSessions

log = logging.getLogger("vessel.sim")


class EmulatorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: Literal["legacy", "modern"] = "legacy"
    seed: int = 0
    bind: str = "127.0.0.1"
    port_base: int | None = Field(default=None, ge=1, le=65000, description=(
        "HMM HTTPS = base, SSH = base+1, iBMC of blade N = base+10+N; None = random ports"))
    vrp: VrpFlavour | dict[int, VrpFlavour] = "vrp8"
    password: str = DEFAULT_PASSWORD
    max_web_sessions: int = Field(default=10, ge=1)
    max_redfish_sessions: int = Field(default=16, ge=1)
    save_delay_s: float = Field(default=0.2, ge=0)
    # ---- per-iBMC differences between real firmwares (modern profile)
    ibmc_basic_auth_only: list[int] = Field(default_factory=list, description=(
        "Slots whose iBMC has no SessionService: the root does not name one and the session POST "
        "answers 401 + WWW-Authenticate: Basic; only HTTP Basic authentication works."))
    ibmc_oem_vendor: Literal["Huawei", "xFusion"] | dict[int, Literal["Huawei", "xFusion"]] = Field(
        default="Huawei", description=(
            "The vendor key of the iBMCs' OEM blocks and OEM action paths, for every iBMC or per "
            "slot (unlisted slots: Huawei). xFusion is the rebranded firmware."))
    ibmc_vmedia_standard_actions: bool | list[int] = Field(default=True, description=(
        "Whether the VirtualMedia resources advertise #VirtualMedia.InsertMedia/EjectMedia: for "
        "every iBMC, none, or the listed slots. Without them only the OEM VmmControl works and "
        "POSTing the standard actions answers 404 (a 2288H V5 on firmware 6.41 did not have them)."))
    mgmt_on_loopback: bool = Field(default=False, description=(
        "[INF] Model the HMM's management addresses on loopback aliases: the HMM's HTTPS service "
        "(web API, Redfish) answers only at its floating and static (HMM1/HMM2) addresses that lie in "
        "127.0.0.0/8, each on the HMM port, and follows them when they change (the old address "
        "stops answering). At start a state whose addresses are not loopback ones is given "
        "float = the bind address, HMM1 = 127.0.1.31, HMM2 = 127.0.1.32 (mask 255.0.0.0). Faults: "
        "mgmt_unreachable_addresses."))
    ibmc_vmm_connect_failures: dict[int, int] = Field(default_factory=dict, description=(
        "Opt-in fault, per slot: the first N VmmControl Connect tasks end in Exception "
        "(iBMC.1.0.ConnectionFailed); the next one succeeds, as a retry does on real iBMCs."))

    def ibmc_vendor(self, slot: int) -> str:
        v = self.ibmc_oem_vendor
        return v if isinstance(v, str) else v.get(slot, "Huawei")

    def ibmc_standard_vmedia(self, slot: int) -> bool:
        v = self.ibmc_vmedia_standard_actions
        return v if isinstance(v, bool) else slot in v


class Emulator:
    def __init__(self, state_dir: str | os.PathLike[str], options: EmulatorOptions | None = None,
                 faults: Faults | None = None, timing: Timing | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.options = options or EmulatorOptions()
        self.faults = faults or Faults()
        self.timing = timing or Timing()
        self.dice = FaultDice(self.options.seed)
        self.admin_token = secrets.token_hex(16)
        self.web_sessions = WebSessions(max_slots=self.options.max_web_sessions)
        self.hmm_redfish_sessions = RfSessions(max_slots=self.options.max_redfish_sessions)
        self.ibmc: dict[int, IbmcService] = {}
        self.info: dict[str, Any] = {}
        self.ca_file: Path | None = None
        self._runners: list[web.AppRunner] = []
        self._ssh: Any = None
        self._switch_ssh: dict[int, Any] = {}
        self._kvm: Any = None
        self._save_handle: asyncio.TimerHandle | None = None
        loaded = ChassisState.load(self.state_dir)
        if loaded is None:
            self.state = build_state(self.options.seed, self.options.profile, self.options.vrp,
                                     self.options.password)
        else:
            self.state = loaded
            self.state.profile = self.options.profile
        self.hmm_port = 0
        self._hmm_ctx: ssl.SSLContext | None = None
        self._hmm_listeners: set[str] = set()

    # ------------------------------------------------------------------ state
    def changed(self) -> None:
        """Note a mutation; the state file is rewritten shortly after (debounced)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save()
            return
        if self._save_handle is None:
            self._save_handle = loop.call_later(self.options.save_delay_s, self._deferred_save)

    def _deferred_save(self) -> None:
        self._save_handle = None
        self.save()

    def save(self) -> Path:
        return self.state.save(self.state_dir)

    def factory_reset(self) -> None:
        """Every menu back to its default (:func:`vessel_core.sim.state.factory_reset`): the
        chassis a new emulator with the same options starts with, hardware and logs kept.
        [INF] Open web, Redfish and SSH sessions survive (the real HMM restarts)."""
        self.state.settle()
        factory_reset(self.state, build_state(self.options.seed, self.options.profile, self.options.vrp,
                                              self.options.password))
        self.changed()

    def check_hmm_password(self, user: str, password: str, interface: str = "WEB") -> bool:
        a = self.state.account(user)
        return (a is not None and a.enabled and not a.locked and a.password == password
                and (interface in a.interfaces or interface == "SSH" and "SSH/TELNET" in a.interfaces)
                and (self.state.ldap.local_login or a.id == 2))  # [INF] LDAP-only login keeps id 2

    def web_session_user(self, sessid: str, csrf: str | None) -> str | None:
        """The user of a live HMM web session (``csrf`` must match when given), else None."""
        s = self.web_sessions.lookup(sessid, self.faults.session_idle_timeout_s)
        if s is None or (csrf is not None and csrf != s.csrf):
            return None
        return s.user

    # ------------------------------------------------------------------ lifecycle
    def _port(self, offset: int) -> int:
        return 0 if self.options.port_base is None else self.options.port_base + offset

    async def _serve(self, app: web.Application, port: int, ctx: ssl.SSLContext, host: str | None = None) -> int:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host or self.options.bind, port, ssl_context=ctx, reuse_address=True)
        await site.start()
        self._runners.append(runner)
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        return int(sock.getsockname()[1])

    # ------------------------------------------------------------------ management addresses
    def mgmt_addresses(self) -> set[str]:
        """The addresses the HMM answers at now (``mgmt_on_loopback``): its loopback management
        addresses, less the ones the faults make unreachable."""
        net = self.state.network
        have = {net.floating.ip, *(ip.ip for ip in net.hmm_static.values())}
        return {a for a in have if a.startswith("127.")} - set(self.faults.mgmt_unreachable_addresses)

    def _loopback_addresses(self) -> None:
        net = self.state.network
        if net.floating.ip.startswith("127."):
            return
        from vessel_core.sim.state import IpSettings

        net.floating = IpSettings(ip=self.options.bind, mask="255.0.0.0", gateway="127.0.0.254")
        net.hmm_static = {f"HMM{m}": IpSettings(ip=f"127.0.1.{30 + m}", mask="255.0.0.0", gateway="127.0.0.254")
                          for m in (1, 2)}

    async def follow_mgmt_addresses(self) -> None:
        """Start an HMM listener at every new management address (they are never stopped: the
        gate answers nothing at an address the HMM does not hold any more)."""
        if not self.options.mgmt_on_loopback or self._hmm_ctx is None:
            return
        for addr in sorted(self.mgmt_addresses() - self._hmm_listeners):
            self._hmm_listeners.add(addr)
            try:
                await self._serve(self._hmm_app(), self.hmm_port, self._hmm_ctx, host=addr)
            except OSError as exc:  # an address this host cannot bind: it does not answer
                log.warning("HMM address %s cannot be served: %s", addr, exc)

    def _address_gate(self) -> Any:
        @web.middleware
        async def gate(request: web.Request, handler: Any) -> web.StreamResponse:
            if self.options.mgmt_on_loopback and not request.path.startswith("/__sim"):
                sock = request.transport.get_extra_info("sockname") if request.transport else None
                if sock is None or sock[0] not in self.mgmt_addresses():
                    if request.transport is not None:
                        request.transport.abort()   # nothing answers at an address the HMM left
                    raise web.HTTPServiceUnavailable(text="no HMM at this address")
            return await handler(request)
        return gate

    def _hmm_app(self) -> web.Application:
        @web.middleware
        async def switching_over(request: web.Request, handler: Any) -> web.StreamResponse:
            if time.time() < self.state.hmm_down_until and not request.path.startswith("/__sim"):
                return web.Response(status=503, text="HMM switchover in progress")  # [INF]
            return await handler(request)

        app = web.Application(middlewares=[
            self._address_gate(), switching_over, error_middleware, fault_middleware(self),
            auth_middleware(self.hmm_redfish_sessions,
                            lambda u, p: self.check_hmm_password(u, p, "REDFISH"),
                            lambda: self.faults.session_idle_timeout_s)],
            client_max_size=MAX_UPLOAD)
        app.add_routes(hmm_web.routes(self))
        app.add_routes(HmmService(self, self.hmm_redfish_sessions).routes())
        app.add_routes(admin_routes(self))
        kvm = _optional("vessel_core.sim.kvm")
        if kvm is not None and hasattr(kvm, "register_web_routes"):
            kvm.register_web_routes(app, self)
        return app

    def _ibmc_app(self, svc: IbmcService) -> web.Application:
        @web.middleware
        async def bricked(request: web.Request, handler: Any) -> web.StreamResponse:
            b = self.state.blades.get(svc.slot)
            if b is None or b.bricked:
                return web.Response(status=503, text="iBMC does not respond")
            return await handler(request)

        app = web.Application(middlewares=[
            error_middleware, fault_middleware(self), bricked,
            auth_middleware(svc.sessions, svc.check_password,
                            lambda: self.faults.session_idle_timeout_s,
                            sessions_enabled=not svc.basic_only)],
            client_max_size=MAX_UPLOAD)
        app.add_routes(svc.routes())
        return app

    async def start(self) -> dict[str, Any]:
        self.ca_file = tls.ensure_certificates(self.state_dir, self.options.bind)
        ctx = tls.server_context(self.state_dir)
        if self.options.mgmt_on_loopback:
            self._loopback_addresses()
        self.save()
        host = self.options.bind
        self.hmm_port = await self._serve(self._hmm_app(), self._port(0), ctx)
        self._hmm_ctx = ctx
        self._hmm_listeners.add(host)
        await self.follow_mgmt_addresses()
        hmm_url = f"https://{host}:{self.hmm_port}"
        ibmc_info: dict[str, Any] = {}
        if self.options.profile == "modern":
            for slot, b in sorted(self.state.blades.items()):
                if b.present:
                    svc = IbmcService(self, slot)
                    self.ibmc[slot] = svc
                    port = await self._serve(self._ibmc_app(svc), self._port(10 + slot), ctx)
                    ibmc_info[str(slot)] = {
                        "url": f"https://{host}:{port}", "host": host, "port": port,
                        "system": f"/redfish/v1/Systems/Blade{slot}",
                        "username": b.accounts[0].username if b.accounts else DEFAULT_USER,
                        "password": b.accounts[0].password if b.accounts else self.options.password}
        ssh_info = None
        ssh_mod = _optional("vessel_core.sim.ssh")
        if ssh_mod is not None and hasattr(ssh_mod, "start_ssh"):
            self._ssh = await ssh_mod.start_ssh(self, host, self._port(1))
            ssh_info = {"host": host, "port": self._ssh.port,
                        "host_key_fingerprint": self._ssh.host_key_fingerprint}
        switch_info: dict[str, Any] = {}
        for s in sorted(self.state.switches.values(), key=lambda s: s.slot):
            if not s.present:
                continue
            entry: dict[str, Any] = {"label": s.label, "model": s.model, "vrp": s.vrp_flavour}
            if s.vrp is not None and ssh_mod is not None and hasattr(ssh_mod, "start_switch_ssh"):
                # candidate (b)/(c) of the sheet's open access question: a direct VRP listener
                ep = await ssh_mod.start_switch_ssh(self, s.slot, host, self._port(2 + s.slot))
                self._switch_ssh[s.slot] = ep
                entry["ssh"] = {"host": host, "port": ep.port, "host_key_fingerprint": ep.host_key_fingerprint,
                                "username": s.vrp.username, "password": s.vrp.password}
            switch_info[f"Swi{s.slot}"] = entry
        kvm_info = None
        kvm_mod = _optional("vessel_core.sim.kvm")
        if kvm_mod is not None and hasattr(kvm_mod, "start_kvm"):
            self._kvm = await kvm_mod.start_kvm(self, host)
            kvm_info = {"host": host, "ports": dict(self._kvm.ports)}
        self.info = {
            "event": "ready", "pid": os.getpid(), "profile": self.options.profile,
            "seed": self.state.seed, "state_dir": str(self.state_dir),
            "state_file": str(self.state_dir / "chassis.json"), "ca_cert": str(self.ca_file),
            "bind": host,
            "hmm": {"host": host, "port": self.hmm_port, "url": hmm_url,
                    "web": f"{hmm_url}/login.html", "redfish": f"{hmm_url}/redfish/v1",
                    "username": DEFAULT_USER, "password": self.options.password},
            "ibmc": ibmc_info,
            "ssh": ssh_info,
            "kvm": kvm_info,
            "switches": switch_info,
            "admin": {"url": f"{hmm_url}/__sim", "token": self.admin_token},
        }
        return self.info

    async def stop(self) -> None:
        for comp in (self._ssh, self._kvm, *self._switch_ssh.values()):
            if comp is not None:
                try:
                    await comp.close()
                except Exception:  # a component failing to close must not keep the state unsaved
                    log.exception("closing %r failed", comp)
        self._ssh = self._kvm = None
        self._switch_ssh.clear()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        self._hmm_listeners.clear()
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        self.state.settle()
        self.save()

    async def __aenter__(self) -> "Emulator":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


_MISSING_LOGGED: set[str] = set()


def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            if name not in _MISSING_LOGGED:
                _MISSING_LOGGED.add(name)
                log.warning("%s is not installed: that service is not started", name)
            return None
        raise


def admin_routes(emu: Emulator) -> list[web.RouteDef]:
    """``/__sim/state`` (GET), ``/__sim/faults`` (GET, POST partial JSON), ``/__sim/timing``,
    ``/__sim/factory-reset`` (POST: every menu to its default)."""

    def authorised(request: web.Request) -> bool:
        return secrets.compare_digest(request.headers.get("Authorization", ""),
                                      f"Bearer {emu.admin_token}")

    def deny() -> web.Response:
        return web.json_response({"error": "admin token required (Authorization: Bearer …)"},
                                 status=401)

    async def get_state(request: web.Request) -> web.StreamResponse:
        if not authorised(request):
            return deny()
        emu.state.settle()
        return web.Response(text=emu.state.model_dump_json(), content_type="application/json")

    def patcher(attr: str, model: type[BaseModel]):
        async def get(request: web.Request) -> web.StreamResponse:
            if not authorised(request):
                return deny()
            return web.Response(text=getattr(emu, attr).model_dump_json(),
                                content_type="application/json")

        async def post(request: web.Request) -> web.StreamResponse:
            if not authorised(request):
                return deny()
            try:
                patch = await request.json()
                if not isinstance(patch, dict):
                    raise ValueError("body must be a JSON object")
                merged = model.model_validate({**getattr(emu, attr).model_dump(), **patch})
            except ValidationError as exc:
                return web.json_response({"error": [
                    {"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
                    for e in exc.errors()]}, status=400)
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
            current = getattr(emu, attr)
            for k in patch:
                setattr(current, k, getattr(merged, k))
            return web.Response(text=current.model_dump_json(), content_type="application/json")
        return get, post

    async def post_factory_reset(request: web.Request) -> web.StreamResponse:
        if not authorised(request):
            return deny()
        emu.factory_reset()
        return web.json_response({"reset": True})

    fg, fp = patcher("faults", Faults)
    tg, tp = patcher("timing", Timing)
    return [web.get("/__sim/state", get_state), web.get("/__sim/faults", fg),
            web.post("/__sim/faults", fp), web.get("/__sim/timing", tg), web.post("/__sim/timing", tp),
            web.post("/__sim/factory-reset", post_factory_reset)]


def parse_vrp(spec: str) -> VrpFlavour | dict[int, VrpFlavour]:
    """``vrp8`` for every switch, or per switch: ``2=vrp5,3=vrp8`` (also ``swi2=vrp5``)."""
    spec = spec.strip()
    if spec in ("vrp5", "vrp8"):
        return spec  # type: ignore[return-value]
    out: dict[int, VrpFlavour] = {}
    for tok in spec.split(","):
        k, sep, v = tok.partition("=")
        k = k.strip().lower().removeprefix("swi")
        if not sep or not k.isdigit() or int(k) not in SWITCH_SLOTS or v.strip() not in ("vrp5", "vrp8"):
            raise ValueError(f"--vrp: {tok!r} is not <switch 1..4>=vrp5|vrp8")
        out[int(k)] = v.strip()  # type: ignore[assignment]
    return out


def dumps_info(info: dict[str, Any]) -> str:
    return json.dumps(info, sort_keys=True, separators=(",", ":"))
