"""End-to-end fixtures: a throw-away terraform workspace per test, driving the test provider.

Each workspace has its own CLI config, plugin cache, device file and launcher script, so
tests share nothing. After each test no provider process started for it may remain.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "example.com/test/testprov"

REQUIRED = """
terraform {
  required_providers {
    testprov = { source = "example.com/test/testprov" }
  }
}
"""


def _platform() -> str:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{sys.platform}_{arch}"


class Workspace:
    def __init__(self, tf_bin: str, root: Path) -> None:
        self.tf_bin = tf_bin
        self.root = root
        self.dir = root / "work"
        self.dir.mkdir()
        self.device = root / "device.json"
        self.bin = root / "bin"
        self.bin.mkdir()
        self.launcher = self.bin / "terraform-provider-testprov"
        self.launcher.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{REPO}/tests/testprovider/launch.py" "$@"\n'
        )
        self.launcher.chmod(0o755)
        self.cli_config = root / "cli.tfrc"
        self.use_dev_overrides()
        (root / "plugin-cache").mkdir()
        self.mark = f"testprov-e2e-{os.getpid()}-{root.name}"
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_PLUGIN_CACHE_DIR": str(root / "plugin-cache"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TESTPROV_DEVICE": str(self.device),
            "TESTPROV_MARK": self.mark,
        }
        for k in ("TF_LOG", "TF_LOG_PATH", "TF_DISABLE_PLUGIN_TLS", "TF_REATTACH_PROVIDERS"):
            self.env.pop(k, None)

    def use_dev_overrides(self) -> None:
        self.cli_config.write_text(
            f'provider_installation {{\n  dev_overrides {{ "{ADDRESS}" = "{self.bin}" }}\n  direct {{}}\n}}\n'
        )

    def use_filesystem_mirror(self, version: str = "0.1.0") -> Path:
        pkg = self.root / "mirror" / ADDRESS / version / _platform()
        pkg.mkdir(parents=True)
        exe = pkg / "terraform-provider-testprov"
        exe.write_text(self.launcher.read_text())
        exe.chmod(0o755)
        self.cli_config.write_text(
            textwrap.dedent(
                f"""\
                provider_installation {{
                  filesystem_mirror {{
                    path    = "{self.root / 'mirror'}"
                    include = ["example.com/*/*"]
                  }}
                  direct {{ exclude = ["example.com/*/*"] }}
                }}
                """
            )
        )
        return pkg

    def write(self, main_tf: str, name: str = "main.tf") -> None:
        (self.dir / name).write_text(REQUIRED + textwrap.dedent(main_tf))

    def tf(self, *args: str, expect: int | tuple[int, ...] = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        flags = ["-no-color"]
        if args[0] in ("init", "plan", "apply", "destroy", "import", "refresh"):
            flags.append("-input=false")
        if args[0] in ("output", "providers", "version"):
            flags = []
        cmd = [self.tf_bin, args[0], *flags, *args[1:]]
        p = subprocess.run(cmd, cwd=self.dir, env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=120)
        codes = expect if isinstance(expect, tuple) else (expect,)
        assert p.returncode in codes, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def assert_no_changes(self) -> None:
        p = self.tf("plan", "-detailed-exitcode", expect=(0, 2))
        assert p.returncode == 0, f"second plan is not empty:\n{p.stdout}"

    def provider_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"TESTPROV_MARK={self.mark}".encode() in environ.split(b"\0"):
                pids.append(int(entry.name))
        return pids


@pytest.fixture
def ws(tf_bin: str, tmp_path: Path) -> Any:
    w = Workspace(tf_bin, tmp_path)
    yield w
    deadline = time.monotonic() + 5
    while w.provider_pids() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.provider_pids() == [], "provider processes left behind"
