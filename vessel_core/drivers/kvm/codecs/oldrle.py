"""OldRLE: whole-frame BGR233 pixels, nibble-packed run lengths, XOR deltas (fact sheet §3.2).

Buffers handed to the decoder are *reassembled* buffers: one leading byte (ignored) followed by
the chunk data; the encoder returns the chunk data only (the receiver adds the leading byte).

Decoding is vectorised: token boundaries of the variable-length nibble code are found by walking
all fixed-size blocks of the nibble stream in parallel from each block's start, then stitching the
blocks together (a chain started at the wrong offset re-joins the true chain within a few
tokens); everything after that is array arithmetic.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from ..errors import KvmDecodeError
from .limits import check_dimensions

MAX_RUN = (1 << 22) - 1          # longest run one token can carry (class 3)
_BLOCK = 384                     # nibbles per speculative block
_EXT_LEN = np.array([5, 6, 8, 9], dtype=np.int64)   # token length (nibbles) per extended class
_EXT_BITS = np.array([1, 2, 4, 5], dtype=np.int64)  # extra nibbles per extended class


def _bgr233_lut() -> np.ndarray:
    v = np.arange(256)
    r3, g3, b2 = v & 7, (v >> 3) & 7, v >> 6
    r = (r3 << 5) | (r3 << 2) | (r3 >> 1)
    g = (g3 << 5) | (g3 << 2) | (g3 >> 1)
    b = b2 * 85
    return np.stack([r, g, b], axis=1).astype(np.uint8)


BGR233_TO_RGB = _bgr233_lut()
_LUT32 = (BGR233_TO_RGB[:, 0].astype(np.uint32) | (BGR233_TO_RGB[:, 1].astype(np.uint32) << 8)
          | (BGR233_TO_RGB[:, 2].astype(np.uint32) << 16))


_PALETTE = BGR233_TO_RGB.tobytes()      # the LUT as a 256-entry PIL palette


def bgr233_to_rgb(pixels: np.ndarray) -> np.ndarray:
    """Expand BGR233 bytes (any shape) to RGB (shape + (3,)), replicating the top bits.

    The result is a new, writable array. uint8 input goes through Pillow's palette expansion
    (one C pass, about 5x faster than a NumPy gather of 3- or 4-byte entries); other integer
    dtypes use the NumPy lookup."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.size == 0:
        packed = np.take(_LUT32, pixels)
        return packed.view(np.uint8).reshape(pixels.shape + (4,))[..., :3].copy()
    flat = np.ascontiguousarray(pixels)
    h, w = flat.shape if flat.ndim == 2 else (1, flat.size)
    img = Image.frombuffer("P", (w, h), flat, "raw", "P", 0, 1)
    img.putpalette(_PALETTE)
    return np.array(img.convert("RGB")).reshape(pixels.shape + (3,))


def rgb_to_bgr233(rgb: np.ndarray) -> np.ndarray:
    """Quantise RGB to BGR233 by truncation (the vendor's ``(B&0xC0)|((G&0xE0)>>2)|((R&0xE0)>>5)``)."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    return ((rgb[..., 2] & 0xC0) | ((rgb[..., 1] & 0xE0) >> 2) | ((rgb[..., 0] & 0xE0) >> 5)).astype(np.uint8)


# ----------------------------------------------------------------------------- decoding

def _token_starts(lens: np.ndarray, n: int) -> np.ndarray:
    """Nibble positions of every token start, following the chain from position 0.

    ``lens[i]`` is the length of a token starting at ``i`` (3..9); ``lens`` is padded past ``n``.
    """
    nblocks = (n + _BLOCK - 1) // _BLOCK
    bstart = np.arange(nblocks, dtype=np.int64) * _BLOCK
    bend = np.minimum(bstart + _BLOCK, n)
    pos = bstart.copy()
    recs = []
    while True:
        live = pos < bend
        if not live.any():
            break
        recs.append(pos[live])
        pos = np.where(live, pos + lens[pos], pos)
    is_start = np.zeros(n + 1, dtype=bool)
    if recs:
        is_start[np.concatenate(recs)] = True
    spec = is_start.tobytes()
    lb = lens.tobytes()
    exits = (pos - bend).tolist()
    ends = bend.tolist()
    # Stitch: walk the true chain into each block until it meets the speculative one.
    cut_from: list[int] = []
    cut_to: list[int] = []
    fixes: list[int] = []
    e = 0
    for b in range(nblocks):
        if e == 0:
            e = exits[b]
            continue
        start = b * _BLOCK
        p = start + e
        end = ends[b]
        while p < end and not spec[p]:
            fixes.append(p)
            p += lb[p]
        cut_from.append(start)
        cut_to.append(min(p, end))
        e = p - end if p >= end else exits[b]
    if cut_from:
        marks = np.zeros(n + 2, dtype=np.int32)
        marks[np.asarray(cut_from)] = 1
        marks[np.asarray(cut_to)] -= 1
        is_start[np.cumsum(marks[:n + 1]) > 0] = False
        if fixes:
            is_start[np.asarray(fixes)] = True
    return np.flatnonzero(is_start[:n])


def decode_oldrle(buffer: bytes | bytearray | memoryview, width: int, height: int) -> np.ndarray:
    """Decode one reassembled OldRLE buffer into ``height``×``width`` BGR233 bytes.

    Raises :class:`KvmDecodeError` if the data ends before ``width*height`` pixels.
    """
    check_dimensions(width, height)
    total = width * height
    data = np.frombuffer(buffer, dtype=np.uint8)
    if data.size < 2:
        raise KvmDecodeError("OldRLE buffer shorter than one token")
    if data.size > 5 * total + 64:
        raise KvmDecodeError(f"OldRLE buffer of {data.size} bytes is longer than any "
                             f"{width}x{height} frame")
    data = data[1:]
    n = 2 * data.size
    nib = np.zeros(n + 16, dtype=np.uint8)
    nib[0:n:2] = data >> 4
    nib[1:n:2] = data & 15
    # Token length at every position (valid only where a token actually starts).
    lens = np.where(nib[2:n + 2] != 0, 3, _EXT_LEN[nib[3:n + 3] >> 2]).astype(np.uint8)
    lens = np.concatenate([lens, np.full(16, 3, dtype=np.uint8)])
    t = _token_starts(lens, n)
    t = t[t + lens[t] <= n]                     # drop a truncated final token
    if t.size == 0:
        raise KvmDecodeError(f"OldRLE data ends before {total} pixels")
    colours = (nib[t] << 4) | nib[t + 1]
    runs = nib[t + 2].astype(np.int64)
    ext = np.flatnonzero(runs == 0)
    if ext.size:
        te = t[ext]
        s = nib[te + 3].astype(np.int64)
        cls = s >> 2
        m = _EXT_BITS[cls]
        val = s & 3
        for k in range(5):
            more = m > k
            val = np.where(more, (val << 4) | nib[te + 4 + k], val)
        runs[ext] = val
    cum = np.cumsum(runs)
    if cum[-1] < total:
        raise KvmDecodeError(f"OldRLE data ends after {int(cum[-1])} of {total} pixels")
    k = int(np.searchsorted(cum, total))
    runs = runs[:k + 1]
    runs[k] -= int(cum[k]) - total
    return np.repeat(colours[:k + 1], runs).reshape(height, width)


class OldRleDecoder:
    """Keeps the previous screen so delta (XOR) frames can be applied."""

    def __init__(self) -> None:
        self.screen: np.ndarray | None = None

    def reset(self) -> None:
        self.screen = None

    def decode(self, buffer: bytes | bytearray | memoryview, width: int, height: int,
               diff: bool) -> np.ndarray | None:
        """Apply one frame; return the BGR233 screen, or ``None`` if a key frame is needed
        first (a delta without a base, or after a resolution change)."""
        check_dimensions(width, height)
        if diff:
            if self.screen is None or self.screen.shape != (height, width):
                self.screen = None
                return None
            delta = decode_oldrle(buffer, width, height)
            np.bitwise_xor(self.screen, delta, out=self.screen)
        else:
            self.screen = decode_oldrle(buffer, width, height)
        return self.screen


# ----------------------------------------------------------------------------- encoding

def encode_oldrle(pixels: np.ndarray) -> bytes:
    """Encode BGR233 pixels (any shape, raster order) into OldRLE chunk data.

    Runs are maximal (split at :data:`MAX_RUN`), each with its shortest run code; a final odd
    nibble is padded with 0.
    """
    flat = np.ascontiguousarray(pixels, dtype=np.uint8).ravel()
    if flat.size == 0:
        return b""
    starts = np.concatenate([[0], np.flatnonzero(flat[1:] != flat[:-1]) + 1])
    runs = np.diff(np.concatenate([starts, [flat.size]])).astype(np.int64)
    colours = flat[starts]
    if runs.max() > MAX_RUN:
        pieces = (runs - 1) // MAX_RUN + 1
        colours = np.repeat(colours, pieces)
        split = np.full(int(pieces.sum()), MAX_RUN, dtype=np.int64)
        last = np.cumsum(pieces) - 1
        split[last] = runs - (pieces - 1) * MAX_RUN
        runs = split
    cls = np.select([runs < 16, runs < 64, runs < 1024, runs < (1 << 18)], [-1, 0, 1, 2], 3)
    tl = np.where(cls < 0, 3, _EXT_LEN[np.maximum(cls, 0)])
    off = np.cumsum(tl) - tl
    total = int(tl.sum())
    nib = np.zeros(total + (total & 1), dtype=np.uint8)
    nib[off] = colours >> 4
    nib[off + 1] = colours & 15
    short = cls < 0
    nib[off[short] + 2] = runs[short]
    ext = ~short
    if ext.any():
        o, r, c = off[ext], runs[ext], cls[ext]
        m = _EXT_BITS[c]
        nib[o + 3] = (c << 2) | (r >> (4 * m))
        for k in range(5):
            sel = m > k
            nib[o[sel] + 4 + k] = (r[sel] >> (4 * (m[sel] - 1 - k))) & 15
    return ((nib[0::2] << 4) | nib[1::2]).astype(np.uint8).tobytes()


def no_change_frame(width: int, height: int) -> bytes:
    """The delta frame that changes nothing: one run of colour 0 over the whole screen."""
    check_dimensions(width, height)
    return encode_oldrle(np.zeros(width * height, dtype=np.uint8))
