"""KVM client: SMM control channel + blade data channel over plain TCP (fact sheet §2).

One :class:`KvmSession` per blade. ``open()`` runs vessel's live sequence (presence, encrypted
blade-state request, warm-up heartbeats, then heartbeat / connect / frame rate / connect /
monitor on the blade channel); background tasks read video and send heartbeats every 2 s.
Every wait has a deadline; every failure is a typed error from :mod:`.errors`.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .codecs.framing import FrameHeader, Reassembler, ServerFrameReader, client_frame
from .codecs.jpeg_tables import DEFAULT_LEVEL
from .codecs.keys import blade_state_request, derive_keys, encrypt_input, mouse_record
from .codecs.oldrle import OldRleDecoder, bgr233_to_rgb
from .codecs.tiled import TiledDecoder
from .errors import (
    KvmAuthError,
    KvmBladeDownError,
    KvmConnectionError,
    KvmDecodeError,
    KvmProtocolError,
    KvmSessionTakenError,
    KvmSlotEmptyError,
    KvmTimeoutError,
    KvmUnsupportedError,
    KvmValidationError,
)
from .params import KvmSessionParams

log = logging.getLogger(__name__)

Encoding = Literal["oldrle", "tiled"]
ENCODINGS = ("oldrle", "tiled")

# Client → server op codes (§2.5).
OP_KEY_PACK, OP_MOUSE_PACK, OP_CONNECT_BLADE, OP_INTERRUPT_BLADE = 3, 5, 6, 7
OP_RESEND, OP_HEARTBEAT, OP_REQ_PRESENT, OP_REQ_STATE = 8, 9, 11, 20
OP_MONITOR, OP_RATE, OP_REQ_STATE_TRANS = 23, 28, 33
# Server → client.
OP_PRESENT, OP_IMAGE, OP_KEY_STATE, OP_CONNECT_STATE, OP_BLADE_STATE, OP_NOT_PRI = 1, 2, 4, 8, 21, 81

#: CONNECT_STATE values: 0 accepted, 3 refused (stale/used credentials) per the sheet; 1 is this
#: implementation's reading of "blade held by another viewer" (not documented by the sources).
CONNECT_ACCEPTED, CONNECT_BUSY, CONNECT_REFUSED = 0, 1, 3

MAX_SLOT = 32


@dataclass
class KvmTiming:
    """Deadlines and pacing. Defaults follow vessel's live sequence and the vendor constants."""

    connect_timeout: float = 5.0
    reply_timeout: float = 10.0
    heartbeat_interval: float = 2.0
    smm_warmup_heartbeats: int = 3
    smm_warmup_interval: float = 0.5
    frame_rate: int = 35
    key_frame_request_after: float = 1.5
    key_frame_request_min_gap: float = 0.5


@dataclass(frozen=True)
class BladeState:
    slot: int
    flags: int
    ibmc_ip: str
    data_port: int
    secure_kvm: bool

    present = property(lambda self: bool(self.flags & 0x80))
    kvm_supported = property(lambda self: bool(self.flags & 0x20))
    down = property(lambda self: bool(self.flags & 0x08))
    bmc_resetting = property(lambda self: bool(self.flags & 0x04))
    tiled_supported = property(lambda self: bool(self.flags & 0x02))

    @classmethod
    def parse(cls, slot: int, p: bytes) -> BladeState:
        if len(p) < 2:
            raise KvmProtocolError(f"BLADE_STATE of {len(p)} bytes", target=f"blade {slot}",
                                   operation="kvm.blade_state")
        ip = ".".join(str(b) for b in p[3:7]) if len(p) >= 7 else ""
        port = int.from_bytes(p[7:9], "big") if len(p) >= 9 else 0
        return cls(slot, p[1], ip, port, bool(p[-1] & 0x02) if len(p) >= 10 else False)


@dataclass(frozen=True)
class Frame:
    """One decoded screen. ``rgb`` is ``height``×``width``×3 uint8 (a private copy)."""

    width: int
    height: int
    rgb: np.ndarray = field(repr=False)
    encoding: str
    slot: int = 0
    blade_down: bool = False


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str) -> None:
        self.reader, self.writer, self.name = reader, writer, name
        self.frames = ServerFrameReader()

    def send(self, frame: bytes) -> None:
        self.writer.write(frame)           # one write per frame (§2.1)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)


class KvmSession:
    """The KVM console of one blade."""

    def __init__(self, params: KvmSessionParams, slot: int, *, encoding: Encoding = "oldrle",
                 timing: KvmTiming | None = None, target: str | None = None) -> None:
        if not isinstance(slot, int) or not 1 <= slot <= MAX_SLOT:
            raise KvmValidationError(f"slot must be 1..{MAX_SLOT}, got {slot!r}", operation="kvm.slot")
        if encoding not in ENCODINGS:
            raise KvmValidationError(f"encoding must be one of {ENCODINGS}, got {encoding!r}",
                                     operation="kvm.encoding")
        self.params = params
        self.slot = slot
        self.encoding: Encoding = encoding
        self.timing = timing or KvmTiming()
        self.target = target or f"{params.host} blade {slot}"
        self.blade_state: BladeState | None = None
        self.key_state: int | None = None
        self._smm: _Conn | None = None
        self._blade: _Conn | None = None
        self._tasks: list[asyncio.Task] = []
        self._error: BaseException | None = None
        self._cond = asyncio.Condition()
        self._frames = 0
        self._screen: np.ndarray | None = None         # BGR233 (OldRLE) or RGB (tiled)
        self._last_fn: int | None = None
        self._last_resend = 0.0
        self._old = OldRleDecoder()
        self._tiled = TiledDecoder()
        self._level = DEFAULT_LEVEL
        self._closed = False

    # ------------------------------------------------------------------ helpers
    def _err(self, cls: type, msg: str, op: str, **kw) -> Exception:
        return cls(msg, target=self.target, operation=op, **kw)

    async def _connect(self, port: int, name: str) -> _Conn:
        op = f"kvm.connect.{name}"
        try:
            async with asyncio.timeout(self.timing.connect_timeout):
                r, w = await asyncio.open_connection(self.params.host, port)
        except TimeoutError:
            raise self._err(KvmTimeoutError, f"TCP connect to port {port} timed out", op) from None
        except OSError as exc:
            raise self._err(KvmConnectionError, f"TCP connect to port {port} failed ({exc.strerror or exc})", op) from None
        return _Conn(r, w, name)

    async def _read_until(self, conn: _Conn, want: int, op: str) -> bytes:
        """Read server frames on ``conn`` until op ``want`` arrives; return its payload."""
        try:
            async with asyncio.timeout(self.timing.reply_timeout):
                while True:
                    data = await conn.reader.read(65536)
                    if not data:
                        raise self._err(KvmConnectionError, f"{conn.name} channel closed by the peer", op)
                    for rop, p in conn.frames.feed(data):
                        self._check_refusal(rop, p, op)
                        if rop == want:
                            return p
        except TimeoutError:
            raise self._err(KvmTimeoutError, f"no answer (op {want}) on the {conn.name} channel "
                            f"within {self.timing.reply_timeout:g} s", op) from None

    def _check_refusal(self, op: int, p: bytes, where: str) -> None:
        if op == OP_CONNECT_STATE and len(p) >= 2 and p[1] != CONNECT_ACCEPTED:
            raise self._connect_state_error(p[1], where)
        if op == OP_NOT_PRI:
            raise self._err(KvmAuthError, "the KVM peer refused: no privilege", where)

    def _connect_state_error(self, state: int, op: str) -> Exception:
        if state == CONNECT_BUSY:
            return self._err(KvmSessionTakenError, "the blade's KVM session is held by another viewer", op)
        if state == CONNECT_REFUSED:
            return self._err(KvmAuthError, "KVM credentials refused (stale or already used)", op)
        return self._err(KvmProtocolError, f"connection refused with CONNECT_STATE {state}", op)

    # ------------------------------------------------------------------ open
    async def open(self) -> KvmSession:
        try:
            await self._open()
        except BaseException:
            await self.close(interrupt=False)
            raise
        return self

    async def _open(self) -> None:
        p, t, slot = self.params, self.timing, self.slot
        keys = await asyncio.to_thread(derive_keys, p.verifyvalue, p.secretiv)
        smm_sid = keys.session_id if p.secure else keys.session_id[:4]
        self._smm = smm = await self._connect(p.smm_port, "SMM")
        smm.send(client_frame(smm_sid, OP_REQ_PRESENT))
        await self._read_until(smm, OP_PRESENT, "kvm.blade_present")
        if p.secure:
            blob = blade_state_request(keys, slot, 0, os.urandom(14))
            smm.send(client_frame(smm_sid, OP_REQ_STATE_TRANS, blob))
        else:
            smm.send(client_frame(smm_sid, OP_REQ_STATE, bytes([slot, 0])))
        bs = BladeState.parse(slot, await self._read_until(smm, OP_BLADE_STATE, "kvm.blade_state"))
        self.blade_state = bs
        if not bs.present:
            raise self._err(KvmSlotEmptyError, f"no blade in slot {slot}", "kvm.blade_state")
        if not bs.kvm_supported:
            raise self._err(KvmUnsupportedError, f"blade {slot} reports no KVM support", "kvm.blade_state")
        for i in range(t.smm_warmup_heartbeats):
            if i:
                await asyncio.sleep(t.smm_warmup_interval)
            smm.send(client_frame(smm_sid, OP_HEARTBEAT, b"\x00"))
        self._smm_sid = smm_sid
        self._sid = (p.verifyvalue & 0xFFFFFFFF).to_bytes(4, "big")
        self._blade = blade = await self._connect(bs.data_port or p.data_port_fallback, "blade")
        connect = bytes([slot, 0, 0]) if self.encoding == "oldrle" else bytes([slot, 0, 1, 1])
        for op, payload in ((OP_HEARTBEAT, bytes([slot])), (OP_CONNECT_BLADE, connect),
                            (OP_RATE, bytes([t.frame_rate])), (OP_CONNECT_BLADE, connect),
                            (OP_MONITOR, bytes([slot, 1]))):
            blade.send(client_frame(self._sid, op, payload))
        self._opened_at = time.monotonic()
        self._tasks = [asyncio.create_task(self._blade_reader(), name=f"kvm-video-{slot}"),
                       asyncio.create_task(self._smm_reader(), name=f"kvm-smm-{slot}"),
                       asyncio.create_task(self._heartbeats(), name=f"kvm-heartbeat-{slot}")]

    # ------------------------------------------------------------------ background tasks
    async def _fail(self, exc: BaseException) -> None:
        if self._error is None and not self._closed:
            self._error = exc
        async with self._cond:
            self._cond.notify_all()

    async def _smm_reader(self) -> None:
        conn = self._smm
        assert conn is not None
        try:
            while True:
                data = await conn.reader.read(65536)
                if not data:
                    raise self._err(KvmConnectionError, "SMM channel closed by the peer", "kvm.smm")
                for op, p in conn.frames.feed(data):
                    self._check_refusal(op, p, "kvm.smm")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - handed to the waiter as the session's error
            await self._fail(exc)

    async def _blade_reader(self) -> None:
        conn = self._blade
        assert conn is not None
        reasm = Reassembler(leading_diff=self.encoding == "tiled")
        try:
            while True:
                data = await conn.reader.read(65536)
                if not data:
                    raise self._err(KvmConnectionError, "blade channel closed by the peer", "kvm.video")
                for op, p in conn.frames.feed(data):
                    if op == OP_IMAGE:
                        done = reasm.feed(p)
                        if done is not None:
                            await self._on_frame(*done)
                    elif op == OP_KEY_STATE and len(p) >= 2:
                        self.key_state = p[1]
                    else:
                        self._check_refusal(op, p, "kvm.video")
        except asyncio.CancelledError:
            raise
        except KvmDecodeError as exc:
            exc.target = exc.target or self.target
            await self._fail(exc)
        except Exception as exc:  # noqa: BLE001
            await self._fail(exc)

    async def _on_frame(self, hdr: FrameHeader, buf: bytes) -> None:
        fn_ok = self._last_fn is not None and hdr.frame_no == (self._last_fn + 1) & 0xFF
        if self.encoding == "oldrle":
            if hdr.diff and not fn_ok:
                self._old.reset()        # out of sequence: discard, ask for a key frame
                screen = None
            else:
                screen = self._old.decode(buf, hdr.width, hdr.height, hdr.diff)
        else:
            if hdr.diff:                 # "same frame": nothing to draw (§3.3.7)
                self._last_fn = hdr.frame_no
                return
            if not 1 <= hdr.level <= 10:
                raise KvmDecodeError(f"frame header level {hdr.level} outside 1..10")
            self._level = hdr.level
            screen = self._tiled.decode(buf, hdr.width, hdr.height, hdr.level)
        self._last_fn = hdr.frame_no
        if screen is None:
            self._maybe_request_key_frame()
            return
        self._screen = screen
        async with self._cond:
            self._frames += 1
            self._cond.notify_all()

    def _maybe_request_key_frame(self) -> None:
        now = time.monotonic()
        if self._blade is not None and now - self._last_resend >= self.timing.key_frame_request_min_gap:
            self._last_resend = now
            self._blade.send(client_frame(self._sid, OP_RESEND, bytes([self.slot])))

    async def _heartbeats(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.timing.heartbeat_interval)
                if self._smm is not None:
                    self._smm.send(client_frame(self._smm_sid, OP_HEARTBEAT, b"\x00"))
                if self._blade is not None:
                    self._blade.send(client_frame(self._sid, OP_HEARTBEAT, bytes([self.slot])))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            await self._fail(self._err(KvmConnectionError, f"heartbeat failed ({exc})", "kvm.heartbeat"))

    # ------------------------------------------------------------------ public API
    def _require_open(self, op: str) -> _Conn:
        if self._error is not None:
            raise self._error
        if self._blade is None or self._closed:
            raise self._err(KvmConnectionError, "KVM session is not open", op)
        return self._blade

    def _frame(self) -> Frame:
        s = self._screen
        assert s is not None
        rgb = bgr233_to_rgb(s) if self.encoding == "oldrle" else s.copy()
        bs = self.blade_state
        return Frame(rgb.shape[1], rgb.shape[0], rgb, self.encoding, self.slot,
                     bool(bs and bs.down))

    async def next_frame(self, timeout: float = 10.0, *, after: int | None = None) -> Frame:
        """Wait for a decoded screen newer than frame count ``after`` (default: the current one).

        The first call after ``open()`` returns as soon as the first complete screen exists.
        """
        op = "kvm.frame"
        self._require_open(op)
        seen = self._frames if after is None else after
        if self._frames == 0:
            seen = 0
        deadline = time.monotonic() + timeout
        async with self._cond:
            while self._frames <= seen and self._error is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(remaining, self.timing.key_frame_request_after)
                try:
                    await asyncio.wait_for(self._cond.wait(), wait)
                except TimeoutError:
                    if self._frames == 0:
                        self._maybe_request_key_frame()
        if self._error is not None:
            raise self._error
        if self._frames <= seen:
            bs = self.blade_state
            if bs is not None and bs.down and self._frames == 0:
                raise self._err(KvmBladeDownError, f"blade {self.slot} reports down (powered off?) "
                                f"and sent no video within {timeout:g} s", op)
            raise self._err(KvmTimeoutError, f"no complete screen within {timeout:g} s", op)
        return self._frame()

    @property
    def frames_decoded(self) -> int:
        return self._frames

    async def request_key_frame(self) -> None:
        """RESEND_DATA (op 8): ask for a key frame. Rate-limited to one per 500 ms."""
        self._require_open("kvm.resend")
        self._maybe_request_key_frame()

    async def send_keyboard(self, report: bytes) -> None:
        """One USB boot-keyboard report (8 bytes); send ``bytes(8)`` to release all keys."""
        conn = self._require_open("kvm.keyboard")
        if len(report) != 8:
            raise KvmValidationError("keyboard report must be 8 bytes", target=self.target,
                                     operation="kvm.keyboard")
        blob = encrypt_input(self.params.verifyvalue, bytes(report))
        conn.send(client_frame(self._sid, OP_KEY_PACK, bytes([self.slot]) + blob, zero_crc=True))
        await conn.writer.drain()

    async def send_mouse(self, x: int, y: int, buttons: int = 0, wheel: int = 0) -> None:
        """Absolute mouse event at pixel (x, y) of the current screen (scaled to 0..3000)."""
        conn = self._require_open("kvm.mouse")
        s = self._screen
        w, h = (s.shape[1], s.shape[0]) if s is not None else (3000, 3000)
        if not (0 <= x < max(w, 1) and 0 <= y < max(h, 1)) or not 0 <= buttons <= 7 or not -128 <= wheel <= 127:
            raise KvmValidationError(f"mouse event ({x}, {y}, buttons={buttons}, wheel={wheel}) out of range",
                                     target=self.target, operation="kvm.mouse")
        rec = mouse_record(buttons, min(3000, round(x * 3000 / w)), min(3000, round(y * 3000 / h)), wheel)
        blob = encrypt_input(self.params.verifyvalue, rec)
        conn.send(client_frame(self._sid, OP_MOUSE_PACK, bytes([self.slot]) + blob, zero_crc=True))
        await conn.writer.drain()

    async def close(self, *, interrupt: bool = True) -> None:
        """Send INTERRUPT_BLADE (op 7), stop the tasks and close both sockets."""
        if self._closed:
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        if self._blade is not None:
            if interrupt:
                with contextlib.suppress(Exception):
                    self._blade.send(client_frame(self._sid, OP_INTERRUPT_BLADE, bytes([self.slot])))
                    await asyncio.wait_for(self._blade.writer.drain(), 1.0)
            await self._blade.close()
        if self._smm is not None:
            await self._smm.close()

    async def __aenter__(self) -> KvmSession:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
