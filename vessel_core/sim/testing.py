"""Start an in-process emulator from any test (random free ports, fast timings).

    from vessel_core.sim.testing import start_emulator, client_for

    async def test_x(tmp_path):
        async with start_emulator(tmp_path, profile="modern", vrp="vrp5") as emu:
            async with client_for(emu) as http:       # httpx client verifying the emulator CA
                r = await http.get(emu.info["hmm"]["redfish"])

A pytest fixture that yields the factory is provided as ``sim`` when this module is listed in
a conftest's ``pytest_plugins`` (or imported into it).

Tests that block while the emulator must keep answering (a ``terraform`` subprocess, a
synchronous client) run it on an event loop of its own in a background thread instead:

    with EmulatorThread(tmp_path, vrp="vrp5") as chassis:   # same arguments as start_emulator
        subprocess.run([...chassis.info["hmm"]["url"]...])
        chassis.call(lambda: chassis.emu.state.blades[1])   # state is only touched on its loop
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

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
                   EmulatorOptions(profile=profile, vrp=vrp, seed=seed, **options),
                   faults=faults, timing=timing or Timing.fast())
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


class EmulatorThread:
    """A started emulator (see :func:`start_emulator`) serving from a private event loop in a
    daemon thread. ``close()`` (or leaving the ``with`` block) stops it and joins the thread."""

    def __init__(self, tmp_path: str | Path, *, start_timeout: float = 30.0, **kw: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="vessel-emulator", daemon=True)
        self._thread.start()
        self._cm = start_emulator(tmp_path, **kw)
        try:
            self.emu: Emulator = self.run(self._cm.__aenter__(), start_timeout)
        except BaseException:
            self._stop_loop()
            raise

    @property
    def info(self) -> dict[str, Any]:
        """The emulator's ready record (addresses, credentials, CA file)."""
        return self.emu.info

    def run(self, coro: Awaitable[Any], timeout: float = 30.0) -> Any:
        """Run a coroutine on the emulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 10.0) -> Any:
        """Run ``fn(*args)`` on the emulator's loop (its state is only touched from there)."""
        async def go() -> Any:
            return fn(*args)
        return self.run(go(), timeout)

    def close(self) -> None:
        try:
            self.run(self._cm.__aexit__(None, None, None))
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()

    def __enter__(self) -> "EmulatorThread":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client_for(emu: Emulator, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client that verifies TLS against the emulator's published CA."""
    assert emu.ca_file is not None, "emulator not started"
    kwargs.setdefault("timeout", 10.0)
    return httpx.AsyncClient(verify=client_context(emu.ca_file), follow_redirects=False, **kwargs)


@pytest.fixture
def sim(tmp_path: Path):
    """Factory fixture: ``async with sim(profile="modern") as emu: ...``."""
    def factory(**kw: Any):
        return start_emulator(tmp_path, **kw)
    return factory
