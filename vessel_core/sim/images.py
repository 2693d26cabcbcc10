"""Firmware images the emulated chassis recognises [INF].

A real ``.hpm`` carries its component and version in a binary header the fact sheets do not
describe. The emulator accepts any file (the HMM web API's file-name rules apply, see
``sim/hmm/upgrade.py``) and, when the file starts with this header, takes the component and
version from it instead of from the file name::

    VESSEL-FW 1\\n                 magic and format version
    component: <c>\\n              hmm | switch | ibmc | bios | cpld
    version: <v>\\n                the version the image installs (no chip prefix): 6.10
    \\n                            a blank line ends the header (at most 512 bytes)
    <payload>                     anything; make_image writes deterministic filler

``vessel-sim make-image --component C --version V --out FILE`` writes one, so a user's CI can
run rollouts against the emulator.
"""
from __future__ import annotations

import hashlib

MAGIC = b"VESSEL-FW 1\n"
HEADER_MAX = 512
COMPONENTS = ("hmm", "switch", "ibmc", "bios", "cpld")
#: the upload page kind (``smm`` / ``swi`` / ``blade``) an image of each component belongs to
PAGE_KIND = {"hmm": "smm", "switch": "swi", "ibmc": "blade", "bios": "blade", "cpld": "blade"}


def make_image(component: str, version: str, *, size: int = 4096) -> bytes:
    if component not in COMPONENTS:
        raise ValueError(f"component {component!r} is not one of {', '.join(COMPONENTS)}")
    if not version or any(c in version for c in "\r\n:"):
        raise ValueError(f"version {version!r} must be one line without ':'")
    head = MAGIC + f"component: {component}\nversion: {version}\n\n".encode()
    seed = hashlib.sha256(head).digest()
    filler = (seed * (size // len(seed) + 1))[: max(0, size - len(head))]
    return head + filler


def read_header(data: bytes) -> dict[str, str] | None:
    """``{"component": ..., "version": ...}`` from an image's first bytes, None without one."""
    if not data.startswith(MAGIC):
        return None
    end = data.find(b"\n\n", 0, HEADER_MAX)
    if end < 0:
        return None
    fields: dict[str, str] = {}
    for line in data[len(MAGIC):end].decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    if fields.get("component") not in COMPONENTS or not fields.get("version"):
        return None
    return fields
