"""The fact sheet's worked examples (kvm-protocol.md), byte for byte and pixel for pixel."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vessel_core.drivers.kvm.codecs import jpeg_tables as jt
from vessel_core.drivers.kvm.codecs.framing import FrameHeader, Reassembler, client_frame, crc16, image_frames
from vessel_core.drivers.kvm.codecs.keys import blade_state_request, derive_keys, encrypt_input, mouse_record
from vessel_core.drivers.kvm.codecs.oldrle import OldRleDecoder, bgr233_to_rgb, decode_oldrle, encode_oldrle, no_change_frame
from vessel_core.drivers.kvm.codecs.tiled import TiledDecoder, ycc_to_rgb

H = bytes.fromhex


# ---------------------------------------------------------------- §2.1 CRC
@pytest.mark.parametrize("data,crc", [
    ("0900", 0xBA98), ("4200", 0x6BAE), ("44000300002710", 0x7FB8), ("2400020000", 0xEFD2),
    ("0600020101", 0x80F5), ("0B", 0xB16B), ("0901", 0xAAB9), ("06010000", 0x10A9),
    ("0601000101", 0x9821), ("1C23", 0x521F), ("170101", 0xE5E3), ("0801", 0x9988)])
def test_crc16_vectors(data, crc):
    assert crc16(H(data)) == crc


def test_crc16_check_value():
    assert crc16(b"123456789") == 0x31C3


# ---------------------------------------------------------------- §2.3 keys
KEYS = derive_keys(305419896, bytes(range(16)))


def test_pbkdf2_session_material():
    assert KEYS.session_id.hex() == "7496b0689e99080b4ed88a83b15725494fc4a14e5b06c70b"
    assert KEYS.kvm_key.hex() == "0790ea5158855e51963b740a884870a8"
    assert KEYS.kbd_key.hex() == "9cd208c9c4ca929249ad99017196d81f"
    assert KEYS.vmm_key.hex() == "438ca45eed165b62b241729c72c5491b"
    assert "0790ea" not in repr(KEYS)


# ---------------------------------------------------------------- §2.6 handshake frames
SID4 = H("12345678")


def test_smm_frames():
    assert client_frame(KEYS.session_id, 11).hex() == \
        "fef680037496b0689e99080b4ed88a83b15725494fc4a14e5b06c70bb16b0b"
    blob = blade_state_request(KEYS, 1, 0, bytes(range(0xA0, 0xAE)))
    assert blob.hex() == "879f988b0ab5c84ad4ef261f3f224ed7"
    assert client_frame(KEYS.session_id, 33, blob).hex() == \
        "fef680137496b0689e99080b4ed88a83b15725494fc4a14e5b06c70b7b4c21879f988b0ab5c84ad4ef261f3f224ed7"
    assert client_frame(KEYS.session_id, 9, b"\x00").hex() == \
        "fef680047496b0689e99080b4ed88a83b15725494fc4a14e5b06c70bba980900"


@pytest.mark.parametrize("op,payload,frame", [
    (9, "01", "fef6000412345678aab90901"),
    (6, "010000", "fef600061234567810a906010000"),
    (6, "01000101", "fef600071234567898210601000101"),
    (28, "23", "fef6000412345678521f1c23"),
    (23, "0101", "fef6000512345678e5e3170101"),
    (7, "01", "fef600041234567889b60701")])
def test_blade_frames(op, payload, frame):
    assert client_frame(SID4, op, H(payload)).hex() == frame


@pytest.mark.parametrize("report,cipher", [
    ("0000040000000000", "79f34c713b573874d6e839863109cdf3"),
    ("0000000000000000", "83bc4dcaf035a503fc38a161e042cf08")])
def test_keyboard_frames(report, cipher):
    c = encrypt_input(0x12345678, H(report))
    assert c.hex() == cipher
    assert client_frame(SID4, 3, b"\x01" + c, zero_crc=True).hex() == "fef60014123456780000030" + "1" + cipher


def test_mouse_frame():
    rec = mouse_record(1, 1500, 1500)
    assert rec.hex() == "0105dc05dc00"
    c = encrypt_input(0x12345678, rec)
    assert client_frame(SID4, 5, b"\x01" + c, zero_crc=True).hex() == \
        "fef60014123456780000050149d6e6e2fc54ceaba5cfb7ad391721d7"


# ---------------------------------------------------------------- §2.11 server frames
def test_oldrle_server_frames_and_reassembly():
    hdr = FrameHeader(1, 5, 4, False, 128, 64)
    frames = image_frames(hdr, H("00082000"))
    assert [f.hex() for f in frames] == ["fef60015be2802010000050000000400800040dcffffffff00",
                                         "fef6000b0448020100010500082000"]
    r = Reassembler()
    assert r.feed(frames[0][7:]) is None
    got_hdr, buf = r.feed(frames[1][7:])
    assert got_hdr == hdr and buf == H("0000082000")
    assert (decode_oldrle(buf, 128, 64) == 0).all()


def test_tiled_server_frames():
    hdr = FrameHeader(1, 6, 5, False, 128, 64, color_byte=7)
    frames = image_frames(hdr, H("004c55ffc0"))
    assert [f.hex() for f in frames] == ["fef60015356302010000060000000500800040dcffffffff07",
                                         "fef6000c0a4e0201000106004c55ffc0"]
    r = Reassembler(leading_diff=True)
    r.feed(frames[1][7:])                      # data before header: order does not matter
    got_hdr, buf = r.feed(frames[0][7:])
    assert got_hdr.level == 7 and buf == H("00004c55ffc0")


# ---------------------------------------------------------------- §3.2 OldRLE
@pytest.mark.parametrize("byte,rgb", [
    (0x00, (0, 0, 0)), (0x07, (255, 0, 0)), (0x38, (0, 255, 0)), (0xC0, (0, 0, 255)),
    (0xFF, (255, 255, 255)), (0x3F, (255, 255, 0)), (0x49, (36, 36, 85)), (0x92, (73, 73, 170)),
    (0xA4, (146, 146, 170)), (0x5B, (109, 109, 85))])
def test_bgr233_expansion(byte, rgb):
    assert tuple(bgr233_to_rgb(np.array([byte], np.uint8))[0]) == rgb


def test_bgr233_levels():
    r = bgr233_to_rgb(np.arange(8, dtype=np.uint8))[:, 0]
    assert r.tolist() == [0, 36, 73, 109, 146, 182, 219, 255]
    b = bgr233_to_rgb(np.array([0x00, 0x40, 0x80, 0xC0], np.uint8))[:, 2]
    assert b.tolist() == [0, 85, 170, 255]


OLDRLE_EXAMPLES = [
    (4, 1, "00 07 40", "07" * 4),
    (5, 1, "00 07 23 83", "0707383838"),
    (21, 1, "00 C0 01 4F F1", "C0" * 20 + "FF"),
    (22, 1, "00 07 13 81 C0 01 40", "0738" + "C0" * 20),
    (42, 1, "00 07 23 80 28", "0707" + "38" * 40),
    (103, 1, "00 00 04 64 3F 30", "00" * 100 + "3F" * 3),
    (301, 1, "00 07 1C 00 52 C0", "07" + "C0" * 300),
    (128, 64, "00 00 08 20 00", "00" * 8192),
    (640, 480, "00 49 0C 4B 00 00", "49" * 307200),
]


@pytest.mark.parametrize("w,h,buf,pixels", OLDRLE_EXAMPLES)
def test_oldrle_examples(w, h, buf, pixels):
    out = decode_oldrle(H(buf), w, h)
    assert out.shape == (h, w)
    assert out.tobytes() == H(pixels)
    assert encode_oldrle(out) == H(buf)[1:]          # the encoder picks the same shortest codes


def test_oldrle_xor_example():
    d = OldRleDecoder()
    d.decode(H("000740"), 4, 1, diff=False)
    screen = d.decode(H("000013F10020"), 4, 1, diff=True)
    assert screen.tobytes() == H("07380707")
    assert bgr233_to_rgb(screen).reshape(-1, 3).tolist() == [[255, 0, 0], [0, 255, 0], [255, 0, 0], [255, 0, 0]]


@pytest.mark.parametrize("w,h,sentinel", [
    (800, 600, "000c753000"), (640, 480, "000c4b0000"), (720, 400, "000c465000"),
    (1024, 768, "000cc00000"), (1280, 1024, "000d400000"), (640, 400, "000be800")])
def test_no_change_sentinels(w, h, sentinel):
    assert no_change_frame(w, h).hex() == sentinel
    d = OldRleDecoder()
    base = d.decode(b"\x00" + encode_oldrle(np.full((h, w), 0x49, np.uint8)), w, h, diff=False).copy()
    assert (d.decode(b"\x00" + H(sentinel), w, h, diff=True) == base).all()


def test_delta_without_base_needs_key_frame():
    d = OldRleDecoder()
    assert d.decode(H("000740"), 4, 1, diff=True) is None
    d.decode(H("000740"), 4, 1, diff=False)
    assert d.decode(H("000740"), 8, 1, diff=True) is None     # resolution change


# ---------------------------------------------------------------- §3.3 tiled
@pytest.mark.parametrize("ycc,rgb", [
    ((0, 128, 128), (0, 0, 0)), ((255, 128, 128), (255, 255, 255)), ((235, 128, 128), (235, 235, 235)),
    ((16, 128, 128), (16, 16, 16)), ((76, 85, 255), (254, 0, 0)), ((149, 43, 21), (0, 254, 0)),
    ((29, 255, 107), (0, 0, 254)), ((82, 90, 240), (239, 15, 14))])
def test_ycc_conversion(ycc, rgb):
    assert tuple(ycc_to_rgb(np.array(ycc, np.uint8))) == rgb


def test_two_solid_tiles():
    out = TiledDecoder().decode(H("00004C55FFC0"), 128, 64, 7)
    assert out.shape == (64, 128, 3) and (out == (254, 0, 0)).all()


THREE_COLOUR = H("080040008080ff80804c55ff" + "fe" + "fd" * 63)


def test_three_colour_tile_and_left_palette_reuse():
    buf = b"\x00" + THREE_COLOUR + H("100040") + b"\xfc" * 64
    out = TiledDecoder().decode(buf, 128, 64, 7)
    assert (out[0, :64] == (254, 0, 0)).all()
    assert (out[1:, :64] == 255).all()
    assert (out[:, 64:] == 0).all()


def test_two_colour_bitstream_tile():
    buf = b"\x00" + H("040038008080ff8080") + H("FDFBF7EFDFBF7E") * 8
    out = TiledDecoder().decode(buf, 64, 64, 7)
    assert (out[0::2] == 0).all() and (out[1::2] == 255).all()


def test_two_colour_runs_10_and_20():
    body = H("253F") + b"\xff" * 520        # runs 10, 20 then "run 64, keep" tokens
    buf = b"\x00" + H("04") + len(body).to_bytes(2, "big") + H("008080ff8080") + body
    out = TiledDecoder().decode(buf, 64, 64, 7).reshape(-1, 3)
    assert (out[:10] == 0).all() and (out[10:30] == 255).all()
    assert (out[30:] == 0).all()            # run 20 < 64 switches back; "keep" tokens stay there


SCAN_RED_Q70 = H(
    "e66bc83f440a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a"
    "002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a00f")
SCAN_BLACK_Q70 = H(
    "f19a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a0"
    "02800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002800a002803f")


def test_sheet_scans_transcribed():
    assert len(SCAN_RED_Q70) == 116 and len(SCAN_BLACK_Q70) == 114


def _jpeg_tile(scan: bytes, level: int) -> np.ndarray:
    return TiledDecoder().decode(b"\x00" + b"\x40" + len(scan).to_bytes(2, "big") + scan, 64, 64, level)


def test_jpeg_tile_levels():
    assert (_jpeg_tile(SCAN_RED_Q70, 7) == (200, 30, 30)).all()
    assert (_jpeg_tile(SCAN_RED_Q70, 5) == (230, 0, 0)).all()     # the "red square" of §3.4


def test_jpeg_black_tile_matches_libjpeg():
    bio = io.BytesIO()
    Image.new("RGB", (64, 64)).save(bio, "JPEG", quality=70, subsampling=0)
    ref = np.asarray(Image.open(io.BytesIO(bio.getvalue())).convert("RGB"))
    assert (_jpeg_tile(SCAN_BLACK_Q70, 7) == ref).all()
    assert int(_jpeg_tile(SCAN_BLACK_Q70, 7).max()) <= 2


def test_jpeg_header_layout():
    h = jt.jpeg_header(7)
    assert len(h) == 698
    assert h[:20] == H("FFD8FFE000104A46494600010100000100010000")
    assert h[-20:] == H("FFDD00040064") + H("FFDA000C03010002110311003F00")
    sof = h.index(H("FFC0"))
    assert h[sof:sof + 19] == H("FFC0001108004000400301110002110103 1102".replace(" ", ""))
    for bits in ("00010501010101010100000000000000", "00030101010101010101010000000000",
                 "0002010303020403050504040000017D", "00020102040403040705040400010277"):
        assert H(bits) in h


LUMA = {
    1: "80 55 60 70 60 50 80 70 65 70 90 85 80 95 120 200 130 120 110 110 120 245 175 185 145 200" + " 255" * 38,
    5: "16 11 12 14 12 10 16 14 13 14 18 17 16 19 24 40 26 24 22 22 24 49 35 37 29 40 58 51 61 60 57 51 "
       "56 55 64 72 92 78 64 68 87 69 55 56 80 109 81 87 95 98 103 104 103 62 77 113 121 112 100 120 92 101 103 99",
    7: "10 7 7 8 7 6 10 8 8 8 11 10 10 11 14 24 16 14 13 13 14 29 21 22 17 24 35 31 37 36 34 31 34 33 38 43 "
       "55 47 38 41 52 41 33 34 48 65 49 52 57 59 62 62 62 37 46 68 73 67 60 72 55 61 62 59",
    9: "3 2 2 3 2 2 3 3 3 3 4 3 3 4 5 8 5 5 4 4 5 10 7 7 6 8 12 10 12 12 11 10 11 11 13 14 18 16 13 14 17 "
       "14 11 11 16 22 16 17 19 20 21 21 21 12 15 23 24 22 20 24 18 20 21 20",
    10: " ".join(["1"] * 64),
}
CHROMA = {
    1: "85 90 90 120 105 120 235 130 130 235" + " 255" * 54,
    2: "43 45 45 60 53 60 118 65 65 118 248 165 140 165" + " 248" * 50,
    7: "10 11 11 14 13 14 28 16 16 28 59 40 34 40" + " 59" * 50,
}


@pytest.mark.parametrize("level", sorted(LUMA))
def test_luma_tables(level):
    assert list(jt.dqt_tables(level)[0]) == [int(x) for x in LUMA[level].split()]


@pytest.mark.parametrize("level", sorted(CHROMA))
def test_chroma_tables(level):
    assert list(jt.dqt_tables(level)[1]) == [int(x) for x in CHROMA[level].split()]


def test_vendor_q60_luma_quirk():
    nat = "13 9 8 13 19 32 41 49 10 10 11 15 21 46 48 44 11 10 13 19 32 46 55 45 11 14 18 23 41 70 64 50 " \
          "14 18 30 45 54 87 82 62 19 28 44 51 65 83 90 74 39 51 62 70 82 97 96 81 58 74 76 78 90 80 82 79"
    assert list(jt.dqt_tables(6, vendor_q60_quirk=True)[0]) == [int(x) for x in nat.split()]
    assert sorted(jt.dqt_tables(6)[0]) == sorted(int(x) for x in nat.split())


def test_default_level_is_q70():
    assert jt.DEFAULT_LEVEL == 7 and jt.quality_for_level(jt.DEFAULT_LEVEL) == 70
