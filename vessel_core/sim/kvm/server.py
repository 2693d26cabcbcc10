"""The emulated chassis KVM: SMM control listener and blade data listener on loopback.

Follows the fact sheet's live sequence (kvm-protocol.md §2.6) from the device side: credentials
are issued by ``GET /kvm.html`` (one set per page load, valid for ``credential_lifetime``),
the SMM channel answers presence and (encrypted) blade-state requests, the data channel accepts
CONNECT_BLADE (OldRLE ``[slot, colorBit, 0]`` or tiled ``[slot, colorBit, 1, 1]``) and, after
MONITOR_BLADE, streams the blade's console: a key frame, then delta / "no change" frames, a key
frame every ``key_frame_interval`` and on RESEND_DATA. One viewer per blade: a second
CONNECT_BLADE for a held blade is answered CONNECT_STATE 1 and the connection closed; unknown
or expired credentials get CONNECT_STATE 3. Idle connections (no frame for ``idle_timeout``)
are closed.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vessel_core.drivers.kvm.codecs.framing import FrameHeader, image_frames, parse_client_frame, server_frame
from vessel_core.drivers.kvm.codecs.jpeg_tables import DEFAULT_LEVEL
from vessel_core.drivers.kvm.codecs.keys import SessionKeys, aes_cbc_decrypt, derive_keys, input_key
from vessel_core.drivers.kvm.codecs.oldrle import bgr233_to_rgb, encode_oldrle
from vessel_core.drivers.kvm.codecs.tiled import TiledEncoder
from vessel_core.errors import VesselError

from . import screens

log = logging.getLogger("vessel.sim.kvm")

CONNECT_ACCEPTED, CONNECT_BUSY, CONNECT_NO_BLADE, CONNECT_REFUSED = 0, 1, 2, 3
_MAX_CLIENT_BUFFER = 1 << 16


@dataclass(repr=False)
class Credential:
    user: str
    verifyvalue: int
    secretiv: bytes
    keys: SessionKeys
    expires: float

    def __repr__(self) -> str:          # live credentials: never print them
        return f"Credential(user={self.user!r}, expires={self.expires:.0f})"


@dataclass
class BladeSession:
    slot: int
    cred: Credential
    encoding: str
    writer: asyncio.StreamWriter
    frame_no: int = 0
    want_key: bool = True
    last_key: float = 0.0
    streaming: bool = False
    prev_bgr: np.ndarray | None = None
    tiled: TiledEncoder = field(default_factory=TiledEncoder)
    last_sent: Any = None


class KvmServer:
    def __init__(self, emulator: Any, host: str = "127.0.0.1") -> None:
        self.emulator = emulator
        self.host = host
        self.ports: dict[str, int] = {}
        self.credentials: dict[int, Credential] = {}
        self._by_sid: dict[bytes, Credential] = {}
        self.sessions: dict[int, BladeSession] = {}
        self.input_log: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
        self.credential_lifetime = 600.0
        self.idle_timeout = 20.0
        self.frame_interval = 0.25
        self.key_frame_interval = 3.0
        self.level = DEFAULT_LEVEL
        self.force_encoding: str | None = None      # "oldrle" models a chassis ignoring the hint
        self.shuffle_chunks = True                  # the E9000 delivers chunks out of order
        self.check_bytes = "crc"
        self._rng = random.Random(getattr(getattr(emulator, "options", None), "seed", 0))
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: set[asyncio.Task] = set()
        self._render_cache: dict[int, tuple[screens.Screen, np.ndarray]] = {}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> KvmServer:
        for name, handler in (("kvm", self._smm_conn), ("video", self._video_conn)):
            srv = await asyncio.start_server(self._tracked(handler), self.host, 0)
            self._servers.append(srv)
            self.ports[name] = srv.sockets[0].getsockname()[1]
        return self

    def _tracked(self, handler: Any) -> Any:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - one bad connection must not stop the listener
                log.exception("KVM connection handler failed")
            finally:
                self._tasks.discard(task)
                with contextlib.suppress(Exception):
                    writer.close()
        return run

    async def close(self) -> None:
        for srv in self._servers:
            srv.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        for srv in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(srv.wait_closed(), 2.0)
        self._servers.clear()
        self.sessions.clear()

    # ------------------------------------------------------------------ credentials
    def issue(self, user: str) -> dict[str, str]:
        """A fresh credential set; returns the embed attributes of ``/kvm.html``."""
        now = time.time()
        for vv in [v for v, c in self.credentials.items() if c.expires < now]:
            self._by_sid.pop(self.credentials.pop(vv).keys.session_id, None)
        vv = secrets.randbits(32) or 1
        while vv in self.credentials:
            vv = secrets.randbits(32) or 1
        iv = os.urandom(16)
        cred = Credential(user, vv, iv, derive_keys(vv, iv), now + self.credential_lifetime)
        self.credentials[vv] = cred
        self._by_sid[cred.keys.session_id] = cred
        ext = os.urandom(16).hex()
        return {
            "type": "application/x-java-applet", "code": "com.kvm.KVMApplet.class",
            "codebase": "jar", "archive": "vconsole.jar", "ipa": self.host, "ipb": self.host,
            "port": str(self.ports.get("kvm", 2198)), "vmmserverport": "8500", "shelftype": "E9000",
            "local": "en", "securekvm": "1", "verifyvalue": str(vv), "mmverifyvalue": str(vv),
            "secretkey": vv.to_bytes(4, "big").hex() + os.urandom(16).hex(), "secretiv": iv.hex(),
            "codekey_ext": ext, "verifyvalueext": ext, "typedata": str(int(now)),
        }

    def _cred_for(self, sid: bytes) -> Credential | None:
        now = time.time()
        if len(sid) == 24:
            cred = self._by_sid.get(sid)
        else:
            cred = self.credentials.get(int.from_bytes(sid, "big"))
            if cred is None:    # non-secure SMM: first 4 bytes of the session id
                cred = next((c for c in self._by_sid.values() if c.keys.session_id[:4] == sid), None)
        return cred if cred is not None and cred.expires >= now else None

    # ------------------------------------------------------------------ chassis state
    def _state(self) -> Any:
        st = self.emulator.state
        settle = getattr(st, "settle", None)
        if settle is not None and settle():
            changed = getattr(self.emulator, "changed", None)
            if changed is not None:
                changed()
        return st

    def _blade(self, slot: int) -> Any:
        st = self._state()
        b = st.blades.get(slot) if hasattr(st, "blades") else None
        return b if b is not None and getattr(b, "present", False) else None

    def blade_flags(self, slot: int) -> int:
        b = self._blade(slot)
        if b is None:
            return 0
        if getattr(b, "bricked", False):
            return 0x80 | 0x04               # present, BMC resetting, no KVM
        flags = 0x80 | 0x20 | 0x01 | 0x02
        if b.power_state != "On":
            flags |= 0x08
        return flags

    def framebuffer(self, slot: int) -> np.ndarray:
        """The blade's current console as BGR233 (height × width)."""
        b = self._blade(slot)
        if b is None:
            raise KeyError(slot)
        scr = screens.describe(b, slot)
        cached = self._render_cache.get(slot)
        if cached is None or cached[0] != scr:
            cached = (scr, screens.render(scr))
            self._render_cache[slot] = cached
        return cached[1]

    def framebuffer_rgb(self, slot: int) -> np.ndarray:
        return bgr233_to_rgb(self.framebuffer(slot))

    # ------------------------------------------------------------------ I/O helpers
    async def _frames(self, reader: asyncio.StreamReader, buf: bytearray) -> Any:
        """Yield client frames; ends on EOF or idle timeout."""
        while True:
            while True:
                frame, used = parse_client_frame(buf)
                if frame is None:
                    break
                del buf[:used]
                yield frame
            if len(buf) > _MAX_CLIENT_BUFFER:
                return
            try:
                data = await asyncio.wait_for(reader.read(65536), self.idle_timeout)
            except TimeoutError:
                return
            if not data:
                return
            buf += data

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slot: int,
                      state: int) -> None:
        """Send CONNECT_STATE ``state`` and close gracefully: FIN first, then drain what the
        client already sent. Closing with unread input makes the kernel answer RST, and a
        client that is still writing would see "connection reset" instead of the refusal."""
        await self._send(writer, server_frame(8, bytes([slot, state]), check=self.check_bytes))
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
            async with asyncio.timeout(2.0):
                while await reader.read(65536):
                    pass

    # ------------------------------------------------------------------ SMM channel
    async def _smm_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async for f in self._frames(reader, bytearray()):
                cred = self._cred_for(f.session_id)
                if cred is None:
                    await self._send(writer, server_frame(8, bytes([0, CONNECT_REFUSED]), check=self.check_bytes))
                    return
                if not (f.crc_ok or f.crc_zero):
                    continue
                if f.op == 11:
                    bitmap = 0
                    for slot in range(1, 33):
                        if self._blade(slot) is not None:
                            bitmap |= 1 << (slot - 1)
                    await self._send(writer, server_frame(1, bitmap.to_bytes(8, "little"), check=self.check_bytes))
                elif f.op in (33, 20):
                    if f.op == 33:
                        if len(f.payload) != 16:
                            continue
                        plain = aes_cbc_decrypt(cred.keys.kvm_key, cred.keys.vmm_key, f.payload)
                    else:
                        plain = f.payload
                    if not plain:
                        continue
                    await self._send(writer, server_frame(21, self._blade_state(plain[0]), check=self.check_bytes))
        except (ConnectionError, VesselError):
            return

    def _blade_state(self, slot: int) -> bytes:
        flags = self.blade_flags(slot) if 1 <= slot <= 32 else 0
        ip = bytes(int(x) for x in f"172.31.1.{128 + slot if slot <= 127 else 0}".split("."))
        return bytes([slot, flags, 0]) + ip + self.ports.get("video", 2200).to_bytes(2, "big") + bytes([0x02])

    # ------------------------------------------------------------------ blade channel
    async def _video_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sess: BladeSession | None = None
        streamer: asyncio.Task | None = None
        wake = asyncio.Event()
        try:
            async for f in self._frames(reader, bytearray()):
                cred = self._cred_for(f.session_id)
                if cred is None:
                    slot = f.payload[0] if f.payload else 0
                    await self._refuse(reader, writer, slot, CONNECT_REFUSED)
                    return
                if f.op in (3, 5):
                    if sess is not None and len(f.payload) == 17:
                        plain = aes_cbc_decrypt(input_key(cred.verifyvalue), b"\x00" * 16, f.payload[1:])
                        self.input_log[sess.slot].append(("key" if f.op == 3 else "mouse",
                                                          plain[:8] if f.op == 3 else plain[:6]))
                    continue
                if not f.crc_ok:
                    continue
                if f.op == 6 and f.payload:
                    slot = f.payload[0]
                    if sess is not None:
                        continue                      # the repeated CONNECT_BLADE
                    if self._blade(slot) is None:
                        await self._refuse(reader, writer, slot, CONNECT_NO_BLADE)
                        return
                    held = self.sessions.get(slot)
                    if held is not None:
                        await self._refuse(reader, writer, slot, CONNECT_BUSY)
                        return
                    tiled = len(f.payload) >= 4 and f.payload[2] == 1 and f.payload[3] == 1
                    enc = self.force_encoding or ("tiled" if tiled else "oldrle")
                    sess = BladeSession(slot, cred, enc, writer, tiled=TiledEncoder(self.level))
                    self.sessions[slot] = sess
                    await self._send(writer, server_frame(8, bytes([slot, CONNECT_ACCEPTED]), check=self.check_bytes))
                elif sess is None:
                    continue
                elif f.op == 23 and streamer is None:
                    streamer = asyncio.create_task(self._stream(sess, wake))
                elif f.op == 8:
                    sess.want_key = True
                    wake.set()
                elif f.op == 7:
                    return
        finally:
            if streamer is not None:
                streamer.cancel()
                with contextlib.suppress(BaseException):
                    await streamer
            if sess is not None and self.sessions.get(sess.slot) is sess:
                del self.sessions[sess.slot]

    async def _stream(self, sess: BladeSession, wake: asyncio.Event) -> None:
        while True:
            try:
                fb = self.framebuffer(sess.slot)
            except KeyError:
                return                                # blade removed: stop the video
            now = time.monotonic()
            key = sess.want_key or now - sess.last_key >= self.key_frame_interval
            await self._send_frame(sess, fb, key)
            if key:
                sess.want_key = False
                sess.last_key = now
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.frame_interval)

    async def _send_frame(self, sess: BladeSession, fb: np.ndarray, key: bool) -> None:
        h, w = fb.shape
        if sess.prev_bgr is not None and sess.prev_bgr.shape != fb.shape:
            key = True
        if sess.encoding == "oldrle":
            if key or sess.prev_bgr is None:
                data, diff = encode_oldrle(fb), False
            else:
                data, diff = encode_oldrle(np.bitwise_xor(fb, sess.prev_bgr)), True
            color_byte = 0
        else:
            if not key and sess.prev_bgr is not None and np.array_equal(fb, sess.prev_bgr):
                data, diff = b"", True                # header-only "same frame"
            else:
                data, diff = sess.tiled.encode(bgr233_to_rgb(fb), key_frame=key), False
            color_byte = sess.tiled.level
        sess.prev_bgr = fb.copy() if sess.prev_bgr is None or not np.array_equal(fb, sess.prev_bgr) else sess.prev_bgr
        hdr = FrameHeader(sess.slot, sess.frame_no, len(data), diff, w, h, color_byte=color_byte)
        sess.frame_no = (sess.frame_no + 1) & 0xFF
        frames = image_frames(hdr, data, check=self.check_bytes)
        if self.shuffle_chunks and len(frames) > 2:
            body = frames[1:]
            self._rng.shuffle(body)
            frames = [frames[0], *body]
        await self._send(sess.writer, b"".join(frames))
