"""The synthetic JPEG header of tiled-codec JPEG tiles (fact sheet §3.3.4, §3.3.5).

The server sends only the entropy-coded scan of a 64×64, 4:4:4, baseline JPEG; the client
prepends a fixed 698-byte header (JFIF APP0, three DQT, SOF0, the four ITU-T T.81 Annex K
Huffman tables, DRI 100, SOS) and appends EOI. The quantisation tables are the IJG-scaled
Annex K tables for quality ``Q = 10·L``, ``L`` being the level nibble of the frame header.
"""
from __future__ import annotations

from functools import lru_cache

# Annex K base tables, natural (row-major) order.
BASE_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99)
BASE_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99)
# ZIGZAG[k] = natural index of the k-th coefficient in zig-zag order.
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63)

#: Level the firmware uses until told otherwise (rack iBMC sent L = 7 and reported quality 70).
DEFAULT_LEVEL = 7

# Annex K Huffman specifications: (class/id byte, BITS, HUFFVAL).
_DC_LUMA = (0x00, bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), bytes(range(12)))
_DC_CHROMA = (0x01, bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), bytes(range(12)))
_AC_LUMA = (0x10, bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]), bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
    "838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
    "d2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"))
_AC_CHROMA = (0x11, bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]), bytes.fromhex(
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f1"
    "1718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a7374757677"
    "78797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6"
    "c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa"))


def quality_for_level(level: int) -> int:
    if not 1 <= level <= 10:
        raise ValueError(f"JPEG level {level} outside 1..10")
    return 10 * level


def scaled_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """IJG scaling of an Annex K table, returned in zig-zag (DQT) order."""
    s = 5000 // quality if quality < 50 else 200 - 2 * quality
    nat = [min(255, max(1, (b * s + 50) // 100)) for b in base]
    return tuple(nat[z] for z in ZIGZAG)


def dqt_tables(level: int, *, vendor_q60_quirk: bool = False) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(luma, chroma) tables in DQT order for header level ``level``.

    With ``vendor_q60_quirk`` the level-6 luma table is written in natural order, as the
    vendor's decoder class stores it (the UI never offers quality 60).
    """
    q = quality_for_level(level)
    luma = scaled_table(BASE_LUMA, q)
    if vendor_q60_quirk and level == 6:
        s = 200 - 2 * q
        luma = tuple(min(255, max(1, (b * s + 50) // 100)) for b in BASE_LUMA)
    return luma, scaled_table(BASE_CHROMA, q)


def _dht(spec: tuple[int, bytes, bytes]) -> bytes:
    tc, bits, vals = spec
    body = bytes([tc]) + bits + vals
    return b"\xff\xc4" + (len(body) + 2).to_bytes(2, "big") + body


@lru_cache(maxsize=64)
def jpeg_header(level: int = DEFAULT_LEVEL, tiles: int = 1, *, vendor_q60_quirk: bool = False) -> bytes:
    """The header for ``tiles`` 64×64 tiles stacked vertically (``tiles=1``: the sheet's 698 bytes).

    For ``tiles > 1`` the image is 64 wide and 64·tiles high with a restart interval of one tile
    (64 MCUs), so tile scans separated by RST markers form one valid JPEG.
    """
    if not 1 <= tiles <= 1023:
        raise ValueError("tiles must be 1..1023")
    luma, chroma = dqt_tables(level, vendor_q60_quirk=vendor_q60_quirk)
    out = bytearray(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    for tq, table in ((0, luma), (1, chroma), (2, chroma)):
        out += b"\xff\xdb\x00\x43" + bytes([tq]) + bytes(table)
    out += b"\xff\xc0\x00\x11\x08" + (64 * tiles).to_bytes(2, "big") + b"\x00\x40\x03\x01\x11\x00\x02\x11\x01\x03\x11\x02"
    for spec in (_DC_LUMA, _DC_CHROMA, _AC_LUMA, _AC_CHROMA):
        out += _dht(spec)
    out += b"\xff\xdd\x00\x04" + (100 if tiles == 1 else 64).to_bytes(2, "big")
    out += b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return bytes(out)


EOI = b"\xff\xd9"
