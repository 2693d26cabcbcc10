"""Fixtures for the screenshot data source end to end: the real terraform binary launches the
vessel provider (dev_overrides), which captures consoles from an emulated chassis.

The emulator runs in this test process, on an event loop of its own in a background thread, so
the tests can read the framebuffers it streams and change blade power while terraform (a
blocking subprocess) talks to it over loopback. Each workspace has its own CLI config and
launcher; after each test no provider process started for it may remain.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest
from tfharness import TfWorkspace, required_providers, tf_env, write_dev_overrides

from vessel_core.sim.emulator import Emulator
from vessel_core.sim.testing import EmulatorThread

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "registry.terraform.io/popsolutions/vessel"
PASSWORD = "Kvm-e2e-Secret-7d41"          # the chassis root password; must never show up in logs

REQUIRED = required_providers(vessel=ADDRESS) + """
variable "password" {
  type      = string
  sensitive = true
}
"""


class ThreadedEmulator(EmulatorThread):
    """The emulated chassis on a private event loop in a daemon thread."""

    def __init__(self, state_dir: Path) -> None:
        super().__init__(state_dir, seed=1, password=PASSWORD, max_web_sessions=64)

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 10.0) -> Any:
        """Run ``fn(emulator, *args)`` on the emulator's loop (state is only touched from there)."""
        return super().call(fn, self.emu, *args, timeout=timeout)

    def set_power(self, **slots: str) -> None:
        def apply(emu: Emulator) -> None:
            for slot, state in slots.items():
                emu.state.blades[int(slot.lstrip("s"))].power_state = state
        self.call(apply)

    def framebuffer_rgb(self, slot: int) -> Any:
        return self.call(lambda emu: emu.kvm_server.framebuffer_rgb(slot).copy())

    def web_logins(self) -> set[str]:
        return self.call(lambda emu: {s.sessid for s in emu.web_sessions.logged_in()})


class Workspace(TfWorkspace):
    def __init__(self, tf_bin: str, root: Path, emu: ThreadedEmulator) -> None:
        super().__init__(tf_bin, root, "KVM_E2E_MARK", "kvm-e2e")
        self.emu = emu
        cli, _ = write_dev_overrides(root, ADDRESS, [sys.executable, "-m", "tfprovider.main"])
        self.env = tf_env(cli, drop=("TF_", "VESSEL_", "PLUGIN_"),
                          TF_VAR_password=PASSWORD, PYTHONPATH=str(REPO), KVM_E2E_MARK=self.mark)

    def provider_block(self, **overrides: str) -> str:
        hmm = self.emu.info["hmm"]
        attrs = {"endpoint": f'"https://{hmm["host"]}:{hmm["port"]}"', "username": f'"{hmm["username"]}"',
                 "password": "var.password", "ca_cert": f'"{self.emu.info["ca_cert"]}"', **overrides}
        body = "\n".join(f"  {k} = {v}" for k, v in attrs.items())
        return f'provider "vessel" {{\n{body}\n}}\n'

    def write(self, body: str, **provider: str) -> None:
        (self.dir / "main.tf").write_text(REQUIRED + self.provider_block(**provider) + textwrap.dedent(body))

    def line_of(self, needle: str) -> int:
        lines = (self.dir / "main.tf").read_text().splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.fixture(scope="module")
def chassis(tmp_path_factory: pytest.TempPathFactory) -> Any:
    emu = ThreadedEmulator(tmp_path_factory.mktemp("kvm-e2e-sim"))
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture
def ws(tf_bin: str, tmp_path: Path, chassis: ThreadedEmulator) -> Any:
    w = Workspace(tf_bin, tmp_path, chassis)
    yield w
    w.assert_no_providers_left()
