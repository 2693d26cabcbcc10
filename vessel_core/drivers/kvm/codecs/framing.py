"""FE F6 framing, CRC-16, IMAGE_DATA header/chunks and reassembly (fact sheet §2.1, §2.2, §2.11).

Pure byte-level functions shared by the client and the emulator; checked against the sheet's
worked frames.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import KvmDecodeError, KvmProtocolError
from .limits import MAX_PIXELS

MAGIC = b"\xfe\xf6"
CHUNK = 220
#: Upper bound for one frame's compressed size (far above any valid frame at the pixel cap).
MAX_PACK_LENGTH = 5 * MAX_PIXELS + 64
MAX_FRAMES_IN_FLIGHT = 4


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
        table.append(c & 0xFFFF)
    return table


_CRC_TABLE = _crc_table()


def crc16(data: bytes | bytearray) -> int:
    """CRC-16/XMODEM: poly 0x1021, init 0, no reflection, no final XOR."""
    c = 0
    for b in data:
        c = ((c << 8) & 0xFFFF) ^ _CRC_TABLE[((c >> 8) ^ b) & 0xFF]
    return c


# ----------------------------------------------------------------------------- client → server

def client_frame(session_id: bytes, op: int, payload: bytes = b"", *, zero_crc: bool = False) -> bytes:
    """One client frame. A 24-byte session id sets the S flag; 4 bytes leaves it clear."""
    if len(session_id) == 24:
        s_flag = 0x80
    elif len(session_id) == 4:
        s_flag = 0
    else:
        raise ValueError("session id must be 4 or 24 bytes")
    length = 3 + len(payload)
    if length > 0x7FFF:
        raise ValueError("payload too long")
    body = bytes([op]) + payload
    crc = b"\x00\x00" if zero_crc else crc16(body).to_bytes(2, "big")
    return MAGIC + bytes([s_flag | (length >> 8), length & 0xFF]) + session_id + crc + body


@dataclass(frozen=True)
class ClientFrame:
    session_id: bytes
    op: int
    payload: bytes
    crc_ok: bool
    crc_zero: bool


def parse_client_frame(buf: bytes | bytearray) -> tuple[ClientFrame | None, int]:
    """Parse one client frame from the start of ``buf`` (emulator side).

    Returns ``(frame, consumed)``; ``(None, 0)`` if more bytes are needed. Raises
    :class:`KvmProtocolError` on a bad magic or length.
    """
    if len(buf) < 4:
        return None, 0
    if buf[0:2] != MAGIC:
        raise KvmProtocolError("client frame does not start with FE F6")
    sid_len = 24 if buf[2] & 0x80 else 4
    length = ((buf[2] & 0x7F) << 8) | buf[3]
    if length < 3:
        raise KvmProtocolError(f"client frame length {length} < 3")
    total = 4 + sid_len + length
    if len(buf) < total:
        return None, 0
    sid = bytes(buf[4:4 + sid_len])
    crc = int.from_bytes(buf[4 + sid_len:6 + sid_len], "big")
    body = bytes(buf[6 + sid_len:total])
    return ClientFrame(sid, body[0], body[1:], crc == crc16(body), crc == 0), total


# ----------------------------------------------------------------------------- server → client

def server_frame(op: int, payload: bytes = b"", *, check: str = "crc") -> bytes:
    """One server frame; check bytes = CRC-16 low byte first (``check="crc"``) or zeros."""
    length = 3 + len(payload)
    if length > 0xFFFF:
        raise ValueError("payload too long")
    body = bytes([op]) + payload
    chk = crc16(body).to_bytes(2, "little") if check == "crc" else b"\x00\x00"
    return MAGIC + length.to_bytes(2, "big") + chk + body


class ServerFrameReader:
    """Incremental parser of server frames: feed bytes, get ``(op, payload)`` pairs.

    Resynchronises on garbage by scanning for the next ``FE F6``; never buffers more than one
    maximum-size frame plus the bytes just fed.
    """

    MAX_LENGTH = 0x7FFF

    def __init__(self) -> None:
        self._buf = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self._buf += data
        out: list[tuple[int, bytes]] = []
        buf = self._buf
        i = 0
        while True:
            j = buf.find(MAGIC, i)
            if j < 0:
                keep = 1 if buf.endswith(b"\xfe") else 0
                self.skipped += len(buf) - i - keep
                i = len(buf) - keep
                break
            self.skipped += j - i
            i = j
            if len(buf) - i < 4:
                break
            length = int.from_bytes(buf[i + 2:i + 4], "big")
            if not 3 <= length <= self.MAX_LENGTH:
                i += 2
                self.skipped += 2
                continue
            if len(buf) - i < 4 + length:
                break
            out.append((buf[i + 6], bytes(buf[i + 7:i + 4 + length])))
            i += 4 + length
        del buf[:i]
        return out


# ----------------------------------------------------------------------------- IMAGE_DATA

@dataclass(frozen=True)
class FrameHeader:
    blade: int
    frame_no: int
    pack_length: int
    diff: bool
    width: int
    height: int
    cursor_x: int = 0xFFFF
    cursor_y: int = 0xFFFF
    color_byte: int = 0

    @property
    def level(self) -> int:
        """Tiled codec: JPEG quality level L (low nibble of the colour byte)."""
        return self.color_byte & 0x0F

    def payload(self) -> bytes:
        return (bytes([self.blade]) + b"\x00\x00" + bytes([self.frame_no & 0xFF])
                + self.pack_length.to_bytes(4, "big")
                + bytes([(0x80 if self.diff else 0) | ((self.width >> 8) & 0x7F), self.width & 0xFF])
                + self.height.to_bytes(2, "big") + bytes([CHUNK])
                + self.cursor_x.to_bytes(2, "big") + self.cursor_y.to_bytes(2, "big")
                + bytes([self.color_byte]))

    @classmethod
    def parse(cls, p: bytes) -> FrameHeader:
        if len(p) < 18:
            raise KvmDecodeError(f"IMAGE_DATA header chunk of {len(p)} bytes (need 18)")
        return cls(blade=p[0], frame_no=p[3], pack_length=int.from_bytes(p[4:8], "big"),
                   diff=bool(p[8] & 0x80), width=((p[8] & 0x7F) << 8) | p[9],
                   height=int.from_bytes(p[10:12], "big"),
                   cursor_x=int.from_bytes(p[13:15], "big"), cursor_y=int.from_bytes(p[15:17], "big"),
                   color_byte=p[17])


def image_frames(header: FrameHeader, data: bytes, *, check: str = "crc") -> list[bytes]:
    """The op-2 server frames (header chunk, then 220-byte data chunks) for one video frame."""
    if header.pack_length != len(data):
        raise ValueError("pack_length must equal len(data)")
    out = [server_frame(2, header.payload(), check=check)]
    prefix_blade, fn = bytes([header.blade]), bytes([header.frame_no & 0xFF])
    for k, off in enumerate(range(0, len(data), CHUNK), start=1):
        out.append(server_frame(2, prefix_blade + k.to_bytes(2, "big") + fn + data[off:off + CHUNK], check=check))
    return out


class _Pending:
    __slots__ = ("header", "chunks", "size")

    def __init__(self) -> None:
        self.header: FrameHeader | None = None
        self.chunks: dict[int, bytes] = {}
        self.size = 0


class Reassembler:
    """Collects op-2 chunks by frame number and sequence number (arrival order is irrelevant).

    :meth:`feed` returns ``(header, buffer)`` when a frame completes; ``buffer`` is the
    reassembled buffer with its leading byte (0 for OldRLE, the diff flag for the tiled codec).
    """

    def __init__(self, *, leading_diff: bool = False) -> None:
        self._frames: dict[int, _Pending] = {}
        self._order: list[int] = []
        self.leading_diff = leading_diff
        self.dropped = 0

    def _slot(self, fn: int) -> _Pending:
        pend = self._frames.get(fn)
        if pend is None:
            pend = self._frames[fn] = _Pending()
            self._order.append(fn)
            while len(self._order) > MAX_FRAMES_IN_FLIGHT:
                old = self._order.pop(0)
                self._frames.pop(old, None)
                self.dropped += 1
        return pend

    def feed(self, p: bytes) -> tuple[FrameHeader, bytes] | None:
        if len(p) < 4:
            raise KvmDecodeError(f"IMAGE_DATA chunk of {len(p)} bytes")
        seq, fn = int.from_bytes(p[1:3], "big"), p[3]
        if seq == 0:
            hdr = FrameHeader.parse(p)
            if hdr.pack_length > MAX_PACK_LENGTH:
                raise KvmDecodeError(f"IMAGE_DATA packLength {hdr.pack_length} exceeds {MAX_PACK_LENGTH}")
            pend = self._slot(fn)
            if pend.header is not None:          # a new frame reusing the number: start over
                pend.chunks.clear()
                pend.size = 0
            pend.header = hdr
        else:
            data = p[4:]
            if len(data) > CHUNK:
                raise KvmDecodeError(f"IMAGE_DATA chunk {seq} carries {len(data)} > {CHUNK} bytes")
            pend = self._slot(fn)
            old = pend.chunks.get(seq)
            if old is not None and old != data:
                pend.chunks.clear()
                pend.size = 0
            elif old is None:
                if len(pend.chunks) >= MAX_PACK_LENGTH // CHUNK + 1:
                    raise KvmDecodeError("too many chunks for one frame")
                pend.chunks[seq] = data
                pend.size += len(data)
        header = pend.header
        if header is None or pend.size < header.pack_length:
            return None
        hdr = header
        if pend.size > hdr.pack_length:
            self._drop(fn)
            raise KvmDecodeError(f"frame {fn}: chunks carry {pend.size} bytes, header says {hdr.pack_length}")
        nchunks = -(-hdr.pack_length // CHUNK)
        if sorted(pend.chunks) != list(range(1, nchunks + 1)):
            self._drop(fn)
            raise KvmDecodeError(f"frame {fn}: chunk sequence numbers do not cover 1..{nchunks}")
        lead = bytes([0x80 if (self.leading_diff and hdr.diff) else 0])
        buf = lead + b"".join(pend.chunks[k] for k in range(1, nchunks + 1))
        self._drop(fn)
        return hdr, buf

    def _drop(self, fn: int) -> None:
        self._frames.pop(fn, None)
        if fn in self._order:
            self._order.remove(fn)
