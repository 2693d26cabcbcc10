"""Fixtures for the emulated chassis (HTTPS side); helpers live in sim_web_helpers.py."""
from __future__ import annotations

from vessel_core.sim.testing import sim  # noqa: F401  (fixture)
