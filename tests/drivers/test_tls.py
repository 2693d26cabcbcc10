"""TLS trust modes against a real HTTPS server on 127.0.0.1 with throwaway certificates."""
from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import ssl
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vessel_core.drivers.redfish import RedfishClient
from vessel_core.drivers.tls import TLSConfig, TLSVerificationError, certificate_fingerprint, normalise_fingerprint
from vessel_core.errors import ValidationError


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(tmp: Path) -> dict[str, object]:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name("hmm")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return {"ca": str(tmp / "ca.pem"),
            "fingerprint": certificate_fingerprint(leaf.public_bytes(serialization.Encoding.DER))}


@pytest.fixture
async def https_server(tmp_path: Path):
    info = _issue(tmp_path)
    seen: list[str] = []

    async def any_path(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path}")
        return web.json_response({"@odata.id": request.path, "Id": "1", "PowerState": "On"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", any_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(tmp_path / "leaf.pem"), str(tmp_path / "leaf.key"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    info.update(url=f"https://127.0.0.1:{port}", seen=seen)
    yield info
    await runner.cleanup()


async def _get(server, tls: TLSConfig) -> str | None:
    async with RedfishClient(server["url"], "root", "pw", tls=tls, auth="basic") as rf:
        return (await rf.get_system("1")).power_state


async def test_ca_bundle_verifies(https_server) -> None:
    assert await _get(https_server, TLSConfig(ca_bundle=https_server["ca"])) == "On"


async def test_default_verification_refuses_unknown_ca(https_server) -> None:
    with pytest.raises(TLSVerificationError):
        await _get(https_server, TLSConfig())
    assert https_server["seen"] == []


async def test_pin_accepts_matching_self_signed_leaf(https_server) -> None:
    pin = ":".join(https_server["fingerprint"][i:i + 2] for i in range(0, 64, 2)).upper()
    assert await _get(https_server, TLSConfig(fingerprint_sha256=pin)) == "On"


async def test_pin_plus_ca_requires_both(https_server) -> None:
    tls = TLSConfig(ca_bundle=https_server["ca"], fingerprint_sha256=https_server["fingerprint"])
    assert await _get(https_server, tls) == "On"


async def test_wrong_pin_is_refused_before_any_request(https_server) -> None:
    with pytest.raises(TLSVerificationError) as ei:
        await _get(https_server, TLSConfig(fingerprint_sha256="00" * 32))
    assert "matches no configured pin" in str(ei.value)
    assert https_server["seen"] == []  # nothing, not even the request line, reached the server


async def test_pin_rotation_list(https_server) -> None:
    tls = TLSConfig(fingerprint_sha256=["11" * 32, https_server["fingerprint"]])
    assert await _get(https_server, tls) == "On"


async def test_insecure_opt_in_logs_a_warning(https_server, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="vessel_core.drivers.tls"):
        assert await _get(https_server, TLSConfig(insecure=True)) == "On"
    assert any("verification disabled" in r.getMessage() for r in caplog.records)


def test_config_validation() -> None:
    with pytest.raises(ValidationError, match="64 hex"):
        TLSConfig(fingerprint_sha256="abc")
    with pytest.raises(ValidationError, match="insecure"):
        TLSConfig(insecure=True, fingerprint_sha256="00" * 32)
    with pytest.raises(ValidationError, match="ca_bundle"):
        TLSConfig(ca_bundle="/nonexistent/ca.pem").ssl_context()
    assert normalise_fingerprint("sha256:" + "AB" * 32) == "ab" * 32
    assert TLSConfig().ssl_context().verify_mode == ssl.CERT_REQUIRED
