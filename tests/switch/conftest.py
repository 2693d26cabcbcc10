"""Switch fixtures: an emulated chassis in a background thread, a terraform workspace wired to it.

The emulator runs its own asyncio loop in a thread so that the blocking terraform subprocess
calls of a test never stall it; ``emulator.call`` runs a function on that loop (changes "by hand").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

from vessel_core.sim.testing import EmulatorThread
from vessel_core.sim.vrp.render import configuration
from vessel_core.switchops import parse_view


class SwitchEmulator(EmulatorThread):
    """The emulated chassis on its own loop, with readers for a switch's running configuration."""

    def switch(self, slot: int = 2) -> Any:
        return self.emu.state.switches[slot].vrp

    def running_text(self, slot: int = 2) -> str:
        return self.call(lambda: configuration(self.switch(slot), self.switch(slot).running))

    def view(self, slot: int = 2) -> Any:
        return parse_view(self.running_text(slot))


class SwitchWorkspace(VesselWorkspace):
    def __init__(self, tf_bin: str, root: Path, emu: SwitchEmulator, **settings: str) -> None:
        super().__init__(tf_bin, root, emu, "vessel-switch-e2e", **settings)


@pytest.fixture(params=["vrp5", "vrp8"])
def flavour(request: Any) -> str:
    return request.param


@pytest.fixture
def emulator(tmp_path: Path, flavour: str) -> Any:
    with SwitchEmulator(tmp_path, vrp=flavour) as emu:
        yield emu


@pytest.fixture
def sws(tf_bin: str, tmp_path: Path, emulator: SwitchEmulator) -> Any:
    w = SwitchWorkspace(tf_bin, tmp_path, emulator)
    yield w
    w.assert_no_providers_left()
