"""The composition root: one :class:`Session` per chassis and per guard session.

    settings = SessionSettings(endpoint="https://hmm.lab", username="root", password=...,
                               ca_cert_pem=pem, ssh_host_key_fingerprint="SHA256:...")
    async with Session.open(settings) as s:
        await s.chassis.system.ntp.set(NtpSettings(enabled=True, preferred_server="ntp1"))
        await s.switches.switch("2X").apply(Change("vlan", 30, VlanState(30, "web")), "vlan.create")

A session owns the :class:`~vessel_core.chassis.Chassis` facade, the change
:class:`~vessel_core.safety.Guard` (snapshot store, audit log, actor, deadlines: the snapshot
policy lives as long as the session, i.e. one Terraform walk, one CLI run or one request) and
the guarded switch operations. :meth:`Session.aclose` closes every HTTP client and SSH session
it opened. Nothing is opened before a call needs it, and opening a session imports no driver.
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from vessel_core.errors import ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis import Chassis
    from vessel_core.safety import Guard
    from vessel_core.switchops import SwitchOps


@dataclass(frozen=True)
class SessionSettings:
    """Everything a session needs, validated by whoever builds it (the provider, a CLI)."""

    endpoint: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_cert_path: str | None = None  #: PEM file of the HMM's CA (or self-signed certificate)
    ca_cert_pem: str | None = field(default=None, repr=False)  #: or its PEM text
    cert_fingerprint: str | None = None  #: SHA-256 of the HMM certificate, hex
    insecure: bool = False
    ssh_host_key_fingerprint: str | None = None  #: ``SHA256:...`` pin of the HMM's SSH key
    ssh_known_hosts: str | None = None  #: or an OpenSSH known_hosts file
    ssh_port: int = 22
    switch_username: str = "root"
    switch_password: str | None = field(default=None, repr=False)  #: default: the HMM password
    snapshot_dir: str | None = None  #: default ``.vessel/snapshots``
    audit_log: str | None = None  #: default ``.vessel/audit.jsonl``
    request_timeout: float = 60.0
    watchdog_deadline: float = 120.0  #: how long a change may fail verification before restore
    provider_alias: str = "vessel"  #: recorded as the actor's alias in audit records
    read_cache_ttl: float = 5.0
    switch_cache_ttl: float = 20.0
    switch_gather_window: float = 0.2
    #: (slot, iBMC Redfish URL) of the blades driven over Redfish; the others over the iBMC CLI
    ibmc_endpoints: tuple[tuple[int, str], ...] = ()

    @property
    def host(self) -> str:
        url = urlsplit(self.endpoint if "://" in self.endpoint else f"//{self.endpoint}")
        return url.hostname or self.endpoint

    @property
    def url(self) -> str:
        return self.endpoint if "://" in self.endpoint else f"https://{self.endpoint}"

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.switch_password) if s]


class Session:
    """See the module docstring. Build with :meth:`open`; close with :meth:`aclose`."""

    def __init__(self, settings: SessionSettings) -> None:
        self.settings = settings
        self._chassis: Chassis | None = None
        self._guard: Guard | None = None
        self._switches: SwitchOps | None = None
        self._ca_file: str | None = None
        self._closed = False
        self._claims: dict[tuple[str, str], list[str]] = {}
        self._notes: dict[str, dict[str, Any]] = {}
        self._serial: str | None = None

    @classmethod
    def open(cls, settings: SessionSettings) -> "Session":
        if not settings.endpoint:
            raise ValidationError("endpoint is required", operation="session.open", field="endpoint")
        return cls(settings)

    async def __aenter__(self) -> "Session":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def with_settings(self, **changes: Any) -> "Session":
        """A new (unopened) session with some settings changed."""
        return Session(replace(self.settings, **changes))

    def claim(self, kind: str, key: str, who: str = "") -> list[str]:
        """Record that ``who`` means to manage the object ``(kind, key)`` and return every
        claimant so far (``who`` last): a front end that plans every object of a run through one
        session (a Terraform plan) refuses a second claim before anything changes."""
        claimants = self._claims.setdefault((kind, key), [])
        claimants.append(who)
        return list(claimants)

    async def chassis_serial(self) -> str:
        """The chassis' serial number (read once per session): the part of every object's
        identity that says which chassis it lives on."""
        if self._serial is None:
            # every resource of a refresh asks at once: one read, shared (the read cache)
            info = await self.chassis.cached(("chassis-serial",), self.chassis.basic.get)
            self._serial = info.serial_number or self.settings.host
        return self._serial

    def note(self, kind: str, key: str, value: Any) -> None:
        """Record what a plan means ``(kind, key)`` to become (a pool's range, a profile's pools),
        so objects planned later in the same run are checked against it, not only against what
        the chassis shows now (a profile planned with a pool this plan creates)."""
        self._notes.setdefault(kind, {})[key] = value

    def noted(self, kind: str) -> dict[str, Any]:
        """Every ``(kind, key) -> value`` noted so far."""
        return dict(self._notes.get(kind, {}))

    # ------------------------------------------------------------------ parts
    @property
    def guard(self) -> "Guard":
        """The change guard of this session (snapshot once per scope per session)."""
        if self._guard is None:
            from vessel_core.safety import AuditLog, Guard, SnapshotStore, default_actor

            s = self.settings
            self._guard = Guard(
                SnapshotStore(s.snapshot_dir or os.path.join(".vessel", "snapshots")),
                AuditLog(s.audit_log or os.path.join(".vessel", "audit.jsonl"), secrets=s.secrets()),
                default_actor(s.provider_alias), verify_deadline=s.watchdog_deadline,
                restore_timeout=max(s.watchdog_deadline * 2, 60.0))
        return self._guard

    @property
    def chassis(self) -> "Chassis":
        """The facade; every managed object's mutation passes :attr:`guard`."""
        if self._chassis is None:
            from vessel_core.chassis import Chassis

            s = self.settings
            ssh_keys: Any = s.ssh_host_key_fingerprint or s.ssh_known_hosts
            ch = Chassis.connect(s.url, s.username or "root", s.password or "", ca_cert=self._ca_path(),
                                 fingerprint=s.cert_fingerprint, insecure=s.insecure,
                                 ssh_host_keys=ssh_keys, ssh_port=s.ssh_port,
                                 switch_username=s.switch_username, switch_password=s.switch_password,
                                 timeout=s.request_timeout, read_cache_ttl=s.read_cache_ttl,
                                 ibmc_endpoints=dict(s.ibmc_endpoints))
            ch.guard = self.guard
            self._chassis = ch
        return self._chassis

    @property
    def switches(self) -> "SwitchOps":
        """The guarded, batched switch operations (one per session)."""
        if self._switches is None:
            s = self.settings
            if not (s.ssh_host_key_fingerprint or s.ssh_known_hosts):
                raise ValidationError(
                    "switch resources reach the CX310 CLIs over the HMM's SSH service, whose host key "
                    "must be pinned", operation="switch", field="ssh_host_key_fingerprint",
                    hint="set ssh_host_key_fingerprint (ssh-keyscan -p PORT HOST | ssh-keygen -lf -) "
                         "or ssh_known_hosts")
            if not s.password:
                raise ValidationError("switch resources need the HMM password", operation="switch",
                                      field="password", hint="set password (or VESSEL_PASSWORD)")
            self._switches = self.chassis.switch.guarded(self.guard, cache_ttl=s.switch_cache_ttl,
                                                         gather_window=s.switch_gather_window)
        return self._switches

    def _ca_path(self) -> str | None:
        """The CA PEM as a file (the TLS layer loads files); removed at :meth:`aclose`."""
        if self.settings.ca_cert_path:
            return self.settings.ca_cert_path
        pem = self.settings.ca_cert_pem
        if pem is None:
            return None
        if self._ca_file is None:
            import tempfile

            fd, path = tempfile.mkstemp(prefix="vessel-ca-", suffix=".pem")
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(pem)
            self._ca_file = path
        return self._ca_file

    # ------------------------------------------------------------------ lifetime
    async def aclose(self, *, graceful: bool = False) -> None:
        """Close every HTTP client and SSH session this session opened (idempotent). By default
        the SSH connections are disconnected without the CLIs' exit commands (a provider process
        ends within Terraform's grace period); ``graceful=True`` logs out of each CLI first."""
        if self._closed:
            return
        self._closed = True
        closers = []
        if self._switches is not None:
            closers.append(self._switches.close(graceful=graceful))
        if self._chassis is not None:
            closers.append(self._chassis.aclose())
        await asyncio.gather(*closers, return_exceptions=True)
        if self._ca_file is not None:
            try:
                os.unlink(self._ca_file)
            except OSError:
                pass
