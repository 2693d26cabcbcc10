"""Staging: an image read, checked against the operator's SHA-256 and against its own header,
before any activation starts.

The header (documented with the emulator, ``vessel_core/sim/images.py``) names the component
and version an image installs. An image without one (a vendor ``.hpm``, whose binary header the
fact sheets do not describe) is taken on the operator's word and its SHA-256 alone [INF].
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from vessel_core.errors import ValidationError
from vessel_core.firmware.model import compare_versions

_HEADER = re.compile(rb"\AVESSEL-FW 1\ncomponent: *(?P<c>[a-z]+)\nversion: *(?P<v>[^\n]+)\n\n")


@dataclass(frozen=True)
class Image:
    component: str
    version: str
    filename: str
    sha256: str
    data: bytes = b""
    #: what the image says of itself (None: no header)
    header: tuple[str, str] | None = None


def header_of(data: bytes) -> tuple[str, str] | None:
    m = _HEADER.match(data[:512])
    return (m.group("c").decode(), m.group("v").decode().strip()) if m else None


def _read(source: str) -> bytes:
    path = source[len("file://"):] if source.startswith("file://") else source
    if "://" in path:
        raise ValidationError(f"image: {source!r}: only local paths and file:// are read [INF]", field="image",
                              operation="firmware.stage")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"image: cannot read {source!r}: {exc.strerror or exc}", field="image",
                              operation="firmware.stage") from None


def stage(source: str, component: str, version: str, sha256: str | None) -> Image:
    """Read ``source`` and check it; :class:`ValidationError` naming the field at fault."""
    data = _read(source)
    digest = hashlib.sha256(data).hexdigest()
    if sha256 and sha256.lower() != digest:
        raise ValidationError(f"sha256: {Path(source).name} has SHA-256 {digest}, not {sha256.lower()}",
                              field="sha256", operation="firmware.stage")
    head = header_of(data)
    if head is not None:
        if head[0] != component:
            raise ValidationError(f"image: {Path(source).name} is a {head[0]} image, not {component}",
                                  field="image", operation="firmware.stage")
        if compare_versions(head[1], version) != 0:
            raise ValidationError(f"version: {Path(source).name} installs {head[1]}, not {version}",
                                  field="version", operation="firmware.stage")
    return Image(component, version, Path(source).name or "image.hpm", digest, data, head)
