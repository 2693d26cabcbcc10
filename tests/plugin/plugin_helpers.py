"""Helpers for the provider process layer tests: client certificates, launching providers."""
from __future__ import annotations

import base64
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from tfharness import client_identity

from tfprovider.plugin.server import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

HERE = Path(__file__).resolve().parent
MINI_PROVIDER = HERE / "mini_provider.py"


@dataclass
class ClientCert:
    """A go-plugin style client identity: ECDSA P-521, SHA-512, self-signed, localhost."""

    key_pem: bytes
    cert_pem: bytes

    @classmethod
    def generate(cls) -> "ClientCert":
        return cls(*client_identity())


def plugin_env(client: ClientCert | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGIN_", "TF_"))}
    env[MAGIC_COOKIE_KEY] = MAGIC_COOKIE_VALUE
    env["PLUGIN_PROTOCOL_VERSIONS"] = "5,6"
    env["PLUGIN_MIN_PORT"], env["PLUGIN_MAX_PORT"] = "10000", "25000"
    if client is not None:
        env["PLUGIN_CLIENT_CERT"] = client.cert_pem.decode()
    env.update(extra)
    return env


@dataclass
class Launched:
    proc: subprocess.Popen
    line: str
    fields: list[str] = field(default_factory=list)

    @property
    def network(self) -> str:
        return self.fields[2]

    @property
    def address(self) -> str:
        return self.fields[3]

    @property
    def target(self) -> str:
        return f"unix:{self.address}" if self.network == "unix" else self.address

    @property
    def server_cert_der(self) -> bytes:
        b64 = self.fields[5]
        return base64.b64decode(b64 + "=" * (-len(b64) % 4))

    @property
    def server_cert_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.server_cert_der).public_bytes(serialization.Encoding.PEM)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout)


def read_line(proc: subprocess.Popen, timeout: float = 30.0) -> str:
    """First stdout line of ``proc`` (fails the test if none arrives in time)."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            pytest.fail(f"no line from the provider within {timeout}s (got {buf!r})")
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            pytest.fail(f"provider exited before printing a line (got {buf!r}, rc={proc.wait(5)}, "
                        f"stderr={proc.stderr.read().decode(errors='replace')[-2000:]!r})")
        buf += chunk
    sel.close()
    return buf.decode()
