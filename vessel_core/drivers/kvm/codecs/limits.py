"""Bounds every decoder enforces before it allocates anything sized by peer data."""
from __future__ import annotations

from ..errors import KvmDecodeError

MAX_WIDTH = 4096
MAX_HEIGHT = 4096
#: 3840×2160 fits; a frame larger than this is treated as garbage.
MAX_PIXELS = 1 << 23


def check_dimensions(width: int, height: int) -> None:
    """Raise :class:`KvmDecodeError` unless ``width``×``height`` is a plausible screen."""
    if not (1 <= width <= MAX_WIDTH and 1 <= height <= MAX_HEIGHT) or width * height > MAX_PIXELS:
        raise KvmDecodeError(f"frame size {width}x{height} outside 1..{MAX_WIDTH}x1..{MAX_HEIGHT}")
