"""Self-signed CA and server certificate of the emulated chassis.

Generated at the first start and kept in the state folder (``ca.pem``, ``ca-key.pem``,
``server.pem``, ``server-key.pem``), so clients can verify TLS against the published
``ca.pem`` instead of turning verification off. The server certificate names ``localhost``,
``127.0.0.1`` and the bind address; it is re-issued (same CA) when the bind address changes.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _names(bind: str) -> tuple[list[str], list[str]]:
    dns = ["localhost"]
    ips = ["127.0.0.1"]
    try:
        ipaddress.ip_address(bind)
        if bind not in ips:
            ips.append(bind)
    except ValueError:
        if bind not in dns:
            dns.append(bind)
    return dns, ips


def _make_ca(folder: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vessel emulated chassis"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Vessel emulator CA")])
    now = dt.datetime.now(dt.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    (folder / CA_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / CA_KEY_FILE, _key_pem(key))
    return cert, key


def _make_leaf(folder: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey,
               bind: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = _names(bind)
    now = dt.datetime.now(dt.timezone.utc)
    san = x509.SubjectAlternativeName(
        [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hmm.e9000.local")]))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(san, critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / KEY_FILE, _key_pem(key))


def _leaf_covers(folder: Path, bind: str) -> bool:
    try:
        cert = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    dns, ips = _names(bind)
    have_ips = {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    have_dns = set(san.get_values_for_type(x509.DNSName))
    not_expired = cert.not_valid_after_utc > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    return set(ips) <= have_ips and set(dns) <= have_dns and not_expired


def ensure_certificates(folder: str | os.PathLike[str], bind: str = "127.0.0.1") -> Path:
    """Create (or reuse) the CA and server certificate; return the CA file path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, ca_key_path = folder / CA_FILE, folder / CA_KEY_FILE
    if ca_path.exists() and ca_key_path.exists():
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    else:
        ca, ca_key = _make_ca(folder)
        (folder / CERT_FILE).unlink(missing_ok=True)
    if not _leaf_covers(folder, bind):
        _make_leaf(folder, ca, ca_key, bind)
    return ca_path


def server_context(folder: str | os.PathLike[str]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(Path(folder) / CERT_FILE, Path(folder) / KEY_FILE)
    return ctx


def client_context(ca_file: str | os.PathLike[str]) -> ssl.SSLContext:
    """A verifying client context that trusts only the emulator's CA."""
    return ssl.create_default_context(cafile=str(ca_file))
