"""End-to-end fixtures: a throw-away terraform workspace per test, driving the test provider.

Each workspace has its own CLI config, plugin cache, device file and launcher script, so
tests share nothing. After each test no provider process started for it may remain.
"""
from __future__ import annotations

import platform
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from tfharness import TfWorkspace, dev_overrides_config, required_providers, tf_env, write_dev_overrides

REPO = Path(__file__).resolve().parents[2]
ADDRESS = "example.com/test/testprov"

REQUIRED = required_providers(testprov=ADDRESS)


def _platform() -> str:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{sys.platform}_{arch}"


class Workspace(TfWorkspace):
    timeout = 120

    def __init__(self, tf_bin: str, root: Path) -> None:
        super().__init__(tf_bin, root, "TESTPROV_MARK", "testprov-e2e")
        self.device = root / "device.json"
        self.cli_config, self.bin = write_dev_overrides(
            root, ADDRESS, [sys.executable, REPO / "tests" / "testprovider" / "launch.py"])
        self.launcher = self.bin / "terraform-provider-testprov"
        (root / "plugin-cache").mkdir()
        self.env = tf_env(self.cli_config, TF_PLUGIN_CACHE_DIR=str(root / "plugin-cache"),
                          TESTPROV_DEVICE=str(self.device), TESTPROV_MARK=self.mark)

    def use_dev_overrides(self) -> None:
        self.cli_config.write_text(dev_overrides_config(ADDRESS, self.bin))

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


@pytest.fixture
def ws(tf_bin: str, tmp_path: Path) -> Any:
    w = Workspace(tf_bin, tmp_path)
    yield w
    w.assert_no_providers_left()
