"""Switch fixtures: an emulated chassis in a background thread, a terraform workspace wired to it.

The emulator runs its own asyncio loop in a thread so that the blocking terraform subprocess
calls of a test never stall it; ``emulator.call`` runs a function on that loop (changes "by hand").
"""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tfharness import TfWorkspace, required_providers, tf_env, write_dev_overrides
from vessel_core.safety import AuditLog, SnapshotStore
from vessel_core.sim.testing import EmulatorThread
from vessel_core.sim.vrp.render import configuration
from vessel_core.switchops import parse_view

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "registry.terraform.io/popsolutions/vessel"
REQUIRED = required_providers(vessel="popsolutions/vessel") + 'provider "vessel" {}\n'


class SwitchEmulator(EmulatorThread):
    """The emulated chassis on its own loop, with readers for a switch's running configuration."""

    def switch(self, slot: int = 2) -> Any:
        return self.emu.state.switches[slot].vrp

    def running_text(self, slot: int = 2) -> str:
        return self.call(lambda: configuration(self.switch(slot), self.switch(slot).running))

    def view(self, slot: int = 2) -> Any:
        return parse_view(self.running_text(slot))


class SwitchWorkspace(TfWorkspace):
    def __init__(self, tf_bin: str, root: Path, emu: SwitchEmulator, **settings: str) -> None:
        super().__init__(tf_bin, root, "VESSEL_TEST_MARK", "vessel-switch-e2e")
        self.emu = emu
        cli_config, _ = write_dev_overrides(root, ADDRESS, [sys.executable, "-m", "tfprovider.main"])
        self.snapshot_dir = root / "snapshots"
        self.audit_path = root / "audit.jsonl"
        info = emu.info
        self.env = tf_env(
            cli_config, drop=("TF_", "PLUGIN_", "VESSEL_"),
            PYTHONPATH=str(REPO),
            VESSEL_ENDPOINT=info["hmm"]["url"],
            VESSEL_USERNAME=info["hmm"]["username"],
            VESSEL_PASSWORD=info["hmm"]["password"],
            VESSEL_CA_CERT=info["ca_cert"],
            VESSEL_SSH_PORT=str(info["ssh"]["port"]),
            VESSEL_SSH_HOST_KEY_FINGERPRINT=emu.emu._ssh.host_key_fingerprint,
            VESSEL_SNAPSHOT_DIR=str(self.snapshot_dir),
            VESSEL_AUDIT_LOG=str(self.audit_path),
            VESSEL_WATCHDOG_DEADLINE="5s",
            VESSEL_REQUEST_TIMEOUT="10s",
            VESSEL_TEST_MARK=self.mark,
            **settings,
        )

    def write(self, body: str) -> None:
        (self.dir / "main.tf").write_text(REQUIRED + textwrap.dedent(body))

    def apply(self, *args: str, expect: int | tuple[int, ...] = 0) -> Any:
        return self.tf("apply", "-auto-approve", *args, expect=expect)

    def state(self) -> dict:
        return json.loads(self.tf("show", "-json").stdout)

    def audit(self) -> list[dict]:
        return AuditLog(self.audit_path).read()

    def verify_snapshots(self) -> list[str]:
        store = SnapshotStore(self.snapshot_dir)
        ids = store.list()
        for sid in ids:
            store.verify(sid)
        return ids


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
