"""Start an in-process emulator from any test (random free ports, fast timings).

    from vessel_core.sim.testing import start_emulator, client_for

    async def test_x(tmp_path):
        async with start_emulator(tmp_path, profile="modern", vrp="vrp5") as emu:
            async with client_for(emu) as http:       # httpx client verifying the emulator CA
                r = await http.get(emu.info["hmm"]["redfish"])

A pytest fixture that yields the factory is provided as ``sim`` when this module is listed in
a conftest's ``pytest_plugins`` (or imported into it).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from vessel_core.sim.emulator import Emulator, EmulatorOptions
from vessel_core.sim.faults import Faults
from vessel_core.sim.timing import Timing
from vessel_core.sim.tls import client_context


@contextlib.asynccontextmanager
async def start_emulator(tmp_path: str | Path, profile: str = "legacy", vrp: Any = "vrp8",
                         seed: int = 0, faults: Faults | dict[str, Any] | None = None,
                         timing: Timing | None = None, **options: Any) -> AsyncIterator[Emulator]:
    """An emulator whose state lives in ``tmp_path/sim`` (reused when started again)."""
    if isinstance(faults, dict):
        faults = Faults.model_validate(faults)
    emu = Emulator(Path(tmp_path) / "sim",
                   EmulatorOptions(profile=profile, vrp=vrp, seed=seed, **options),  # type: ignore[arg-type]
                   faults=faults, timing=timing or Timing.fast())
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


def client_for(emu: Emulator, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client that verifies TLS against the emulator's published CA."""
    assert emu.ca_file is not None, "emulator not started"
    kwargs.setdefault("timeout", 10.0)
    return httpx.AsyncClient(verify=client_context(emu.ca_file), follow_redirects=False, **kwargs)


@pytest.fixture
def sim(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory fixture: ``async with sim(profile="modern") as emu: ...``."""
    def factory(**kw: Any):  # type: ignore[no-untyped-def]
        return start_emulator(tmp_path, **kw)
    return factory
