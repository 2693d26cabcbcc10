"""BGR233 → RGB expansion (Pillow palette path) against the plain lookup table."""
from __future__ import annotations

import numpy as np
import pytest

from vessel_core.drivers.kvm.codecs.oldrle import BGR233_TO_RGB, bgr233_to_rgb


@pytest.mark.parametrize("shape", [(768, 1024), (1024, 1280), (7,), (3, 4, 5), (1, 1), (0,), (2, 0)])
def test_matches_lookup_table_for_every_shape(shape):
    px = np.random.default_rng(len(shape)).integers(0, 256, shape, dtype=np.uint8)
    out = bgr233_to_rgb(px)
    assert out.shape == shape + (3,) and out.dtype == np.uint8
    assert np.array_equal(out, BGR233_TO_RGB[px])
    assert out.flags.writeable and not np.shares_memory(out, px)


def test_strided_and_wide_dtypes():
    px = np.random.default_rng(9).integers(0, 256, (64, 96), dtype=np.uint8)
    assert np.array_equal(bgr233_to_rgb(px[:, ::3]), BGR233_TO_RGB[px[:, ::3]])
    assert np.array_equal(bgr233_to_rgb(np.arange(256, dtype=np.int64)), BGR233_TO_RGB)
    out = bgr233_to_rgb(px)
    out[0, 0] = (1, 2, 3)                      # a private copy: writing does not touch the table
    assert tuple(bgr233_to_rgb(px)[0, 0]) == tuple(BGR233_TO_RGB[px[0, 0]])
