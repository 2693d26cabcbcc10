"""Helpers for the chassis facade tests: one emulator per test module and profile, with
switch 2 speaking VRP5 (immediate apply) and switch 3 VRP8 (two-stage commit)."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any, AsyncIterator

from vessel_core.chassis import Chassis
from vessel_core.drivers.redfish import RetryPolicy
from vessel_core.sim.ssh.server import runtime as sim_ssh_runtime
from vessel_core.sim.testing import start_emulator

PROFILES = ["legacy", "modern"]
VRP_BY_SLOT = {2: "vrp5", 3: "vrp8"}
FAST_RETRY = RetryPolicy(attempts=6, base=0.01, cap=0.05)


def ssh_fingerprint(emu: Any) -> str:
    info = emu.info.get("ssh") or {}
    return info.get("host_key_fingerprint") or emu._ssh.host_key_fingerprint


def chassis_for(emu: Any, **kw: Any) -> Chassis:
    h = emu.info["hmm"]
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("timeout", 15.0)
    kw.setdefault("read_cache_ttl", 30.0)
    kw.setdefault("task_poll_interval", 0.05)
    return Chassis.connect(h["url"], h["username"], h["password"], ca_cert=emu.info["ca_cert"],
                           ssh_host_keys=ssh_fingerprint(emu), ssh_port=emu.info["ssh"]["port"],
                           ibmc_endpoints=emu.info["ibmc"], **kw)


@contextlib.asynccontextmanager
async def emulator(profile: str, **kw: Any) -> AsyncIterator[Any]:
    with tempfile.TemporaryDirectory(prefix="vessel-chassis-") as tmp:
        async with start_emulator(Path(tmp), profile=profile, vrp=dict(VRP_BY_SLOT), **kw) as emu:
            # the real swiconfexport takes ~6 s; tests only need its outcome
            sim_ssh_runtime(emu).swiconfexport_delay_s = 0.05
            yield emu
