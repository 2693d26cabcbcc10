"""Fixtures for the screenshot data source end to end: the real terraform binary launches the
vessel provider (dev_overrides), which captures consoles from an emulated chassis.

The emulator runs in this test process, on an event loop of its own in a background thread, so
the tests can read the framebuffers it streams and change blade power while terraform (a
blocking subprocess) talks to it over loopback. Each workspace has its own CLI config and
launcher; after each test no provider process started for it may remain.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from vessel_core.sim.emulator import Emulator, EmulatorOptions
from vessel_core.sim.timing import Timing

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "registry.terraform.io/popsolutions/vessel"
PASSWORD = "Kvm-e2e-Secret-7d41"          # the chassis root password; must never show up in logs

REQUIRED = f"""
terraform {{
  required_providers {{
    vessel = {{ source = "{ADDRESS}" }}
  }}
}}

variable "password" {{
  type      = string
  sensitive = true
}}
"""


class ThreadedEmulator:
    """An :class:`Emulator` serving from a private event loop in a daemon thread."""

    def __init__(self, state_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kvm-e2e-emulator", daemon=True)
        self.thread.start()
        self.emu = Emulator(state_dir, EmulatorOptions(seed=1, password=PASSWORD, max_web_sessions=64),
                            timing=Timing.fast())
        self.info = self.run(self.emu.start())

    def run(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[Emulator], Any]) -> Any:
        """Run ``fn(emulator)`` on the emulator's loop (state is only touched from there)."""
        async def go() -> Any:
            return fn(self.emu)
        return self.run(go())

    def set_power(self, **slots: str) -> None:
        def apply(emu: Emulator) -> None:
            for slot, state in slots.items():
                emu.state.blades[int(slot.lstrip("s"))].power_state = state
        self.call(apply)

    def framebuffer_rgb(self, slot: int) -> Any:
        return self.call(lambda emu: emu.kvm_server.framebuffer_rgb(slot).copy())

    def web_logins(self) -> set[str]:
        return self.call(lambda emu: {s.sessid for s in emu.web_sessions.logged_in()})

    def close(self) -> None:
        try:
            self.run(self.emu.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


class Workspace:
    def __init__(self, tf_bin: str, root: Path, emu: ThreadedEmulator) -> None:
        self.tf_bin = tf_bin
        self.root = root
        self.emu = emu
        self.dir = root / "work"
        self.dir.mkdir()
        bindir = root / "bin"
        bindir.mkdir()
        launcher = bindir / "terraform-provider-vessel"
        # exec: the Python process is terraform's own child (signals, exit, nothing orphaned)
        launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tfprovider.main "$@"\n')
        launcher.chmod(0o755)
        cli = root / "cli.tfrc"
        cli.write_text(f'provider_installation {{\n  dev_overrides {{ "{ADDRESS}" = "{bindir}" }}\n  direct {{}}\n}}\n')
        self.mark = f"kvm-e2e-{os.getpid()}-{root.name}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "VESSEL_", "PLUGIN_"))}
        self.env.update(
            TF_CLI_CONFIG_FILE=str(cli), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
            TF_VAR_password=PASSWORD, PYTHONPATH=str(REPO), KVM_E2E_MARK=self.mark,
        )

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

    def tf(self, *args: str, expect: int | tuple[int, ...] = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        flags = [] if args[0] in ("output", "version") else ["-no-color"]
        if args[0] in ("plan", "apply", "destroy", "refresh"):
            flags.append("-input=false")
        cmd = [self.tf_bin, args[0], *flags, *args[1:]]
        p = subprocess.run(cmd, cwd=self.dir, env={**self.env, **(env or {})}, capture_output=True, text=True,
                           timeout=180, stdin=subprocess.DEVNULL)
        codes = expect if isinstance(expect, tuple) else (expect,)
        assert p.returncode in codes, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def provider_pids(self) -> list[int]:
        pids = []
        needle = f"KVM_E2E_MARK={self.mark}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ.split(b"\0"):
                pids.append(int(entry.name))
        return pids


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
    deadline = time.monotonic() + 5
    while w.provider_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.provider_pids() == [], "provider processes left behind"
