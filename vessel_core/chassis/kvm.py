"""Remote Control → KVM: one screen of a blade's console, through the chassis' web login.

    shot = await ch.kvm.screenshot(3, encoding_hint="auto", timeout=30)
    open("blade3.png", "wb").write(shot.png)

Every HMM web login occupies one of the HMM's few session slots until it times out (there is
no logout handler), so screenshots reuse the chassis' one logged-in web client
(:meth:`Chassis.web`) for the KVM parameters; one viewer per blade at a time (a second viewer
takes the console from the first), so captures of one slot are serialised.

The errors a capture raises are re-exported here so callers never import a driver.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from vessel_core.drivers.kvm.errors import (
    KvmBladeDownError,
    KvmConnectionError,
    KvmSessionTakenError,
    KvmSlotEmptyError,
    KvmTimeoutError,
    KvmUnsupportedError,
)
from vessel_core.drivers.tls import TLSVerificationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

ENCODING_HINTS = ("auto", "oldrle", "tiled")


@dataclass(frozen=True)
class Screenshot:
    png: bytes
    width: int
    height: int
    encoding: str  #: what the chassis streamed: "oldrle" or "tiled"
    blade_powered: bool
    captured_at: datetime


class Kvm:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        self._slot_locks: dict[int, asyncio.Lock] = {}

    async def screenshot(self, slot: int, *, encoding_hint: str = "auto", timeout: float = 30.0) -> Screenshot:
        """Capture blade ``slot``'s screen (login, KVM channels and first frame within ``timeout``)."""
        from vessel_core.drivers.kvm import WebClientBootstrap, capture_screenshot, frame_to_png

        ch = self._ch
        async with self._slot_locks.setdefault(slot, asyncio.Lock()):
            web = await ch.web()
            frame = await capture_screenshot(ch.target, ch._username, ch._password, slot,
                                             encoding_hint=encoding_hint, timeout=timeout,
                                             bootstrap=WebClientBootstrap(web, ch.target))
        captured = datetime.now(timezone.utc)
        ch.route("kvm.screenshot", "web+kvm")
        png = await asyncio.to_thread(frame_to_png, frame)
        return Screenshot(png=png, width=frame.width, height=frame.height, encoding=frame.encoding,
                          blade_powered=not frame.blade_down, captured_at=captured)


__all__ = ["ENCODING_HINTS", "Kvm", "Screenshot", "KvmBladeDownError", "KvmConnectionError",
           "KvmSessionTakenError", "KvmSlotEmptyError", "KvmTimeoutError", "KvmUnsupportedError",
           "TLSVerificationError"]
