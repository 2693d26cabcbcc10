"""The ``vessel`` provider: its configuration schema and the object resources receive.

Every attribute may also come from an environment variable (``VESSEL_<NAME>``); the
provider block wins. Configuration problems are reported on the attribute they concern.
``configure`` returns a :class:`vessel_core.session.Session` (the composition root: facade,
guard, switch operations); nothing contacts the chassis before a resource needs it, and the
session's clients are closed when Terraform stops the provider (:meth:`VesselProvider.aclose`).
One provider process serves one Terraform walk, so one session is one guard session: the
first change of a scope in this walk takes the snapshot.
"""
from __future__ import annotations

import os
import re
from typing import Any, Mapping
from urllib.parse import urlsplit

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    Attribute,
    ConfigureResponse,
    Provider,
    Schema,
    conflicts_with,
    custom,
    duration,
    int_range,
    parse_duration,
    regex,
)

PROVIDER_ADDRESS = "registry.terraform.io/popsolutions/vessel"
DEFAULT_REQUEST_TIMEOUT = "60s"
DEFAULT_WATCHDOG_DEADLINE = "120s"

_SHA256_HEX = r"(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{64}"
_SSH_FP = r"SHA256:[A-Za-z0-9+/]{43}=?"
_ENDPOINT = r"(?:https?://)?[A-Za-z0-9._\-\[\]:]+(?::\d+)?/?"


def _endpoint_problem(text: str) -> str | None:
    """Why ``text`` is not a usable HMM address (None when it is)."""
    if not re.fullmatch(_ENDPOINT, text):
        return "must be a host name, IP address or https:// URL of the HMM"
    try:
        url = urlsplit(text if "://" in text else f"https://{text}")
        port = url.port
    except ValueError:
        return "has a port outside 1-65535"
    if port is not None and not 1 <= port <= 65535:
        return "has a port outside 1-65535"
    if not url.hostname:
        return "has no host name"
    return None


def _ibmc_problem(value: Any) -> str | None:
    for slot, url in (value or {}).items():
        if not (slot.isdigit() and 1 <= int(slot) <= 16):
            return f"key {slot!r} is not a blade slot 1-16"
        if not str(url).startswith("https://") or _endpoint_problem(str(url)):
            return f"{slot} = {url!r} is not an https:// URL"
    return None


def _env(name: str) -> str:
    return "VESSEL_" + name.upper()


SCHEMA = Schema(
    {
        "endpoint": Attribute(
            cty.String, optional=True, validators=[custom(_endpoint_problem, "an HMM host name, IP address or https:// URL")],
            description="Address of the chassis management module (HMM): host, host:port or `https://` URL. Env: `VESSEL_ENDPOINT`.",
        ),
        "username": Attribute(cty.String, optional=True, description="HMM user name. Env: `VESSEL_USERNAME`."),
        "password": Attribute(
            cty.String, optional=True, sensitive=True, description="HMM password. Env: `VESSEL_PASSWORD`."
        ),
        "ca_cert": Attribute(
            cty.String, optional=True, validators=[conflicts_with("insecure")],
            description="Path of a PEM file with the CA (or self-signed) certificate the HMM presents. Env: `VESSEL_CA_CERT`.",
        ),
        "cert_fingerprint": Attribute(
            cty.String, optional=True,
            validators=[regex(_SHA256_HEX, "must be a SHA-256 fingerprint: 64 hex digits, optionally colon-separated"),
                        conflicts_with("insecure")],
            description="SHA-256 fingerprint of the HMM's TLS certificate to pin. Env: `VESSEL_CERT_FINGERPRINT`.",
        ),
        "insecure": Attribute(
            cty.Bool, optional=True,
            description="Skip TLS certificate verification (explicit opt-in; never together with `ca_cert` or "
                        "`cert_fingerprint`). Env: `VESSEL_INSECURE`.",
        ),
        "ssh_host_key_fingerprint": Attribute(
            cty.String, optional=True, validators=[regex(_SSH_FP, 'must look like "SHA256:" followed by 43 base64 characters')],
            description="Pinned SSH host key of the HMM (`SHA256:...`, as printed by `ssh-keygen -lf`). "
                        "Env: `VESSEL_SSH_HOST_KEY_FINGERPRINT`.",
        ),
        "ssh_known_hosts": Attribute(
            cty.String, optional=True, description="Path of an OpenSSH known_hosts file. Env: `VESSEL_SSH_KNOWN_HOSTS`."
        ),
        "snapshot_dir": Attribute(
            cty.String, optional=True, description="Directory for pre-change snapshots. Env: `VESSEL_SNAPSHOT_DIR`."
        ),
        "audit_log": Attribute(
            cty.String, optional=True, description="Append-only JSON-lines audit log file. Env: `VESSEL_AUDIT_LOG`."
        ),
        "request_timeout": Attribute(
            cty.String, optional=True, validators=[duration()],
            description=f'Time limit for one request to the chassis (default "{DEFAULT_REQUEST_TIMEOUT}"). Env: `VESSEL_REQUEST_TIMEOUT`.',
        ),
        "ssh_port": Attribute(
            cty.Number, optional=True, validators=[int_range(1, 65535)],
            description="TCP port of the HMM's SSH service (default 22); switch CLIs are reached through it. Env: `VESSEL_SSH_PORT`.",
        ),
        "switch_username": Attribute(
            cty.String, optional=True,
            description='User name of the CX310 switch CLIs (default "root"). Env: `VESSEL_SWITCH_USERNAME`.',
        ),
        "switch_password": Attribute(
            cty.String, optional=True, sensitive=True,
            description="Password of the CX310 switch CLIs (default: the HMM password). Env: `VESSEL_SWITCH_PASSWORD`.",
        ),
        "ibmc_endpoints": Attribute(
            cty.Map(cty.String), optional=True, validators=[custom(_ibmc_problem, "slot -> iBMC https:// URL")],
            description='Blade slot -> URL of that blade\'s iBMC Redfish service, e.g. {"1" = "https://10.0.0.11"} '
                        "(the iBMC addresses of Network Settings). Listed blades are driven over Redfish, the others "
                        "over the iBMC CLI through the HMM's SSH. The HMM credentials are used. Env: `VESSEL_IBMC_ENDPOINTS` "
                        '(JSON: {"1": "https://10.0.0.11"}).',
        ),
        "provider_alias": Attribute(
            cty.String, optional=True,
            description='Name recorded as the provider alias in audit records (default "vessel"); Terraform does not '
                        "tell providers their alias. Env: `VESSEL_PROVIDER_ALIAS`.",
        ),
        "watchdog_deadline": Attribute(
            cty.String, optional=True, validators=[duration()],
            description="How long a change may keep failing verification (read-back, heartbeat of the management "
                        "plane) before it is rolled back (default "
                        f'"{DEFAULT_WATCHDOG_DEADLINE}"). Env: `VESSEL_WATCHDOG_DEADLINE`.',
        ),
    },
    description="Manage Huawei E9000 blade chassis (HMM, blades, CX switch modules).",
)

# every attribute may come from the environment: VESSEL_<NAME> (merged and validated by the
# framework before configure, so an env value meets the same validators as the block's)
for _name, _attr in SCHEMA.attributes.items():
    _attr.env = _env(_name)


class VesselProvider(Provider):
    type_name = "vessel"
    schema = SCHEMA

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ  #: where VESSEL_* are read
        from tfprovider.vessel import resources as res_pkg

        self.resources = list(getattr(res_pkg, "RESOURCES", []))
        self.data_sources = list(getattr(res_pkg, "DATA_SOURCES", []))
        self.functions = list(getattr(res_pkg, "FUNCTIONS", []))
        self.list_resources = list(getattr(res_pkg, "LIST_RESOURCES", []))
        self.actions = list(getattr(res_pkg, "ACTIONS", []))
        self.sessions: list[Any] = []  #: one per ConfigureProvider (one per process in practice)

    async def configure(self, config: Mapping[str, Any], resp: ConfigureResponse) -> None:
        """``config`` holds the block's values and, where it leaves them null, the ``VESSEL_*``
        environment (merged and validated by the framework: ``Attribute(env=...)``)."""
        diags = resp.diagnostics
        if not all(cty.is_known(v) for v in config.values()):
            return  # known only after apply: configure runs again then
        val = dict(config)
        src = {k: resp.source(k) for k in val}

        def err(name: str, summary: str, detail: str) -> None:
            diags.add_attribute_error(AttributePath().attr(name), summary, detail)

        if not val["endpoint"]:
            err("endpoint", "Missing Chassis Endpoint", "Set endpoint in the provider block or the VESSEL_ENDPOINT environment variable.")
        if val["insecure"] and (val["cert_fingerprint"] or val["ca_cert"]):
            other = "cert_fingerprint" if val["cert_fingerprint"] else "ca_cert"
            err(
                "insecure", "Conflicting TLS Settings",
                f"{src['insecure']} turns certificate checks off, but {src[other]} asks for them. Remove one of the two.",
            )
        fingerprint = val["cert_fingerprint"]
        if fingerprint is not None:
            fingerprint = fingerprint.replace(":", "").lower()
        pem = None
        if val["ca_cert"]:
            try:
                with open(val["ca_cert"], encoding="ascii") as f:
                    pem = f.read()
            except (OSError, UnicodeDecodeError) as exc:
                err("ca_cert", "Unreadable CA Certificate",
                    f"{src['ca_cert']}: cannot read {val['ca_cert']!r}: {getattr(exc, 'strerror', None) or exc}.")
            else:
                if "-----BEGIN CERTIFICATE-----" not in pem:
                    err("ca_cert", "Invalid CA Certificate", f"{src['ca_cert']}: {val['ca_cert']!r} holds no PEM certificate.")
        if val["ssh_known_hosts"] and not os.path.isfile(val["ssh_known_hosts"]):
            err("ssh_known_hosts", "Unreadable Known Hosts File", f"{src['ssh_known_hosts']}: no file at {val['ssh_known_hosts']!r}.")
        timeouts = {}
        for name, default in (("request_timeout", DEFAULT_REQUEST_TIMEOUT), ("watchdog_deadline", DEFAULT_WATCHDOG_DEADLINE)):
            try:
                timeouts[name] = parse_duration(val[name] or default)
            except ValueError as exc:
                err(name, "Invalid Duration", f"{src[name]}: {exc}")
        if diags.has_error():
            return
        from vessel_core.session import Session, SessionSettings

        session = Session.open(SessionSettings(
            endpoint=val["endpoint"],
            username=val["username"],
            password=val["password"],
            ca_cert_path=val["ca_cert"],
            ca_cert_pem=pem,
            cert_fingerprint=fingerprint,
            insecure=bool(val["insecure"]),
            ssh_host_key_fingerprint=val["ssh_host_key_fingerprint"],
            ssh_known_hosts=val["ssh_known_hosts"],
            ssh_port=int(val["ssh_port"] or 22),
            switch_username=val["switch_username"] or "root",
            switch_password=val["switch_password"],
            snapshot_dir=val["snapshot_dir"],
            audit_log=val["audit_log"],
            request_timeout=timeouts["request_timeout"],
            watchdog_deadline=timeouts["watchdog_deadline"],
            provider_alias=val["provider_alias"] or "vessel",
            ibmc_endpoints=tuple(sorted((int(k), v) for k, v in (val["ibmc_endpoints"] or {}).items())),
        ))
        self.sessions.append(session)
        resp.data = session

    async def aclose(self) -> None:
        """Close every session's HTTP clients and SSH sessions (Terraform is stopping us)."""
        sessions, self.sessions = self.sessions, []
        for session in sessions:
            await session.aclose()


def make_servicer() -> Any:
    """The tfplugin6 servicer for the vessel provider (what ``tfprovider.main`` serves)."""
    from tfprovider.framework.server import ProviderServer

    return ProviderServer(VesselProvider())
