"""``data "vessel_kvm_screenshot"``: one screen of a blade's remote KVM console as a PNG.

    data "vessel_kvm_screenshot" "blade1" {
      slot          = 1
      encoding_hint = "auto"          # auto | oldrle | tiled
      timeout       = "30s"
      path          = "blade1.png"    # optional: also write the PNG there
    }

Outputs: ``png_base64``, ``width``, ``height``, ``sha256`` (of the PNG bytes), ``captured_at``
(RFC 3339, UTC), ``encoding`` (the codec the chassis streamed), ``blade_powered``.

The capture goes through the session's chassis facade (``chassis.kvm.screenshot``): every
screenshot of a provider process shares the chassis' ONE logged-in web client (each HMM web
login occupies one of the HMM's few session slots until it times out), closed with the session
when Terraform stops the provider. TLS follows the provider block (``ca_cert`` /
``cert_fingerprint``; ``insecure`` only when set explicitly); with none of them the system
trust store is used.

Like every data source, this one is read on every plan (and the PNG file rewritten then).
"""
from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    Attribute,
    DataSource,
    Request,
    Response,
    Schema,
    custom,
    int_range,
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
            validators=[int_range(1, MAX_SLOT)],
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
        diags = resp.diagnostics
        session = self.provider_data
        config = req.config
        slot = int(config["slot"])
        hint = config.get("encoding_hint") or "auto"
        timeout = parse_duration(config.get("timeout") or DEFAULT_TIMEOUT)
        if session is None:
            diags.add_error("Provider Not Configured",
                            "The vessel provider has no usable configuration (is the provider block known at plan time?).")
            return
        cfg = session.settings
        missing = [n for n in ("username", "password") if not getattr(cfg, n)]
        if missing:
            diags.add_error(
                "Missing Chassis Credentials",
                "A KVM screenshot needs an HMM login: set " + " and ".join(missing)
                + " in the provider block or " + " and ".join(f"VESSEL_{n.upper()}" for n in missing) + ".",
            )
            return
        host = cfg.host
        try:
            shot = await session.chassis.kvm.screenshot(slot, encoding_hint=hint, timeout=timeout)
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
        if config.get("path"):
            try:
                _write_atomically(config["path"], shot.png)
            except OSError as exc:
                diags.add_attribute_error(
                    AttributePath().attr("path"), "Cannot Write Screenshot",
                    f"Writing the PNG to {config['path']!r} failed: {exc.strerror or exc}.")
                return
        captured = shot.captured_at
        resp.state = {
            **config,
            "png_base64": base64.b64encode(shot.png).decode("ascii"),
            "width": shot.width,
            "height": shot.height,
            "sha256": hashlib.sha256(shot.png).hexdigest(),
            "captured_at": captured.strftime("%Y-%m-%dT%H:%M:%S.") + f"{captured.microsecond // 1000:03d}Z",
            "encoding": shot.encoding,
            "blade_powered": shot.blade_powered,
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
    from vessel_core.chassis.kvm import (
        KvmBladeDownError,
        KvmSessionTakenError,
        KvmSlotEmptyError,
        KvmUnsupportedError,
        TLSVerificationError,
    )

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

__all__ = ["KvmScreenshot", "DATA_SOURCES", "SCHEMA"]
