"""Switch fixtures: an emulated chassis in a background thread, a terraform workspace wired to it.

The emulator runs its own asyncio loop in a thread so that the blocking terraform subprocess
calls of a test never stall it; ``emu_call`` runs a function on that loop (changes "by hand").
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from vessel_core.safety import AuditLog, SnapshotStore
from vessel_core.sim.testing import start_emulator
from vessel_core.sim.vrp.render import configuration
from vessel_core.switchops import parse_view

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "registry.terraform.io/popsolutions/vessel"
REQUIRED = """
terraform {
  required_providers {
    vessel = { source = "popsolutions/vessel" }
  }
}
provider "vessel" {}
"""


class EmulatorThread:
    def __init__(self, state_dir: Path, **kw: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.emu: Any = None
        self._thread = threading.Thread(target=self._main, args=(state_dir, kw), daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("emulator did not start")
        if self._error:
            raise self._error

    def _main(self, state_dir: Path, kw: dict) -> None:
        asyncio.set_event_loop(self.loop)

        async def run() -> None:
            self._stop = asyncio.Event()
            try:
                async with start_emulator(state_dir, **kw) as emu:
                    self.emu = emu
                    self._ready.set()
                    await self._stop.wait()
            except BaseException as exc:  # noqa: BLE001
                self._error = exc
                self._ready.set()

        self.loop.run_until_complete(run())
        self.loop.close()

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the emulator's loop and return its result."""
        async def wrap() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(10)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    # ---- helpers
    def switch(self, slot: int = 2) -> Any:
        return self.emu.state.switches[slot].vrp

    def running_text(self, slot: int = 2) -> str:
        return self.call(lambda: configuration(self.switch(slot), self.switch(slot).running))

    def view(self, slot: int = 2) -> Any:
        return parse_view(self.running_text(slot))


class SwitchWorkspace:
    def __init__(self, tf_bin: str, root: Path, emu: EmulatorThread, **settings: str) -> None:
        self.tf_bin = tf_bin
        self.root = root
        self.emu = emu
        self.dir = root / "work"
        self.dir.mkdir()
        bin_dir = root / "bin"
        bin_dir.mkdir()
        launcher = bin_dir / "terraform-provider-vessel"
        launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tfprovider.main "$@"\n')
        launcher.chmod(0o755)
        (root / "cli.tfrc").write_text(
            f'provider_installation {{\n  dev_overrides {{ "{ADDRESS}" = "{bin_dir}" }}\n  direct {{}}\n}}\n')
        self.snapshot_dir = root / "snapshots"
        self.audit_path = root / "audit.jsonl"
        self.mark = f"vessel-switch-e2e-{os.getpid()}-{root.name}"
        info = emu.emu.info
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "TF_CLI_CONFIG_FILE": str(root / "cli.tfrc"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "VESSEL_ENDPOINT": info["hmm"]["url"],
            "VESSEL_USERNAME": info["hmm"]["username"],
            "VESSEL_PASSWORD": info["hmm"]["password"],
            "VESSEL_CA_CERT": info["ca_cert"],
            "VESSEL_SSH_PORT": str(info["ssh"]["port"]),
            "VESSEL_SSH_HOST_KEY_FINGERPRINT": emu.emu._ssh.host_key_fingerprint,
            "VESSEL_SNAPSHOT_DIR": str(self.snapshot_dir),
            "VESSEL_AUDIT_LOG": str(self.audit_path),
            "VESSEL_WATCHDOG_DEADLINE": "5s",
            "VESSEL_REQUEST_TIMEOUT": "10s",
            "VESSEL_TEST_MARK": self.mark,
            **settings,
        }
        for k in ("TF_LOG", "TF_LOG_PATH", "TF_DISABLE_PLUGIN_TLS", "TF_REATTACH_PROVIDERS"):
            self.env.pop(k, None)

    def write(self, body: str) -> None:
        (self.dir / "main.tf").write_text(REQUIRED + textwrap.dedent(body))

    def tf(self, *args: str, expect: int | tuple[int, ...] = 0) -> subprocess.CompletedProcess:
        flags = ["-no-color"]
        if args[0] in ("plan", "apply", "destroy", "import", "refresh"):
            flags.append("-input=false")
        if args[0] in ("state", "output", "show"):
            flags = [] if args[0] == "state" else ["-no-color"]
            args = (*args[:2], *flags, *args[2:]) if args[0] == "state" else args
            flags = [] if args[0] == "state" else flags
        cmd = [self.tf_bin, args[0], *flags, *args[1:]]
        p = subprocess.run(cmd, cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=180)
        codes = expect if isinstance(expect, tuple) else (expect,)
        assert p.returncode in codes, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def apply(self, *args: str, expect: int | tuple[int, ...] = 0) -> subprocess.CompletedProcess:
        return self.tf("apply", "-auto-approve", *args, expect=expect)

    def assert_no_changes(self) -> None:
        p = self.tf("plan", "-detailed-exitcode", expect=(0, 2))
        assert p.returncode == 0, f"second plan is not empty:\n{p.stdout}"

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

    def provider_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"VESSEL_TEST_MARK={self.mark}".encode() in environ.split(b"\0"):
                pids.append(int(entry.name))
        return pids


@pytest.fixture(params=["vrp5", "vrp8"])
def flavour(request: Any) -> str:
    return request.param


@pytest.fixture
def emulator(tmp_path: Path, flavour: str) -> Any:
    emu = EmulatorThread(tmp_path / "sim", vrp=flavour)
    yield emu
    emu.stop()


@pytest.fixture
def sws(tf_bin: str, tmp_path: Path, emulator: EmulatorThread) -> Any:
    w = SwitchWorkspace(tf_bin, tmp_path, emulator)
    yield w
    deadline = time.monotonic() + 5
    while w.provider_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.provider_pids() == [], "provider processes left behind"
