"""Fixtures for the emulated chassis' SSH side.

``FakeEmulator`` carries exactly what the SSH services read from an emulator: ``state``,
``faults``, ``timing``, ``state_dir`` and ``changed()``.
"""
from __future__ import annotations

import pytest

from vessel_core.sim.faults import Faults
from vessel_core.sim.ssh import start_ssh, start_switch_ssh
from vessel_core.sim.state import build_state
from vessel_core.sim.timing import Timing


class FakeEmulator:
    def __init__(self, state_dir, vrp: str = "vrp8") -> None:
        self.state = build_state(seed=7, vrp=vrp)
        self.faults = Faults()
        self.timing = Timing.fast()
        self.state_dir = state_dir
        self.changes = 0

    def changed(self) -> None:
        self.changes += 1


@pytest.fixture
def emulator(tmp_path):
    return FakeEmulator(tmp_path / "state")


@pytest.fixture
def emulator_vrp5(tmp_path):
    return FakeEmulator(tmp_path / "state", vrp="vrp5")


@pytest.fixture
async def hmm(emulator):
    ep = await start_ssh(emulator, "127.0.0.1", 0, swiconfexport_delay_s=0.05, ibmc_lockout_s=1.0)
    yield ep
    await ep.close()


@pytest.fixture
async def swi2(emulator):
    ep = await start_switch_ssh(emulator, 2, "127.0.0.1", 0)
    yield ep
    await ep.close()

