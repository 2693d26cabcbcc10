"""TLS settings shared by the HTTPS drivers (Redfish, HMM web API).

Three ways to trust a management controller, chosen explicitly:

* **CA verification** (the default): the system trust store, or ``ca_bundle`` (a PEM path, e.g.
  the emulator's published CA). Chain and host name are checked by OpenSSL.
* **Fingerprint pinning**: ``fingerprint_sha256`` (hex, colons optional; several pins allowed for
  rotation). The peer's *leaf* certificate must hash to one of the pins. Chain and host name are
  not checked, so a self-signed HMM certificate works. The check runs inside the TLS handshake
  of every new connection (``SSLContext.sslobject_class``/``sslsocket_class`` hooks), so nothing
  is written to a peer that fails it — not even the login request. Combined with ``ca_bundle``,
  both the chain and the pin must hold.
* **Insecure**: ``insecure=True`` disables every check and logs a warning each time a context is
  built. Never the default.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import ssl
from dataclasses import dataclass, field

from vessel_core.errors import AuthError, DeviceTimeoutError, TransientError, ValidationError, VesselError

__all__ = ["TLSConfig", "PinMismatchError", "TLSVerificationError", "normalise_fingerprint",
           "certificate_fingerprint", "tls_failure"]

log = logging.getLogger(__name__)

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class PinMismatchError(ssl.SSLCertVerificationError):
    """The peer's certificate does not match any configured SHA-256 pin."""


class TLSVerificationError(AuthError):
    """The peer's certificate was not trusted (chain, host name or pin). Never retried."""


def tls_failure(exc: BaseException, *, target: str | None,
                operation: str | None) -> TLSVerificationError | None:
    """A :class:`TLSVerificationError` when ``exc`` (or its cause chain) is a certificate
    verification failure, else ``None``."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(cur):
            reason = str(cur) if isinstance(cur, PinMismatchError) else (
                getattr(cur, "verify_message", None) or "certificate verify failed")
            return TLSVerificationError(f"TLS peer not trusted: {reason}", target=target,
                                        operation=operation)
        cur = cur.__cause__ or cur.__context__
    return None


def transport_failure(exc: BaseException, *, what: str, target: str | None,
                      operation: str | None) -> VesselError:
    """The typed error for an HTTP transport failure of ``what`` (e.g. "login"): a timeout,
    an untrusted TLS peer (never retried), or a transient connection failure."""
    import httpx  # only the HTTP drivers call this, and they have imported httpx already

    if isinstance(exc, httpx.TimeoutException):
        return DeviceTimeoutError(f"{what} timed out", target=target, operation=operation)
    tls_err = tls_failure(exc, target=target, operation=operation)
    if tls_err is not None:
        return tls_err
    return TransientError(f"{what} failed ({type(exc).__name__})", target=target, operation=operation)


def normalise_fingerprint(pin: str) -> str:
    """``"AB:CD:…"`` / ``"abcd…"`` / ``"sha256:ab…"`` → 64 lower-case hex digits."""
    text = pin.strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:"):]
    text = text.replace(":", "").replace(" ", "")
    if not _HEX64.match(text):
        raise ValidationError(
            "fingerprint_sha256 must be 64 hex digits (colons allowed), got "
            f"{len(text)} characters", operation="tls.fingerprint_sha256")
    return text


def certificate_fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as lower-case hex (what a pin is compared with)."""
    return hashlib.sha256(der).hexdigest()


def _check_pins(der: bytes | None, pins: tuple[str, ...]) -> None:
    if not der:
        raise PinMismatchError("peer presented no certificate; pinned connection refused")
    got = certificate_fingerprint(der)
    if not any(hmac.compare_digest(got, p) for p in pins):
        raise PinMismatchError(
            f"peer certificate SHA-256 {got} matches no configured pin; connection refused")


def _pinned_classes(pins: tuple[str, ...]) -> tuple[type[ssl.SSLObject], type[ssl.SSLSocket]]:
    class PinnedSSLObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()  # raises SSLWantRead/WriteError until the handshake is done
            _check_pins(self.getpeercert(binary_form=True), pins)

    class PinnedSSLSocket(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            super().do_handshake(block)
            try:
                _check_pins(self.getpeercert(binary_form=True), pins)
            except PinMismatchError:
                self.close()
                raise

    return PinnedSSLObject, PinnedSSLSocket


@dataclass(frozen=True)
class TLSConfig:
    """How to trust the peer. ``TLSConfig()`` verifies against the system trust store."""

    ca_bundle: str | None = None
    fingerprint_sha256: str | tuple[str, ...] | list[str] | None = None
    insecure: bool = False
    _pins: tuple[str, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        raw = self.fingerprint_sha256
        pins: tuple[str, ...] = ()
        if raw:
            items = [raw] if isinstance(raw, str) else list(raw)
            pins = tuple(normalise_fingerprint(p) for p in items)
        if self.insecure and (pins or self.ca_bundle):
            raise ValidationError(
                "insecure=true cannot be combined with ca_bundle or fingerprint_sha256",
                operation="tls.insecure")
        object.__setattr__(self, "_pins", pins)

    @property
    def pins(self) -> tuple[str, ...]:
        return self._pins

    def ssl_context(self, target: str | None = None) -> ssl.SSLContext:
        """A fresh client context implementing this configuration."""
        if self.insecure:
            log.warning("TLS verification disabled for %s (insecure opt-in)", target or "peer")
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        if self._pins:
            if self.ca_bundle:
                ctx = ssl.create_default_context(cafile=self.ca_bundle)
                ctx.check_hostname = False  # identity comes from the pin
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            ctx.sslobject_class, ctx.sslsocket_class = _pinned_classes(self._pins)
            return ctx
        try:
            return ssl.create_default_context(cafile=self.ca_bundle)
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise ValidationError(f"cannot load ca_bundle {self.ca_bundle!r}: {exc}",
                                  target=target, operation="tls.ca_bundle") from exc

    def httpx_verify(self, target: str | None = None) -> ssl.SSLContext:
        """The value to pass as ``verify=`` to an httpx client or transport."""
        return self.ssl_context(target)
