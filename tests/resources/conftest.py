"""Resource lifecycle tests in process: the provider on the ResourceHarness against an emulator."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import pytest_asyncio

from tfprovider.framework.harness import ResourceHarness
from tfprovider.vessel.provider import VesselProvider
from vessel_core.sim.testing import EmulatorThread, start_emulator


class Lab:
    """An emulator and a harness whose provider block points at it."""

    def __init__(self, emu: Any, root: Path) -> None:
        self.emu, self.root = emu, root
        h = emu.info["hmm"]
        self.audit_path = root / "audit.jsonl"
        self.config = {"endpoint": h["url"], "username": h["username"], "password": h["password"],
                       "ca_cert": emu.info["ca_cert"], "snapshot_dir": str(root / "snapshots"),
                       "audit_log": str(self.audit_path), "watchdog_deadline": "5s", "request_timeout": "15s",
                       "ssh_host_key_fingerprint": emu.info["ssh"]["host_key_fingerprint"],
                       "ssh_port": emu.info["ssh"]["port"],
                       "ibmc_endpoints": {k: v["url"] for k, v in emu.info["ibmc"].items()}}
        self.harness = ResourceHarness(lambda: VesselProvider(environ={}), self.config)

    def with_settings(self, **settings: str) -> ResourceHarness:
        return ResourceHarness(lambda: VesselProvider(environ={}), {**self.config, **settings})

    def audit(self) -> list[dict]:
        if not self.audit_path.exists():
            return []
        return [json.loads(line) for line in self.audit_path.read_text().splitlines() if line.strip()]


@pytest.fixture
def emulator(tmp_path: Path) -> Any:
    """For the real-binary tests: the emulator on its own loop in a thread (terraform blocks)."""
    with EmulatorThread(tmp_path / "emu", profile="modern", max_web_sessions=100) as emu:
        yield emu


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab() -> AsyncIterator[Lab]:
    with tempfile.TemporaryDirectory(prefix="vessel-resources-") as tmp:
        # every walk logs in once and the HMM has no logout: more slots than a real HMM's 10
        async with start_emulator(Path(tmp), profile="modern", max_web_sessions=200) as emu:
            yield Lab(emu, Path(tmp))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def loopback_lab() -> AsyncIterator[Lab]:
    """A lab whose HMM answers at its management addresses (127.0.0.x aliases: the emulator's
    ``mgmt_on_loopback``), its provider pinning the HMM's certificate (a CA-checked name would
    not follow an address change)."""
    import hashlib
    import ssl

    from vessel_core.sim.tls import CERT_FILE

    with tempfile.TemporaryDirectory(prefix="vessel-loopback-") as tmp:
        async with start_emulator(Path(tmp), profile="modern", max_web_sessions=200, mgmt_on_loopback=True) as emu:
            lab = Lab(emu, Path(tmp))
            pem = (emu.state_dir / CERT_FILE).read_text()
            lab.config.pop("ca_cert")
            lab.config["cert_fingerprint"] = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
            lab.harness = lab.with_settings()
            yield lab
