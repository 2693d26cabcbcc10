"""Session key material and AES payloads (fact sheet §2.3, §2.4, §2.9, §2.10)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PBKDF2_ITERATIONS = 5000
_INPUT_KEY_TAIL = bytes.fromhex("050607080102030405060708")


def group_reverse(b: bytes) -> bytes:
    """Reverse each 4-byte group (the wire form of every derived value)."""
    if len(b) % 4:
        raise ValueError("length must be a multiple of 4")
    return b"".join(b[i:i + 4][::-1] for i in range(0, len(b), 4))


@dataclass(frozen=True)
class SessionKeys:
    session_id: bytes    # 24 B, wire form (SMM channel, securekvm=1)
    kvm_key: bytes       # 16 B, wire form: AES key for REQ_BLADE_STATE_TRANS
    kbd_key: bytes       # 16 B, wire form (24-byte-session blade thread only)
    vmm_key: bytes       # 16 B, wire form: AES IV for REQ_BLADE_STATE_TRANS

    def __repr__(self) -> str:           # never print key material
        return "SessionKeys(<redacted>)"


def derive_keys(verifyvalue: int, secretiv: bytes) -> SessionKeys:
    """PBKDF2-HMAC-SHA1(ASCII decimal verifyvalue, secretiv, 5000, 72) split and group-reversed."""
    if len(secretiv) != 16:
        raise ValueError("secretiv must be 16 bytes")
    dk = hashlib.pbkdf2_hmac("sha1", str(verifyvalue).encode("ascii"), secretiv, PBKDF2_ITERATIONS, 72)
    return SessionKeys(group_reverse(dk[0:24]), group_reverse(dk[24:40]),
                       group_reverse(dk[40:56]), group_reverse(dk[56:72]))


def _pad16(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 16)


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-128-CBC without padding; the plaintext is zero-padded to a multiple of 16."""
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(_pad16(plaintext)) + enc.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    if len(ciphertext) % 16:
        raise ValueError("ciphertext length must be a multiple of 16")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return dec.update(ciphertext) + dec.finalize()


def input_key(verifyvalue: int) -> bytes:
    """Fixed-key path for keyboard/mouse on the blade channel: verifyvalue BE ‖ 05..08 01..08."""
    return (verifyvalue & 0xFFFFFFFF).to_bytes(4, "big") + _INPUT_KEY_TAIL


def encrypt_input(verifyvalue: int, record: bytes) -> bytes:
    return aes_cbc_encrypt(input_key(verifyvalue), b"\x00" * 16, record)


def blade_state_request(keys: SessionKeys, blade: int, share_mode: int, filler: bytes) -> bytes:
    """The 16-byte AES blob of REQ_BLADE_STATE_TRANS: ``[blade, shareMode] + 14 filler bytes``."""
    if len(filler) != 14:
        raise ValueError("filler must be 14 bytes")
    return aes_cbc_encrypt(keys.kvm_key, keys.vmm_key, bytes([blade, share_mode]) + filler)


def mouse_record(buttons: int, x: int, y: int, wheel: int = 0) -> bytes:
    """Absolute mouse record ``[buttons, X(2, BE), Y(2, BE), wheel]``; X/Y in 0..3000."""
    return bytes([buttons & 0xFF]) + x.to_bytes(2, "big") + y.to_bytes(2, "big") + (wheel & 0xFF).to_bytes(1, "big")
