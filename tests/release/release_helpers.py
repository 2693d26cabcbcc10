"""Shared by the release tests: constants, a Terraform-shaped client certificate, workspaces."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the release/ scripts are not an installed package
    sys.path.insert(0, str(REPO))

from tfharness import pids_matching  # noqa: E402

from release import build  # noqa: E402

VERSION = "0.9.1"
ADDRESS = "registry.terraform.io/popsolutions/vessel"
COOKIE = ("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")


def processes_under(root: Path) -> list[int]:
    """PIDs whose executable lives under ``root`` (provider processes left behind)."""
    return pids_matching(lambda entry: os.readlink(entry / "exe").startswith(str(root)))


class Workspace:
    """A terraform working directory with its own CLI config, HOME and a Python-free PATH."""

    def __init__(self, tf_bin: str, root: Path, site: dict[str, Any]) -> None:
        self.root, self.site = root, site
        self.dir = root / "work"
        self.dir.mkdir()
        bindir = root / "path"
        bindir.mkdir()
        (bindir / Path(tf_bin).name).symlink_to(os.path.realpath(tf_bin))
        self.tf_name = Path(tf_bin).name
        (root / "home").mkdir()
        self.cli_config = root / "cli.tfrc"
        self.env = {"PATH": str(bindir), "HOME": str(root / "home"), "TF_CLI_CONFIG_FILE": str(self.cli_config),
                    "SSL_CERT_FILE": str(site["ca"]), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                    "LANG": "C.UTF-8", "TMPDIR": str(root)}

    def use_network_mirror(self) -> None:
        self.cli_config.write_text(f'provider_installation {{\n  network_mirror {{ url = "{self.site["url"]}providers/" }}\n}}\n')

    def use_filesystem_mirror(self) -> None:
        self.cli_config.write_text(textwrap.dedent(f"""\
            provider_installation {{
              filesystem_mirror {{
                path    = "{self.site['filesystem']}"
                include = ["{ADDRESS}"]
              }}
            }}
            """))

    def use_registry(self) -> str:
        """Direct installation through the provider registry protocol; returns the source host."""
        self.cli_config.write_text("provider_installation {\n  direct {}\n}\n")
        return f"localhost:{self.site['port']}"

    def write(self, body: str, source: str = ADDRESS) -> None:
        (self.dir / "main.tf").write_text(textwrap.dedent(f"""\
            terraform {{
              required_providers {{
                vessel = {{ source = "{source}", version = "{VERSION}" }}
              }}
            }}
            """) + textwrap.dedent(body))

    def tf(self, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        cmd = [self.tf_name, args[0], "-no-color", *args[1:]]
        if args[0] in ("init", "plan", "apply"):
            cmd.insert(2, "-input=false")
        p = subprocess.run(cmd, cwd=self.dir, env={**self.env, **(env or {})}, capture_output=True, text=True,
                           timeout=180, executable=str(Path(self.env["PATH"]) / self.tf_name))
        assert p.returncode == expect, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def lock_hashes(self) -> list[str]:
        import re

        return re.findall(r'"((?:h1|zh):[^"]+)"', (self.dir / ".terraform.lock.hcl").read_text())

    def installed(self) -> Path:
        return self.dir / ".terraform" / "providers" / ADDRESS / VERSION / build.build_platform()


