"""Encoder → decoder round trips and malformed-input robustness for both codecs."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from vessel_core.drivers.kvm.codecs.framing import FrameHeader, Reassembler, ServerFrameReader, image_frames, server_frame
from vessel_core.drivers.kvm.codecs.oldrle import OldRleDecoder, decode_oldrle, encode_oldrle
from vessel_core.drivers.kvm.codecs.tiled import TiledDecoder, TiledEncoder, encode_jpeg_scans, encode_type1_tile, rgb_to_ycc, ycc_to_rgb
from vessel_core.drivers.kvm.errors import KvmDecodeError

JPEG_MIN_PSNR = 30.0     # dB, smooth content at the default level 7 (Q70)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _random_screen(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    a = rng.integers(0, 256, (h, w), dtype=np.uint8)
    a[rng.random((h, w)) < rng.random()] = 0
    return np.where(rng.random((h, w)) < rng.random(), np.roll(a, 1), a).astype(np.uint8)


@pytest.mark.parametrize("seed", range(40))
def test_oldrle_roundtrip_exact(seed):
    rng = np.random.default_rng(seed)
    h, w = (int(x) for x in rng.integers(1, 200, 2))
    a = _random_screen(rng, h, w)
    assert (decode_oldrle(b"\x00" + encode_oldrle(a), w, h) == a).all()


def test_oldrle_long_runs_and_deltas():
    rng = np.random.default_rng(7)
    dec = OldRleDecoder()
    prev = np.zeros((768, 1024), np.uint8)
    dec.decode(b"\x00" + encode_oldrle(prev), 1024, 768, diff=False)
    for _ in range(5):
        cur = prev.copy()
        y, x = rng.integers(0, 700), rng.integers(0, 900)
        cur[y:y + 60, x:x + 120] = rng.integers(0, 256)
        out = dec.decode(b"\x00" + encode_oldrle(cur ^ prev), 1024, 768, diff=True)
        assert (out == cur).all()
        prev = cur


def test_oldrle_runs_longer_than_one_token():
    a = np.zeros((2048, 2560), np.uint8)           # 5.2 M pixels > 4194303 (class-3 maximum)
    a[-1, -1] = 7
    assert (decode_oldrle(b"\x00" + encode_oldrle(a), 2560, 2048) == a).all()


def test_oldrle_truncated_is_an_error():
    data = encode_oldrle(np.arange(100, dtype=np.uint8))
    with pytest.raises(KvmDecodeError, match="ends"):
        decode_oldrle(b"\x00" + data[:-3], 100, 1)


def test_ycc_encoder_roundtrip_of_palette_colours():
    cols = np.array([[0, 0, 0], [255, 255, 255], [182, 182, 170], [0, 0, 170], [255, 255, 0]], np.uint8)
    back = ycc_to_rgb(rgb_to_ycc(cols))
    assert np.abs(back.astype(int) - cols).max() <= 2


def test_tiled_roundtrip_rle_and_copies():
    rng = np.random.default_rng(3)
    pal = np.array([[0, 0, 0], [255, 255, 255], [182, 182, 170], [0, 0, 170]], np.uint8)
    img = pal[rng.integers(0, 4, (200, 300))]
    img[:, 128:] = pal[1]                       # identical tiles → copy tokens
    enc, dec = TiledEncoder(), TiledDecoder()
    buf = enc.encode(img, key_frame=True)
    assert buf.count(0xC0) + buf.count(0xA0) > 0
    out = dec.decode(b"\x00" + buf, 300, 200, enc.level)
    assert np.abs(out.astype(int) - img).max() <= 2
    img2 = img.copy()
    img2[10:20, 10:20] = pal[3]
    out2 = dec.decode(b"\x00" + enc.encode(img2), 300, 200, enc.level)     # keep tokens elsewhere
    assert np.abs(out2.astype(int) - img2).max() <= 2


@pytest.mark.parametrize("level", [1, 4, 7, 10])
def test_tiled_roundtrip_jpeg_psnr(level):
    rng = np.random.default_rng(level)
    h, w = 300, 450
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx + yy) * 127 // (w + h)) + 64], axis=-1)
    img = np.clip(img + rng.integers(-6, 7, img.shape), 0, 255).astype(np.uint8)
    enc = TiledEncoder(level)
    out = TiledDecoder().decode(b"\x00" + enc.encode(img), w, h, level)
    limit = {1: 22.0, 4: 28.0, 7: JPEG_MIN_PSNR, 10: 35.0}[level]
    assert psnr(out, img) >= limit


def test_batched_scans_equal_standalone_encoding():
    rng = np.random.default_rng(11)
    tiles = rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    scans = encode_jpeg_scans(tiles, 7)
    for tile, scan in zip(tiles, scans):
        bio = io.BytesIO()
        Image.fromarray(tile).save(bio, "JPEG", quality=70, subsampling=0)
        d = bio.getvalue()
        sos = d.index(b"\xff\xda")
        assert scan == d[sos + 2 + int.from_bytes(d[sos + 2:sos + 4], "big"):-2]


def test_type1_encoder_roundtrip():
    rng = np.random.default_rng(5)
    idx = (rng.random(4096) < 0.3).astype(np.uint8)
    idx[0] = 0
    idx[100:400] = 1                            # runs longer than 64 ("keep")
    idx[500:564] = 0
    ycc = rgb_to_ycc(np.array([[0, 0, 0], [255, 255, 255]], np.uint8))
    out = TiledDecoder().decode(b"\x00" + encode_type1_tile(idx, ycc), 64, 64, 7)
    assert (out.reshape(-1, 3)[:, 0] == idx * 255).all()


def test_tiled_invalid_tokens():
    with pytest.raises(KvmDecodeError, match="copy from a tile before"):
        TiledDecoder().decode(b"\x00\xa0", 64, 64, 7)          # copy-above in row 0
    with pytest.raises(KvmDecodeError, match="invalid tile descriptor"):
        TiledDecoder().decode(b"\x00\xe0", 64, 64, 7)
    with pytest.raises(KvmDecodeError, match="ends"):
        TiledDecoder().decode(b"\x00\x00\x00\x80\x80", 128, 64, 7)


def test_reassembly_out_of_order_and_limits():
    rng = np.random.default_rng(2)
    data = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    hdr = FrameHeader(3, 9, len(data), False, 100, 50)
    frames = image_frames(hdr, data)
    rng.shuffle(frames)
    r = ServerFrameReader()
    msgs = r.feed(b"garbage" + b"".join(frames))
    reasm = Reassembler()
    done = [x for op, p in msgs if (x := reasm.feed(p)) is not None]
    assert done == [(hdr, b"\x00" + data)] and r.skipped == 7
    bad = FrameHeader(1, 1, 1 << 31, False, 10, 10)
    with pytest.raises(KvmDecodeError, match="packLength"):
        Reassembler().feed(bad.payload())


# ---------------------------------------------------------------- fuzz: only KvmDecodeError, bounded
FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(min_size=0, max_size=3000), st.integers(1, 700), st.integers(1, 700))
def test_fuzz_oldrle(data, w, h):
    try:
        out = decode_oldrle(data, w, h)
    except KvmDecodeError:
        return
    assert out.shape == (h, w)


@FUZZ
@given(st.binary(min_size=0, max_size=3000), st.integers(1, 400), st.integers(1, 300), st.integers(1, 10))
def test_fuzz_tiled(data, w, h, level):
    try:
        out = TiledDecoder().decode(data, w, h, level)
    except KvmDecodeError:
        return
    assert out.shape == (h, w, 3)


@FUZZ
@given(st.lists(st.sampled_from([0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x40, 0x80, 0xA0, 0xC0]),
                min_size=1, max_size=12), st.binary(max_size=400))
def test_fuzz_tiled_structured(descs, noise):
    buf = b"\x00" + b"".join(bytes([d]) + noise[i * 7:(i + 1) * 7] for i, d in enumerate(descs))
    try:
        TiledDecoder().decode(buf, 256, 192, 7)
    except KvmDecodeError:
        pass


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_framing(data):
    r = ServerFrameReader()
    reasm = Reassembler()
    for _op, p in r.feed(data) + r.feed(server_frame(2, data[:200])):
        try:
            reasm.feed(p)
        except KvmDecodeError:
            pass


def test_huge_dimensions_rejected_before_allocation():
    with pytest.raises(KvmDecodeError, match="outside"):
        decode_oldrle(b"\x00\x00\x0f\xff\xff\xff", 30000, 30000)
    with pytest.raises(KvmDecodeError, match="outside"):
        TiledDecoder().decode(b"\x00", 5000, 10, 7)
