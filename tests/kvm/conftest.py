from __future__ import annotations

import pytest

from vessel_core.drivers.kvm import KvmTiming
from vessel_core.sim.emulator import Emulator, EmulatorOptions


@pytest.fixture
async def emu(tmp_path):
    e = Emulator(tmp_path / "state", EmulatorOptions(seed=1))
    await e.start()
    try:
        yield e
    finally:
        await e.stop()


@pytest.fixture
def fast_timing() -> KvmTiming:
    """The live sequence without the 0.5 s warm-up gaps (the emulator does not need them)."""
    return KvmTiming(smm_warmup_interval=0.0, reply_timeout=5.0)
