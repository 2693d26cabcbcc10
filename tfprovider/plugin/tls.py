"""AutoMTLS server identity: a fresh in-memory ECDSA P-256 key and self-signed certificate.

The certificate mirrors go-plugin's (CN and DNS SAN ``localhost``, CA basic constraints,
digitalSignature/keyEncipherment/keyAgreement/certSign key usage, serverAuth+clientAuth
extended key usage, random 128-bit serial, NotBefore = now - 30 s in UTC, ~30 years
validity). It is assembled as DER here instead of through ``cryptography.x509`` because
that module alone costs ~20 ms of import time on every provider start; only the EC key
generation and signing come from ``cryptography``. Nothing is written to disk.

:func:`server_context` is the OpenSSL (``ssl``) side: it requires and verifies the client
certificate from PLUGIN_CLIENT_CERT. OpenSSL accepts go-plugin's ECDSA P-521/SHA-512
client certificate, which grpcio's bundled BoringSSL does not (grpc/grpc#41089).
"""
from __future__ import annotations

import base64
import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

_NOT_BEFORE_SKEW = 30
_VALIDITY = 262_980 * 3600  # go-plugin's 262980h (~30 years)


# --- minimal DER encoder -------------------------------------------------------------------

def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _set(*parts: bytes) -> bytes:
    return _tlv(0x31, b"".join(parts))


def _int(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative INTEGERs are needed here")
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _bitstring(data: bytes, unused_bits: int = 0) -> bytes:
    return _tlv(0x03, bytes([unused_bits]) + data)


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def _utf8(text: str) -> bytes:
    return _tlv(0x0C, text.encode())


def _time(epoch: int) -> bytes:
    t = time.gmtime(epoch)
    if 1950 <= t.tm_year < 2050:  # RFC 5280 4.1.2.5: UTCTime until 2049, then GeneralizedTime
        return _tlv(0x17, time.strftime("%y%m%d%H%M%SZ", t).encode())
    return _tlv(0x18, time.strftime("%Y%m%d%H%M%SZ", t).encode())


def _explicit(tag_number: int, content: bytes) -> bytes:
    return _tlv(0xA0 | tag_number, content)


def _extension(oid: str, value: bytes, critical: bool = False) -> bytes:
    crit = _tlv(0x01, b"\xff") if critical else b""
    return _seq(_oid(oid), crit, _octets(value))


OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_P256 = "1.2.840.10045.3.1.7"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
OID_CN = "2.5.4.3"
OID_O = "2.5.4.10"
OID_KEY_USAGE = "2.5.29.15"
OID_BASIC_CONSTRAINTS = "2.5.29.19"
OID_EXT_KEY_USAGE = "2.5.29.37"
OID_SAN = "2.5.29.17"
OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"

# digitalSignature(0) keyEncipherment(2) keyAgreement(4) keyCertSign(5) -> 1010 1100, 2 unused bits
_KEY_USAGE = _bitstring(b"\xac", unused_bits=2)


def _pem(label: str, der: bytes) -> bytes:
    b64 = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return b"".join([f"-----BEGIN {label}-----\n".encode(), *(ln + b"\n" for ln in lines),
                     f"-----END {label}-----\n".encode()])


class ServerIdentity:
    """Key + certificate of one provider process (PEM for gRPC, DER for the handshake)."""

    def __init__(self, cert_der: bytes, cert_pem: bytes, key_pem: bytes):
        self.cert_der = cert_der
        self.cert_pem = cert_pem
        self.key_pem = key_pem

    @property
    def handshake_cert(self) -> str:
        """Standard base64 of the DER certificate without ``=`` padding (go-plugin field 6)."""
        return base64.b64encode(self.cert_der).decode().rstrip("=")


def generate_identity(now: float | None = None, organization: str = "Vessel") -> ServerIdentity:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_numbers()
    point = b"\x04" + pub.x.to_bytes(32, "big") + pub.y.to_bytes(32, "big")
    spki = _seq(_seq(_oid(OID_EC_PUBLIC_KEY), _oid(OID_P256)), _bitstring(point))
    name = _seq(_set(_seq(_oid(OID_O), _utf8(organization))), _set(_seq(_oid(OID_CN), _utf8("localhost"))))
    start = int(time.time() if now is None else now) - _NOT_BEFORE_SKEW
    serial = int.from_bytes(os.urandom(16), "big") >> 1 or 1  # positive, at most 127 bits
    extensions = _seq(
        _extension(OID_KEY_USAGE, _KEY_USAGE, critical=True),
        _extension(OID_EXT_KEY_USAGE, _seq(_oid(OID_SERVER_AUTH), _oid(OID_CLIENT_AUTH))),
        _extension(OID_BASIC_CONSTRAINTS, _seq(_tlv(0x01, b"\xff")), critical=True),
        _extension(OID_SAN, _seq(_tlv(0x82, b"localhost"))),
    )
    sig_alg = _seq(_oid(OID_ECDSA_SHA256))
    tbs = _seq(
        _explicit(0, _int(2)),  # v3
        _int(serial),
        sig_alg,
        name,  # issuer (self-signed)
        _seq(_time(start), _time(start + _VALIDITY)),
        name,  # subject
        spki,
        _explicit(3, extensions),
    )
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    cert_der = _seq(tbs, sig_alg, _bitstring(signature))
    priv = key.private_numbers().private_value.to_bytes(32, "big")
    key_der = _seq(_int(1), _octets(priv), _explicit(0, _oid(OID_P256)), _explicit(1, _bitstring(point)))
    return ServerIdentity(cert_der, _pem("CERTIFICATE", cert_der), _pem("EC PRIVATE KEY", key_der))


def server_context(key_pem: bytes, cert_pem: bytes, client_cert_pem: str) -> Any:
    """TLS >= 1.2 server context: our identity, client certificate required and verified
    against ``client_cert_pem`` only, ALPN ``h2``."""
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_chain_in_memory(ctx, key_pem + cert_pem)
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cadata=client_cert_pem)
    except ssl.SSLError as exc:
        raise ValueError(f"PLUGIN_CLIENT_CERT is not a PEM certificate: {exc}") from None
    ctx.set_alpn_protocols(["h2"])
    return ctx


def _load_chain_in_memory(ctx: ssl.SSLContext, pem: bytes) -> None:
    """load_cert_chain only takes paths (and seeks in them): feed it an anonymous memfd so
    the key never touches a disk; elsewhere fall back to a 0600 file removed at once."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and os.path.isdir("/proc/self/fd"):
        fd = memfd_create("plugin-identity", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, pem)
            ctx.load_cert_chain(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "k.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(path)
