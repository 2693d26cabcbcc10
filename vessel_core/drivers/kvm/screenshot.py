"""High-level entry points: one screenshot of a blade console, and PNG encoding."""
from __future__ import annotations

import asyncio
import io
import time

from PIL import Image

from .client import ENCODINGS, Frame, KvmSession, KvmTiming
from .errors import KvmTimeoutError, KvmValidationError
from .params import HmmWebBootstrap, KvmBootstrap

ENCODING_HINTS = ("auto", *ENCODINGS)


async def capture_screenshot(host: str, username: str, password: str, slot: int, *,
                             port: int = 443, verify_tls: bool = True,
                             encoding_hint: str = "auto", timeout: float = 30.0,
                             bootstrap: KvmBootstrap | None = None,
                             timing: KvmTiming | None = None) -> Frame:
    """Log in to the HMM at ``host:port``, open the KVM of blade ``slot`` and return its screen.

    ``encoding_hint``: ``"oldrle"``, ``"tiled"`` or ``"auto"`` (OldRLE, the codec verified on
    E9000 hardware). ``timeout`` bounds the whole operation. ``bootstrap`` replaces the web
    login (parameters from elsewhere); ``timing`` overrides the protocol pacing.
    """
    if encoding_hint not in ENCODING_HINTS:
        raise KvmValidationError(f"encoding_hint must be one of {ENCODING_HINTS}, got {encoding_hint!r}",
                                 target=host, operation="kvm.encoding_hint")
    if not isinstance(slot, int) or isinstance(slot, bool) or not 1 <= slot <= 32:
        raise KvmValidationError(f"slot must be 1..32, got {slot!r}", target=host, operation="kvm.slot")
    if timeout <= 0:
        raise KvmValidationError("timeout must be positive", target=host, operation="kvm.timeout")
    encoding = "oldrle" if encoding_hint == "auto" else encoding_hint
    boot = bootstrap or HmmWebBootstrap(host, username, password, port=port, verify_tls=verify_tls,
                                        timeout=timeout)
    deadline = time.monotonic() + timeout
    try:
        async with asyncio.timeout(timeout):
            params = await boot.fetch()
            session = KvmSession(params, slot, encoding=encoding, timing=timing,  # type: ignore[arg-type]
                                 target=f"{host} blade {slot}")
            async with session:
                return await session.next_frame(max(0.05, deadline - time.monotonic()))
    except TimeoutError:
        raise KvmTimeoutError(f"screenshot not captured within {timeout:g} s",
                              target=f"{host} blade {slot}", operation="kvm.screenshot") from None


def frame_to_png(frame: Frame) -> bytes:
    """Lossless PNG of a :class:`Frame`."""
    bio = io.BytesIO()
    Image.fromarray(frame.rgb, "RGB").save(bio, "PNG", optimize=False, compress_level=6)
    return bio.getvalue()
