"""The :class:`Chassis` facade: one object per chassis, connections opened lazily and once.

    async with Chassis.connect(endpoint="https://10.0.0.30", username="root", password=pw,
                               ca_cert="/etc/vessel/hmm-ca.pem",
                               ssh_host_keys="SHA256:…") as ch:
        blades = await ch.blade.list()
        await ch.switch.create_vlan(2, 310, description="web")

Path choice per operation ("Redfish first, HMM web API second, SSH last"): a blade operation
uses that blade's iBMC Redfish service when one is configured and answers (probed once via its
service root, then cached), else the iBMC CLI through the HMM (nested SSH). Chassis-wide reads
use the HMM Redfish service where it carries the data (enclosure, PSUs, fans), else the HMM web
API; menus only the web API serves (stateless computing, easyLink, accounts, NTP, LDAP,
upgrade) go there; switches are VRP over SSH. :attr:`Chassis.routes` records the path each
operation took last, for logs and tests.

Connections: one HTTP pool + one web session for the HMM web API, one Redfish session for the
HMM and one per blade iBMC, one SSH shell for the HMM CLI and one per blade iBMC / per switch
(nested through the HMM). All are created on first use and closed by :meth:`Chassis.aclose`.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from vessel_core.chassis.cache import ReadCache
from vessel_core.chassis.models import Capabilities
from vessel_core.drivers.hmm_web import HmmWebClient
from vessel_core.drivers.redfish import RedfishClient, RetryPolicy
from vessel_core.drivers.ssh import HmmCli, HostKeyPolicy, IbmcCli
from vessel_core.drivers.tls import TLSConfig
from vessel_core.drivers.vrp import HmmHopPath, VrpCli
from vessel_core.errors import (
    AuthError,
    ConflictError,
    DeviceError,
    NotFoundError,
    TransientError,
    UnsupportedError,
    ValidationError,
    VesselError,
    redact,
)
from vessel_core.models.hmm_web import XmlDocument

log = logging.getLogger("vessel.chassis")

T = TypeVar("T")


@dataclass(frozen=True)
class IbmcEndpoint:
    """Where a blade's iBMC Redfish service answers (an external iBMC address)."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def _host_keys(value: Any) -> HostKeyPolicy | None:
    if value is None or isinstance(value, HostKeyPolicy):
        return value
    if isinstance(value, str):
        return HostKeyPolicy.pinned(value) if value.startswith("SHA256:") \
            else HostKeyPolicy.from_known_hosts(value)
    if isinstance(value, (list, tuple)):
        return HostKeyPolicy.pinned(*value)
    raise ValidationError("ssh_host_keys: give a HostKeyPolicy, a 'SHA256:…' fingerprint, a list "
                          "of them, or a known_hosts path", operation="connect")


class Chassis:
    """One E9000 chassis. Create with :meth:`connect`; use as ``async with``."""

    def __init__(self, *, endpoint: str, username: str, password: str, tls: TLSConfig,
                 ssh_host: str, ssh_port: int, ssh_host_keys: HostKeyPolicy | None,
                 ibmc_endpoints: dict[int, IbmcEndpoint], switch_username: str,
                 switch_password: str | None, timeout: float, retry: RetryPolicy | None,
                 event_hooks: dict[str, list[Callable[..., Any]]] | None,
                 read_cache_ttl: float, task_poll_interval: float = 2.0) -> None:
        self.endpoint = endpoint
        self.target = urlsplit(endpoint).hostname or endpoint
        self._username = username
        self._password = password
        self._tls = tls
        self._ssh_host = ssh_host
        self._ssh_port = ssh_port
        self._ssh_host_keys = ssh_host_keys
        self._ibmc_endpoints = ibmc_endpoints
        self._switch_username = switch_username
        self._switch_password = switch_password
        self._timeout = timeout
        self._retry = retry
        self._event_hooks = event_hooks
        self._task_poll = task_poll_interval
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._locks: dict[tuple[Any, ...], asyncio.Lock] = {}
        self._caps = Capabilities()
        self._hmm_rf_probed = False
        self.cache = ReadCache(read_cache_ttl)
        self.routes: dict[str, str] = {}
        self._closed = False
        #: the change guard (a :class:`vessel_core.safety.Guard` session) every managed
        #: object's mutation passes; None for a bare facade (write and verify, nothing recorded)
        self.guard: Any = None
        from vessel_core.chassis import (
            alarms,
            basic,
            blade,
            easylink,
            fan,
            kvm,
            management,
            network,
            network_info,
            power,
            stateless,
            switch,
            system,
            upgrade,
        )
        self.basic = basic.Basic(self)
        self.network = network.Network(self)
        self.stateless = stateless.Stateless(self)
        self.easylink = easylink.EasyLink(self)
        self.network_info = network_info.NetworkInfo(self)
        self.power = power.Power(self)
        self.fan = fan.Fans(self)
        self.alarms = alarms.Alarms(self)
        self.system = system.System(self)
        self.upgrade = upgrade.Upgrade(self)
        self.blade = blade.Blades(self)
        self.management = management.Management(self)
        self.switch = switch.Switches(self)
        self.kvm = kvm.Kvm(self)

    # ------------------------------------------------------------------ construction
    @classmethod
    def connect(cls, endpoint: str, username: str, password: str, *, ca_cert: str | None = None,
                fingerprint: str | list[str] | None = None, insecure: bool = False,
                ssh_host_keys: Any = None, ssh_host: str | None = None, ssh_port: int = 22,
                ibmc_endpoints: Mapping[int | str, str | IbmcEndpoint | Mapping[str, Any]]
                | None = None, switch_username: str = "root",
                switch_password: str | None = None, timeout: float = 30.0,
                retry: RetryPolicy | None = None,
                event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
                read_cache_ttl: float = 5.0, task_poll_interval: float = 2.0) -> "Chassis":
        """Describe a chassis; nothing is opened until the first call needs it.

        Args:
            endpoint: the HMM floating address, ``https://host[:port]`` (a bare host means 443).
            ca_cert / fingerprint / insecure: how to trust the HMM and iBMC certificates.
            ssh_host_keys: SSH host-key pinning for the HMM (a ``HostKeyPolicy``, a
                ``SHA256:…`` fingerprint or list, or a known_hosts path). Without it SSH paths
                raise :class:`ValidationError`.
            ibmc_endpoints: slot → iBMC Redfish URL (or ``{"url", "username", "password"}``)
                for blades whose iBMC is reachable; others are driven over the HMM CLI.
            read_cache_ttl: seconds a batched read (switch tables, blade list) is reused.
            task_poll_interval: seconds between polls of a Redfish task (virtual media).
        """
        if not endpoint:
            raise ValidationError("endpoint is required", operation="connect")
        if "://" not in endpoint:
            endpoint = f"https://{endpoint}"
        if not username:
            raise ValidationError("username is required", operation="connect")
        tls = TLSConfig(ca_bundle=ca_cert, fingerprint_sha256=fingerprint, insecure=insecure)
        ibmcs: dict[int, IbmcEndpoint] = {}
        for key, value in (ibmc_endpoints or {}).items():
            slot = int(key)
            if not 1 <= slot <= 32:
                raise ValidationError(f"ibmc_endpoints: slot {key!r} is not 1..32",
                                      operation="connect")
            if isinstance(value, IbmcEndpoint):
                ibmcs[slot] = value
            elif isinstance(value, str):
                ibmcs[slot] = IbmcEndpoint(value)
            else:
                ibmcs[slot] = IbmcEndpoint(value["url"], value.get("username"),
                                           value.get("password"))
        return cls(endpoint=endpoint.rstrip("/"), username=username, password=password, tls=tls,
                   ssh_host=ssh_host or urlsplit(endpoint).hostname or endpoint,
                   ssh_port=ssh_port, ssh_host_keys=_host_keys(ssh_host_keys),
                   ibmc_endpoints=ibmcs, switch_username=switch_username,
                   switch_password=switch_password, timeout=timeout, retry=retry,
                   event_hooks=event_hooks, read_cache_ttl=read_cache_ttl,
                   task_poll_interval=task_poll_interval)

    async def __aenter__(self) -> "Chassis":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection this object opened (sessions are logged out)."""
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        results = await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        for r in results:
            if isinstance(r, Exception):
                log.debug("closing a %s connection failed: %s", self.target, type(r).__name__)

    async def move_endpoint(self, host: str) -> None:
        """Talk to the HMM at ``host`` from now on (same scheme and port): after its management
        address changed. The web and Redfish clients of the old address are dropped (their
        sessions are not logged out: nothing answers there any more)."""
        url = urlsplit(self.endpoint)
        if url.hostname == host:
            return
        name = f"[{host}]" if ":" in host else host
        old = [self._clients.pop(k) for k in (("web",), ("hmm-redfish",)) if k in self._clients]
        for c in old:
            try:
                await asyncio.wait_for(c.close(), timeout=2.0)
            except Exception:  # noqa: BLE001 - the old address may not answer
                pass
        if self._ssh_host == self.target:
            self._ssh_host = host
        self.endpoint = f"{url.scheme}://{name}" + (f":{url.port}" if url.port else "")
        self.target = host
        self.cache.invalidate()
        log.info("the HMM is reached at %s from now on", self.endpoint)

    # ------------------------------------------------------------------ clients (lazy, once)
    async def _client(self, key: tuple[Any, ...], factory: Callable[[], Any]) -> Any:
        if self._closed:
            raise ValidationError("chassis connection is closed", target=self.target,
                                  operation=key[0])
        c = self._clients.get(key)
        if c is not None:
            return c
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            c = self._clients.get(key)
            if c is None:
                c = factory()
                self._clients[key] = c
        return c

    def _http_kw(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"tls": self._tls, "timeout": self._timeout}
        if self._retry is not None:
            kw["retry"] = self._retry
        if self._event_hooks is not None:
            kw["event_hooks"] = self._event_hooks
        return kw

    async def web(self) -> HmmWebClient:
        return await self._client(("web",), lambda: HmmWebClient(
            self.endpoint, self._username, self._password, target=self.target, **self._http_kw()))

    async def hmm_redfish(self) -> RedfishClient:
        return await self._client(("hmm-redfish",), lambda: RedfishClient(
            self.endpoint, self._username, self._password, target=self.target,
            **self._http_kw()))

    def _require_ssh(self, operation: str) -> HostKeyPolicy:
        if self._ssh_host_keys is None:
            raise ValidationError("ssh_host_keys is required for operations over SSH "
                                  "(pin the HMM's host key)", target=self.target,
                                  operation=operation)
        return self._ssh_host_keys

    async def hmm_cli(self) -> HmmCli:
        keys = self._require_ssh("hmm cli")
        return await self._client(("hmm-cli",), lambda: HmmCli(
            self._ssh_host, password=self._password, host_keys=keys, username=self._username,
            port=self._ssh_port, timeout=self._timeout))

    async def ibmc_cli(self, slot: int) -> IbmcCli:
        keys = self._require_ssh(f"blade{slot} cli")
        return await self._client(("ibmc-cli", slot), lambda: IbmcCli(
            self._ssh_host, slot=slot, password=self._password, host_keys=keys,
            username=self._username, hmm_port=self._ssh_port, timeout=self._timeout))

    async def ibmc_redfish(self, slot: int) -> RedfishClient:
        ep = self._ibmc_endpoints.get(slot)
        if ep is None:
            raise UnsupportedError(f"no iBMC Redfish endpoint configured for slot {slot}",
                                   target=f"blade{slot}", operation="ibmc redfish")
        return await self._client(("ibmc-redfish", slot), lambda: RedfishClient(
            ep.url, ep.username or self._username, ep.password or self._password,
            target=f"blade{slot}", task_poll_interval=self._task_poll, **self._http_kw()))

    def new_vrp(self, slot: int) -> VrpCli:
        """A fresh, unopened VRP client for switch ``slot`` (same path, keys and credentials as
        :meth:`vrp`); the guard's heartbeat needs its own login."""
        keys = self._require_ssh(f"swi{slot} cli")
        path = HmmHopPath(self._ssh_host, self._password, keys,
                          switch_username=self._switch_username,
                          switch_password=self._switch_password, hmm_username=self._username,
                          hmm_port=self._ssh_port)
        return VrpCli(slot, path, timeout=self._timeout, connect_timeout=min(self._timeout, 15.0))

    async def vrp(self, slot: int) -> VrpCli:
        return await self._client(("vrp", slot), lambda: self.new_vrp(slot))

    # ------------------------------------------------------------------ capabilities
    async def blade_has_redfish(self, slot: int) -> bool:
        """Probe the blade's iBMC Redfish service root once (login included) and cache the
        answer. Unreachable or unsupported means "use the CLI"; refused credentials or an
        untrusted certificate are raised, not hidden behind a fallback."""
        known = self._caps.blade_redfish.get(slot)
        if known is not None:
            return known
        if slot not in self._ibmc_endpoints:
            self._caps.blade_redfish[slot] = False
            return False
        lock = self._locks.setdefault(("probe-ibmc", slot), asyncio.Lock())
        async with lock:
            if slot in self._caps.blade_redfish:
                return self._caps.blade_redfish[slot]
            rf = await self.ibmc_redfish(slot)
            try:
                root = await rf.service_root()
                ok = root.systems is not None
            except AuthError:
                raise
            except (TransientError, NotFoundError, UnsupportedError, DeviceError) as exc:
                log.info("blade%d: iBMC Redfish not usable (%s); using the CLI", slot,
                         type(exc).__name__)
                ok = False
            self._caps.blade_redfish[slot] = ok
            return ok

    async def has_hmm_redfish(self) -> bool:
        if self._hmm_rf_probed:
            return self._caps.hmm_redfish
        lock = self._locks.setdefault(("probe-hmm",), asyncio.Lock())
        async with lock:
            if not self._hmm_rf_probed:
                rf = await self.hmm_redfish()
                try:
                    root = await rf.service_root()
                    self._caps.hmm_redfish = True
                    self._caps.hmm_redfish_version = root.redfish_version
                except AuthError:
                    raise
                except (TransientError, NotFoundError, UnsupportedError, DeviceError) as exc:
                    log.info("HMM Redfish not usable (%s); using the web API",
                             type(exc).__name__)
                    self._caps.hmm_redfish = False
                self._hmm_rf_probed = True
        return self._caps.hmm_redfish

    async def capabilities(self, slots: list[int] | None = None) -> Capabilities:
        """Probe (once) the HMM Redfish service and the iBMC Redfish of ``slots`` (default:
        every slot with a configured endpoint)."""
        await self.has_hmm_redfish()
        for slot in slots if slots is not None else sorted(self._ibmc_endpoints):
            await self.blade_has_redfish(slot)
        return self._caps.model_copy(deep=True)

    def route(self, operation: str, path: str) -> None:
        self.routes[operation] = path
        log.debug("%s %s via %s", self.target, operation, path)

    async def cached(self, key: tuple[Any, ...], loader: Callable[[], Awaitable[T]]) -> T:
        return await self.cache.get(key, loader)

    # ------------------------------------------------------------------ web helpers
    async def web_read(self, handler: str, verb: str, *, referer: str = "index.html",
                       fields: dict[str, Any] | None = None) -> XmlDocument:
        web = await self.web()
        reply = await web.call(handler, verb, page=referer, fields=fields or {},
                               idempotent=True)
        return reply.document()

    async def web_write(self, handler: str, verb: str, fields: dict[str, Any], *,
                        operation: str, referer: str = "index.html") -> XmlDocument:
        """A write verb: never replayed; a non-zero retcode becomes a typed error (4 = a field
        the HMM refused, 5 = does not exist, 6/9 = conflicts with the current state; [INF] 10 =
        a pool is exhausted, 11 = overlaps another object, 12 = the menu's limit is reached)."""
        web = await self.web()
        reply = await web.call(handler, verb, page=referer,
                               fields={k: v for k, v in fields.items() if v is not None},
                               check_retcode=False)
        rc = reply.retcode
        if rc in (None, 0):
            return reply.document()
        secrets = [self._password] + [str(v) for k, v in fields.items()
                                      if v and re.search(r"(?i)passw|secret|token|community|key", k)]
        desp = redact(reply.desp or "", secrets)
        cls: type[VesselError] = {4: ValidationError, 5: NotFoundError, 6: ConflictError, 9: ConflictError,
                                  10: ConflictError, 11: ConflictError, 12: ConflictError}.get(rc, DeviceError)
        raise cls(f"{operation} refused (retcode {rc})", target=self.target,
                  operation=operation, device_message=desp)
