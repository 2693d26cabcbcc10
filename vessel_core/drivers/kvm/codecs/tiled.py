"""NewRLE / "FPEG": the tiled 64×64 codec (fact sheet §3.3).

Every frame carries exactly one token per tile, in raster order, starting at index 1 of the
reassembled buffer. Tokens: RLE tiles (solid, 2-colour bit stream, 3-/4-colour byte runs, and
palette-reuse variants), JPEG tiles (a header-less 64×64 4:4:4 baseline scan), keep, copy-above
and copy-left. The tile array persists across frames.

Decoding walks the tokens once (one Python step per tile, never per pixel); all JPEG tiles of a
frame are decoded by a single libjpeg call (Pillow) on a synthetic 64×(64·k) image whose tile
scans are separated by restart markers, which reset the DC predictors exactly as a fresh image
would. RLE bodies are expanded with numpy.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..errors import KvmDecodeError
from .jpeg_tables import DEFAULT_LEVEL, EOI, jpeg_header, quality_for_level
from .limits import check_dimensions

TILE = 64
TILE_PIXELS = TILE * TILE
_JPEG_BATCH = 1000           # tiles per synthetic JPEG (SOF height ≤ 65535)
_MAX_TYPE1_BODY = (TILE_PIXELS * 7 + 7) // 8 + 1   # longest useful 2-colour bit stream

ZIP_RLE, ZIP_RLE_EDGE, ZIP_JPEG, ZIP_JPEG_EDGE, ZIP_KEEP, ZIP_COPY_UP, ZIP_COPY_LEFT = range(7)


# ----------------------------------------------------------------------------- colour

def ycc_to_rgb(ycc: np.ndarray) -> np.ndarray:
    """JFIF full-range YCbCr bytes → RGB, each channel truncated toward zero then clamped."""
    ycc = np.asarray(ycc, dtype=np.float64)
    y, cb, cr = ycc[..., 0], ycc[..., 1] - 128.0, ycc[..., 2] - 128.0
    rgb = np.stack([y + 1.402 * cr, y - 0.34414 * cb - 0.71414 * cr, y + 1.772 * cb], axis=-1)
    return np.clip(np.trunc(rgb), 0, 255).astype(np.uint8)


_NEIGHBOURS = np.array([(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])


def rgb_to_ycc(rgb: np.ndarray) -> np.ndarray:
    """RGB (…, 3) → the YCbCr byte triples whose :func:`ycc_to_rgb` is closest to the input."""
    rgb = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    base = np.stack([y, 128 + (b - y) / 1.772, 128 + (r - y) / 1.402], axis=1)
    cand = np.clip(np.rint(base)[:, None, :] + _NEIGHBOURS[None], 0, 255)     # (n, 27, 3)
    err = np.abs(ycc_to_rgb(cand).astype(np.int32) - rgb[:, None, :].astype(np.int32)).sum(axis=2)
    best = cand[np.arange(len(rgb)), err.argmin(axis=1)]
    return best.astype(np.uint8)


# ----------------------------------------------------------------------------- decoding

@dataclass
class _TileMeta:
    rle_type: int = 0            # 0 also for JPEG tiles (the vendor's default)
    palette: bytes = b""         # up to 12 bytes captured at the colour position


def _type1_indices(body: bytes) -> np.ndarray:
    """2-colour bit stream → 4096 colour indices (0/1)."""
    body = body[:_MAX_TYPE1_BODY]
    bits = np.unpackbits(np.frombuffer(body, dtype=np.uint8))
    nb = bits.size
    padded = np.concatenate([bits, np.zeros(7, dtype=np.uint8)]).astype(np.int64)
    v = np.zeros(nb, dtype=np.int64)
    for k in range(6):
        v = (v << 1) | padded[k:k + nb]
    vl = v.tolist()
    bl = padded.tolist()
    runs: list[int] = []
    cols: list[int] = []
    pos = px = colour = 0
    while px < TILE_PIXELS:
        if pos + 6 > nb:
            raise KvmDecodeError(f"2-colour tile bit stream ends after {px} of 4096 pixels")
        run = vl[pos] + 1
        pos += 6
        runs.append(run)
        cols.append(colour)
        px += run
        if run == 64 and px < TILE_PIXELS:
            if pos >= nb:
                raise KvmDecodeError("2-colour tile bit stream ends inside a token")
            if not bl[pos]:
                colour ^= 1
            pos += 1
        elif run < 64:
            colour ^= 1
    out = np.repeat(np.asarray(cols, dtype=np.uint8), runs)
    return out[:TILE_PIXELS]


def _byte_run_indices(body: bytes) -> np.ndarray:
    """3-/4-colour tiles: one byte per run (run−1 in bits 7..2, colour index in bits 1..0)."""
    b = np.frombuffer(body, dtype=np.uint8)[:TILE_PIXELS]
    runs = (b >> 2).astype(np.int64) + 1
    cum = np.cumsum(runs)
    if cum.size == 0 or cum[-1] < TILE_PIXELS:
        raise KvmDecodeError(f"run-length tile body covers {int(cum[-1]) if cum.size else 0} of 4096 pixels")
    k = int(np.searchsorted(cum, TILE_PIXELS))
    runs = runs[:k + 1]
    runs[k] -= int(cum[k]) - TILE_PIXELS
    return np.repeat(b[:k + 1] & 3, runs)


def _palette_rgb(palette: bytes, count: int, where: str) -> np.ndarray:
    if len(palette) < 3 * count:
        raise KvmDecodeError(f"{where}: palette needs {count} colours, has {len(palette) // 3}")
    return ycc_to_rgb(np.frombuffer(palette[:3 * count], dtype=np.uint8).reshape(count, 3))


def _paint_rle(rle_type: int, palette: bytes, body: bytes, where: str) -> np.ndarray:
    """Decode an RLE body with a given type and palette into a 64×64×3 tile."""
    if rle_type == 1:
        idx = _type1_indices(body)
        pal = _palette_rgb(palette, 2, where)
    elif rle_type in (2, 3):
        idx = _byte_run_indices(body)
        used = int(idx.max()) + 1
        if rle_type == 2 and used > 3 and len(palette) < 12:
            raise KvmDecodeError(f"{where}: colour index 3 in a 3-colour tile")
        pal = _palette_rgb(palette, max(used, 1), where)
    else:
        raise KvmDecodeError(f"{where}: RLE type {rle_type} has no body")
    return pal[idx].reshape(TILE, TILE, 3)


class TiledDecoder:
    """Stateful decoder: the tile array survives between frames; re-created on a size change."""

    def __init__(self, *, vendor_q60_quirk: bool = False) -> None:
        self.width = 0
        self.height = 0
        self.canvas: np.ndarray | None = None      # (by·64, bx·64, 3)
        self.meta: list[_TileMeta] = []
        self.vendor_q60_quirk = vendor_q60_quirk

    def reset(self) -> None:
        self.canvas = None
        self.width = self.height = 0

    def _ensure(self, width: int, height: int) -> tuple[int, int]:
        bx, by = -(-width // TILE), -(-height // TILE)
        if self.canvas is None or (width, height) != (self.width, self.height):
            self.canvas = np.zeros((by * TILE, bx * TILE, 3), dtype=np.uint8)
            self.meta = [_TileMeta() for _ in range(bx * by)]
            self.width, self.height = width, height
        return bx, by

    def decode(self, buffer: bytes | bytearray | memoryview, width: int, height: int,
               level: int = DEFAULT_LEVEL) -> np.ndarray:
        """Apply one reassembled frame (leading byte at index 0) and return the RGB screen
        (a view of the decoder's canvas, ``height``×``width``×3)."""
        check_dimensions(width, height)
        if not 1 <= level <= 10:
            raise KvmDecodeError(f"JPEG level {level} outside 1..10")
        buf = bytes(buffer)
        bx, by = self._ensure(width, height)
        n_tiles = bx * by
        # Pass 1: walk the tokens (metadata only); record what to paint.
        ops: list[tuple] = []
        jpeg_scans: list[bytes] = []
        meta = list(self.meta)
        pos, end = 1, len(buf)
        for n in range(n_tiles):
            where = f"tile {n}"
            if pos >= end:
                raise KvmDecodeError(f"frame data ends at {where} of {n_tiles}")
            d = buf[pos]
            zt, rz = d >> 5, (d >> 2) & 7
            if zt in (ZIP_RLE, ZIP_RLE_EDGE):
                if rz == 0:
                    if pos + 4 > end:
                        raise KvmDecodeError(f"{where}: solid tile truncated")
                    pal = buf[pos + 1:pos + 13]
                    meta[n] = _TileMeta(0, pal)
                    ops.append(("solid", n, pal[:3]))
                    pos += 4
                elif rz <= 3:
                    ncol = rz + 1
                    ln = int.from_bytes(buf[pos + 1:pos + 3], "big")
                    body_at = pos + 3 + 3 * ncol
                    if body_at + ln > end:
                        raise KvmDecodeError(f"{where}: RLE tile needs {ln} body bytes past the end")
                    pal = buf[pos + 3:pos + 15]
                    meta[n] = _TileMeta(rz, pal)
                    ops.append(("rle", n, rz, pal, buf[body_at:body_at + ln]))
                    pos = body_at + ln
                else:
                    src = n - 1 if rz in (4, 5) else n - bx
                    if src < 0:
                        raise KvmDecodeError(f"{where}: palette reuse from a tile before the first")
                    sm = meta[src]
                    swap = rz in (5, 7)
                    if sm.rle_type == 0 and not swap:
                        meta[n] = sm
                        ops.append(("copy", n, src))
                        pos += 1
                    elif sm.rle_type == 0:
                        # Swapped reuse of a solid tile: the body is a fresh solid colour.
                        if pos + 4 > end:
                            raise KvmDecodeError(f"{where}: truncated")
                        pal = buf[pos + 1:pos + 13]
                        meta[n] = _TileMeta(0, pal)
                        ops.append(("solid", n, pal[:3]))
                        pos += 4
                    else:
                        ln = int.from_bytes(buf[pos + 1:pos + 3], "big")
                        if pos + 3 + ln > end:
                            raise KvmDecodeError(f"{where}: RLE tile needs {ln} body bytes past the end")
                        pal = sm.palette
                        if swap and sm.rle_type == 1 and len(pal) >= 6:
                            pal = pal[3:6] + pal[0:3] + pal[6:]
                        meta[n] = _TileMeta(sm.rle_type, pal)
                        ops.append(("rle", n, sm.rle_type, pal, buf[pos + 3:pos + 3 + ln]))
                        pos += 3 + ln
            elif zt in (ZIP_JPEG, ZIP_JPEG_EDGE):
                ln = int.from_bytes(buf[pos + 1:pos + 3], "big")
                if ln == 0 or pos + 3 + ln > end:
                    raise KvmDecodeError(f"{where}: JPEG scan of {ln} bytes does not fit the frame")
                scan = buf[pos + 3:pos + 3 + ln]
                meta[n] = _TileMeta(0, meta[n].palette)
                ops.append(("jpeg", n, len(jpeg_scans)))
                jpeg_scans.append(scan)
                pos += 3 + ln
            elif zt == ZIP_KEEP:
                pos += 1
            elif zt in (ZIP_COPY_UP, ZIP_COPY_LEFT):
                src = n - bx if zt == ZIP_COPY_UP else n - 1
                if src < 0:
                    raise KvmDecodeError(f"{where}: copy from a tile before the first")
                meta[n] = meta[src]
                ops.append(("copy", n, src))
                pos += 1
            else:
                raise KvmDecodeError(f"{where}: invalid tile descriptor 0x{d:02x}")
        jpeg_tiles = self._decode_jpegs(jpeg_scans, level) if jpeg_scans else None
        # Pass 2: paint in raster order (copies read tiles painted earlier in this frame).
        canvas = self.canvas
        assert canvas is not None
        for op in ops:
            n = op[1]
            y, x = (n // bx) * TILE, (n % bx) * TILE
            dst = canvas[y:y + TILE, x:x + TILE]
            kind = op[0]
            if kind == "solid":
                dst[:] = ycc_to_rgb(np.frombuffer(op[2], dtype=np.uint8))
            elif kind == "jpeg":
                assert jpeg_tiles is not None  # a jpeg op means the frame carried JPEG scans
                dst[:] = jpeg_tiles[op[2]]
            elif kind == "copy":
                s = op[2]
                sy, sx = (s // bx) * TILE, (s % bx) * TILE
                dst[:] = canvas[sy:sy + TILE, sx:sx + TILE]
            else:
                dst[:] = _paint_rle(op[2], op[3], op[4], f"tile {n}")
        self.meta = meta
        return canvas[:height, :width]

    def _decode_jpegs(self, scans: list[bytes], level: int) -> np.ndarray:
        for i, s in enumerate(scans):
            # A scan from a baseline encoder stuffs every 0xFF with 0x00 and carries no markers.
            a = np.frombuffer(s, dtype=np.uint8)
            ff = np.flatnonzero(a[:-1] == 0xFF)
            if a[-1] == 0xFF or (ff.size and (a[ff + 1] != 0).any()):
                raise KvmDecodeError(f"JPEG tile {i} of this frame contains a marker inside its scan")
        out = []
        for b0 in range(0, len(scans), _JPEG_BATCH):
            batch = scans[b0:b0 + _JPEG_BATCH]
            parts = [jpeg_header(level, len(batch), vendor_q60_quirk=self.vendor_q60_quirk)]
            for i, s in enumerate(batch):
                if i:
                    parts.append(bytes((0xFF, 0xD0 + ((i - 1) & 7))))
                parts.append(s)
            parts.append(EOI)
            try:
                with Image.open(io.BytesIO(b"".join(parts))) as im:
                    im.draft(None, None)
                    arr = np.asarray(im.convert("RGB") if im.mode != "RGB" else im)
            except (OSError, ValueError, SyntaxError) as exc:
                raise KvmDecodeError(f"JPEG tile data rejected by the decoder: {exc}") from None
            out.append(arr.reshape(len(batch), TILE, TILE, 3))
        return np.concatenate(out) if len(out) > 1 else out[0]


# ----------------------------------------------------------------------------- encoding

def _tiles_of(rgb: np.ndarray) -> tuple[np.ndarray, int, int]:
    h, w = rgb.shape[:2]
    bx, by = -(-w // TILE), -(-h // TILE)
    pad = np.zeros((by * TILE, bx * TILE, 3), dtype=np.uint8)
    pad[:h, :w] = rgb
    if w % TILE:                      # replicate edges so cropped tiles stay cheap to code
        pad[:h, w:] = rgb[:, -1:]
    if h % TILE:
        pad[h:] = pad[h - 1:h]
    tiles = pad.reshape(by, TILE, bx, TILE, 3).swapaxes(1, 2).reshape(bx * by, TILE, TILE, 3)
    return tiles, bx, by


def encode_jpeg_scans(tiles: np.ndarray, level: int = DEFAULT_LEVEL) -> list[bytes]:
    """Header-less baseline scans (libjpeg, Q = 10·level, 4:4:4) for a stack of 64×64 tiles.

    The tiles are encoded as one tall image with a restart marker after every tile, then split
    at the markers: each piece is byte-for-byte the scan of that tile encoded on its own.
    """
    q = quality_for_level(level)
    k = len(tiles)
    out: list[bytes] = []
    for b0 in range(0, k, _JPEG_BATCH):
        batch = tiles[b0:b0 + _JPEG_BATCH]
        img = Image.fromarray(np.ascontiguousarray(batch.reshape(-1, TILE, 3)), "RGB")
        bio = io.BytesIO()
        img.save(bio, "JPEG", quality=q, subsampling=0, optimize=False, progressive=False,
                 restart_marker_blocks=TILE_PIXELS // 64)
        data = bio.getvalue()
        sos = data.index(b"\xff\xda")
        start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
        body = data[start:data.rindex(EOI)]
        a = np.frombuffer(body, dtype=np.uint8)
        ff = np.flatnonzero((a[:-1] == 0xFF) & (a[1:] >= 0xD0) & (a[1:] <= 0xD7))
        bounds = [0, *ff.tolist(), len(body)]
        scans = [body[bounds[0]:bounds[1]]] + [body[bounds[i] + 2:bounds[i + 1]] for i in range(1, len(bounds) - 1)]
        if len(scans) != len(batch):
            raise RuntimeError(f"libjpeg produced {len(scans)} restart intervals for {len(batch)} tiles")
        out.extend(scans)
    return out


def _rle_token(tile: np.ndarray, colours: np.ndarray) -> bytes:
    """A solid / 3-colour / 4-colour RLE token for a tile with ≤ 4 distinct colours."""
    packed = tile.reshape(-1, 3).astype(np.uint32)
    key = packed[:, 0] << 16 | packed[:, 1] << 8 | packed[:, 2]
    ckey = colours[:, 0].astype(np.uint32) << 16 | colours[:, 1].astype(np.uint32) << 8 | colours[:, 2]
    ycc = rgb_to_ycc(colours)
    if len(colours) == 1:
        return bytes([0x00]) + ycc[0].tobytes()
    idx = np.searchsorted(ckey, key).astype(np.int64)
    starts = np.concatenate([[0], np.flatnonzero(idx[1:] != idx[:-1]) + 1])
    runs = np.diff(np.concatenate([starts, [TILE_PIXELS]]))
    cidx = idx[starts]
    pieces = (runs - 1) // 64 + 1
    cidx = np.repeat(cidx, pieces)
    split = np.full(int(pieces.sum()), 64, dtype=np.int64)
    split[np.cumsum(pieces) - 1] = runs - (pieces - 1) * 64
    body = (((split - 1) << 2) | cidx).astype(np.uint8).tobytes()
    rz = 2 if len(colours) <= 3 else 3
    pal = ycc if len(ycc) == rz + 1 else np.concatenate([ycc, ycc[:1].repeat(rz + 1 - len(ycc), axis=0)])
    return bytes([rz << 2]) + len(body).to_bytes(2, "big") + pal.tobytes() + body


def encode_type1_tile(indices: np.ndarray, colours_ycc: np.ndarray) -> bytes:
    """A 2-colour bit-stream tile (rZipType 1) from 4096 indices (0/1; pixel 0 must be 0)."""
    idx = np.asarray(indices, dtype=np.uint8).ravel()
    if idx.size != TILE_PIXELS or idx[0] != 0:
        raise ValueError("need 4096 indices starting with colour 0")
    starts = np.concatenate([[0], np.flatnonzero(idx[1:] != idx[:-1]) + 1])
    runs = np.diff(np.concatenate([starts, [TILE_PIXELS]])).tolist()
    bits: list[int] = []
    for r in runs:
        while r > 64:
            bits += [1, 1, 1, 1, 1, 1, 1]          # run 64, keep colour
            r -= 64
        v = r - 1
        bits += [(v >> s) & 1 for s in range(5, -1, -1)]
        if r == 64:
            bits.append(0)                         # run 64, switch
    bits += [0] * (-len(bits) % 8)
    body = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()
    return bytes([0x04]) + len(body).to_bytes(2, "big") + np.asarray(colours_ycc, np.uint8).tobytes()[:6] + body


class TiledEncoder:
    """Simulator-side encoder following the sheet's recipe (§3.3.9)."""

    def __init__(self, level: int = DEFAULT_LEVEL) -> None:
        quality_for_level(level)
        self.level = level
        self._prev: np.ndarray | None = None   # source tiles of the previous frame

    def reset(self) -> None:
        self._prev = None

    def encode(self, rgb: np.ndarray, *, key_frame: bool = False) -> bytes:
        """Tokens for one frame (chunk data; the receiver adds the leading byte)."""
        rgb = np.asarray(rgb, dtype=np.uint8)
        check_dimensions(rgb.shape[1], rgb.shape[0])
        tiles, bx, _ = _tiles_of(rgb)
        n = len(tiles)
        flat = tiles.reshape(n, -1)
        prev = self._prev if (self._prev is not None and self._prev.shape == tiles.shape and not key_frame) else None
        keep = (prev.reshape(n, -1) == flat).all(axis=1) if prev is not None else np.zeros(n, bool)
        same_left = np.zeros(n, bool)
        same_left[1:] = (flat[1:] == flat[:-1]).all(axis=1)
        same_up = np.zeros(n, bool)
        same_up[bx:] = (flat[bx:] == flat[:-bx]).all(axis=1)
        key = (tiles[..., 0].astype(np.uint32) << 16 | tiles[..., 1].astype(np.uint32) << 8
               | tiles[..., 2]).reshape(n, -1)
        srt = np.sort(key, axis=1)
        ncolours = 1 + (srt[:, 1:] != srt[:, :-1]).sum(axis=1)
        plain = ~(keep | same_up | same_left)
        jpeg_idx = np.flatnonzero(plain & (ncolours > 4))
        scans = dict(zip(jpeg_idx.tolist(), encode_jpeg_scans(tiles[jpeg_idx], self.level))) if jpeg_idx.size else {}
        out = bytearray()
        for i in range(n):
            if keep[i]:
                out.append(ZIP_KEEP << 5)
            elif same_up[i]:
                out.append(ZIP_COPY_UP << 5)
            elif same_left[i]:
                out.append(ZIP_COPY_LEFT << 5)
            elif i in scans:
                s = scans[i]
                out += bytes([ZIP_JPEG << 5]) + len(s).to_bytes(2, "big") + s
            else:
                row = srt[i]
                uniq = row[np.concatenate([[True], row[1:] != row[:-1]])]
                cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.uint8)
                out += _rle_token(tiles[i], cols)
        self._prev = tiles.copy()
        return bytes(out)
