"""``data "vessel_kvm_screenshot"``: one screen of a blade's remote KVM console as a PNG.

    data "vessel_kvm_screenshot" "blade1" {
      slot          = 1
      encoding_hint = "auto"          # auto | oldrle | tiled
      timeout       = "30s"
      path          = "blade1.png"    # optional: also write the PNG there
    }

Outputs: ``png_base64``, ``width``, ``height``, ``sha256`` (of the PNG bytes), ``captured_at``
(RFC 3339, UTC), ``encoding`` (the codec the chassis streamed), ``blade_powered``.

Web sessions: every HMM web login occupies one of the HMM's few session slots until it times
out (there is no logout handler), so all screenshots of one provider process share ONE
logged-in :class:`HmmWebClient` per chassis configuration (:func:`shared_web_client`). It is
closed when the provider's event loop shuts down (a parked task whose ``finally`` closes it,
run by ``asyncio.run``'s final task cancellation), or explicitly by :func:`close_web_clients`.
TLS follows the provider block (``ca_cert`` / ``cert_fingerprint``; ``insecure`` only when
set explicitly); with none of them the system trust store is used.

Like every data source, this one is read on every plan (and the PNG file rewritten then).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import tempfile
import weakref
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    Attribute,
    DataSource,
    Request,
    Response,
    Schema,
    custom,
    in_range,
    one_of,
    parse_duration,
)
from vessel_core.errors import (
    AuthError,
    ConflictError,
    DeviceTimeoutError,
    NotFoundError,
    TransientError,
    UnsupportedError,
    ValidationError,
    VesselError,
    redact,
)

DEFAULT_TIMEOUT = "30s"
ENCODING_HINTS = ("auto", "oldrle", "tiled")
MAX_SLOT = 16


def _whole_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return None
    if value != int(value):
        return f"must be a whole number, got: {value}"
    return None


def _positive_duration(value: Any) -> str | None:
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        return str(exc)
    if seconds <= 0:
        return f"must be longer than zero, got: {value!r}"
    return None


SCHEMA = Schema(
    {
        "slot": Attribute(
            cty.Number, required=True,
            validators=[in_range(1, MAX_SLOT), custom(_whole_number, "a whole number")],
            description=f"Blade slot whose console to capture (1..{MAX_SLOT}).",
        ),
        "encoding_hint": Attribute(
            cty.String, optional=True, validators=[one_of(*ENCODING_HINTS)],
            description='Video codec to ask for: "oldrle" (lossless, 256 colours), "tiled" (JPEG tiles) '
                        'or "auto" (default: OldRLE, the codec every E9000 blade offers).',
        ),
        "timeout": Attribute(
            cty.String, optional=True, validators=[custom(_positive_duration, "a positive duration")],
            description=f'Time limit for the whole capture (login, KVM channels, first frame), e.g. "30s". Default "{DEFAULT_TIMEOUT}".',
        ),
        "path": Attribute(
            cty.String, optional=True,
            description="If set, the PNG is also written to this file (replaced atomically on every read).",
        ),
        "png_base64": Attribute(cty.String, computed=True, description="The screenshot as a base64-encoded PNG."),
        "width": Attribute(cty.Number, computed=True, description="Screen width in pixels."),
        "height": Attribute(cty.Number, computed=True, description="Screen height in pixels."),
        "sha256": Attribute(cty.String, computed=True, description="SHA-256 (hex) of the PNG bytes."),
        "captured_at": Attribute(cty.String, computed=True, description="When the frame was captured (RFC 3339, UTC)."),
        "encoding": Attribute(cty.String, computed=True, description='Codec the chassis streamed: "oldrle" or "tiled".'),
        "blade_powered": Attribute(
            cty.Bool, computed=True,
            description="False when the blade reports itself down (the console then shows the KVM's no-signal screen).",
        ),
    },
    description="A screenshot of a blade's remote KVM console, taken through the HMM. Read on every plan.",
)


# ----------------------------------------------------------------------------- shared web login

def _base_url(endpoint: str) -> str:
    url = endpoint if "://" in endpoint else f"https://{endpoint}"
    return url.rstrip("/")


def _client_key(cfg: Any) -> tuple[Any, ...]:
    secret = hashlib.sha256((cfg.password or "").encode()).hexdigest()  # key without the password itself
    return (_base_url(cfg.endpoint), cfg.username, secret, cfg.ca_cert_path, cfg.cert_fingerprint,
            bool(cfg.insecure), float(cfg.request_timeout))


class _Shared:
    """Per event loop: one logged-in web client per chassis configuration, slot locks."""

    def __init__(self) -> None:
        self.clients: dict[tuple[Any, ...], Any] = {}
        self.creating = asyncio.Lock()
        self.slot_locks: dict[tuple[str, int], asyncio.Lock] = {}
        self.keeper: asyncio.Task | None = None
        self.logins = 0          # web clients created (each logs in once, on first use)


_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Shared] = weakref.WeakKeyDictionary()


def _shared() -> _Shared:
    loop = asyncio.get_running_loop()
    sh = _SHARED.get(loop)
    if sh is None:
        sh = _SHARED[loop] = _Shared()
        sh.keeper = loop.create_task(_keep(), name="vessel-kvm-web-clients")
    return sh


async def _keep() -> None:
    """Parked until the loop shuts down; then close the loop's web clients."""
    try:
        await asyncio.Event().wait()
    finally:
        sh = _SHARED.pop(asyncio.get_running_loop(), None)
        if sh is not None:
            await _close_all(sh)


async def _close_all(sh: _Shared) -> None:
    clients, sh.clients = list(sh.clients.values()), {}
    for c in clients:
        try:
            await c.close()
        except Exception:  # noqa: BLE001 - closing a pool on shutdown
            pass


async def close_web_clients() -> None:
    """Close the web clients this event loop's screenshots opened (idempotent)."""
    sh = _SHARED.pop(asyncio.get_running_loop(), None)
    if sh is None:
        return
    if sh.keeper is not None and sh.keeper is not asyncio.current_task():
        sh.keeper.cancel()
    await _close_all(sh)


async def shared_web_client(cfg: Any) -> Any:
    """The process's logged-in (on first use) HMM web client for the provider config ``cfg``."""
    from vessel_core.drivers.hmm_web.client import HmmWebClient
    from vessel_core.drivers.tls import TLSConfig

    sh = _shared()
    key = _client_key(cfg)
    client = sh.clients.get(key)
    if client is not None:
        return client
    async with sh.creating:
        client = sh.clients.get(key)
        if client is None:
            tls = TLSConfig(ca_bundle=cfg.ca_cert_path, fingerprint_sha256=cfg.cert_fingerprint,
                            insecure=bool(cfg.insecure))
            client = HmmWebClient(key[0], cfg.username, cfg.password, tls=tls,
                                  timeout=cfg.request_timeout, target=_host(cfg.endpoint))
            sh.clients[key] = client
            sh.logins += 1
    return client


def _host(endpoint: str) -> str:
    return urlsplit(_base_url(endpoint)).hostname or endpoint


def _slot_lock(base_url: str, slot: int) -> asyncio.Lock:
    sh = _shared()
    return sh.slot_locks.setdefault((base_url, slot), asyncio.Lock())


# ----------------------------------------------------------------------------- data source

def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".vessel-png-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class KvmScreenshot(DataSource):
    type_name = "vessel_kvm_screenshot"
    schema = SCHEMA

    async def read(self, req: Request, resp: Response) -> None:
        from vessel_core.drivers.kvm import WebClientBootstrap, capture_screenshot, frame_to_png

        diags = resp.diagnostics
        cfg = self.provider_data
        config = req.config
        slot = int(config["slot"])
        hint = config.get("encoding_hint") or "auto"
        timeout = parse_duration(config.get("timeout") or DEFAULT_TIMEOUT)
        if cfg is None:
            diags.add_error("Provider Not Configured",
                            "The vessel provider has no usable configuration (is the provider block known at plan time?).")
            return
        missing = [n for n in ("username", "password") if not getattr(cfg, n)]
        if missing:
            diags.add_error(
                "Missing Chassis Credentials",
                "A KVM screenshot needs an HMM login: set " + " and ".join(missing)
                + " in the provider block or " + " and ".join(f"VESSEL_{n.upper()}" for n in missing) + ".",
            )
            return
        host = _host(cfg.endpoint)
        base = _base_url(cfg.endpoint)
        try:
            async with _slot_lock(base, slot):          # one KVM viewer per blade at a time
                web = await shared_web_client(cfg)
                frame = await capture_screenshot(
                    host, cfg.username, cfg.password, slot, encoding_hint=hint, timeout=timeout,
                    bootstrap=WebClientBootstrap(web, host))
        except VesselError as exc:
            _diagnose(exc, slot, hint, timeout, host, cfg, diags)
            return
        except OSError as exc:      # a socket error the driver did not wrap
            diags.add_attribute_error(
                AttributePath().attr("slot"), "KVM Connection Lost",
                f"slot = {slot}: the KVM connection to {host} failed ({type(exc).__name__}: "
                f"{exc.strerror or exc}). The chassis drops the connection when another viewer "
                f"holds the blade's console, or when the HMM restarts.")
            return
        captured = datetime.now(timezone.utc)
        png = frame_to_png(frame)
        if config.get("path"):
            try:
                _write_atomically(config["path"], png)
            except OSError as exc:
                diags.add_attribute_error(
                    AttributePath().attr("path"), "Cannot Write Screenshot",
                    f"Writing the PNG to {config['path']!r} failed: {exc.strerror or exc}.")
                return
        resp.state = {
            **config,
            "png_base64": base64.b64encode(png).decode("ascii"),
            "width": frame.width,
            "height": frame.height,
            "sha256": hashlib.sha256(png).hexdigest(),
            "captured_at": captured.strftime("%Y-%m-%dT%H:%M:%S.") + f"{captured.microsecond // 1000:03d}Z",
            "encoding": frame.encoding,
            "blade_powered": not frame.blade_down,
        }


def _caused_by(exc: BaseException, kind: type) -> bool:
    """``exc`` or an exception in its cause/context chain is a ``kind`` (drivers re-raise
    TLS failures as auth errors ``from None``; the context still holds the original)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _diagnose(exc: VesselError, slot: int, hint: str, timeout: float, host: str, cfg: Any, diags: Any) -> None:
    """Turn a driver error into a diagnostic that says what to change (never a secret)."""
    from vessel_core.drivers.kvm import (KvmBladeDownError, KvmSessionTakenError, KvmSlotEmptyError,
                                         KvmUnsupportedError)
    from vessel_core.drivers.tls import TLSVerificationError

    text = redact(str(exc), [s for s in (cfg.password,) if s])
    at = AttributePath().attr
    if isinstance(exc, KvmSlotEmptyError) or (isinstance(exc, NotFoundError) and "slot" in text):
        diags.add_attribute_error(
            at("slot"), "Empty Blade Slot",
            f"slot = {slot}: chassis {host} reports no blade in slot {slot}, so there is no console to capture. ({text})")
    elif _caused_by(exc, TLSVerificationError):
        diags.add_error(
            "Chassis Certificate Not Trusted",
            f"The HMM at {host} presented a certificate that the provider's ca_cert / cert_fingerprint "
            f"settings do not accept: {text}")
    elif isinstance(exc, AuthError):
        diags.add_error(
            "KVM Login Refused",
            f"The HMM at {host} refused the provider's credentials (username / password) or the KVM "
            f"session for slot {slot}: {text}")
    elif isinstance(exc, KvmSessionTakenError):
        diags.add_attribute_error(
            at("slot"), "KVM Session In Use",
            f"slot = {slot}: another viewer holds the blade's KVM console. Close that session "
            f"(web console or another tool) and run again. ({text})")
    elif isinstance(exc, KvmBladeDownError):
        diags.add_attribute_error(
            at("slot"), "Blade Sends No Video",
            f"slot = {slot}: the blade reports itself down and sent no picture in time. ({text})")
    elif isinstance(exc, DeviceTimeoutError):
        diags.add_attribute_error(
            at("timeout"), "Screenshot Timed Out",
            f"No frame from blade {slot} within {timeout:g} s; raise timeout if the chassis is slow. ({text})")
    elif isinstance(exc, KvmUnsupportedError):
        diags.add_attribute_error(
            at("encoding_hint"), "KVM Not Available",
            f'Blade {slot} cannot stream with encoding_hint = "{hint}": {text}')
    elif isinstance(exc, TransientError):
        diags.add_error("Chassis Unreachable", f"Capturing blade {slot} on {host} failed: {text}")
    elif isinstance(exc, (ValidationError, ConflictError, UnsupportedError)):
        diags.add_error("Screenshot Refused", f"Capturing blade {slot} on {host} failed: {text}")
    else:
        diags.add_error("Screenshot Failed", f"Capturing blade {slot} on {host} failed: {text}")


DATA_SOURCES = [KvmScreenshot]

__all__ = ["KvmScreenshot", "DATA_SOURCES", "SCHEMA", "shared_web_client", "close_web_clients"]
