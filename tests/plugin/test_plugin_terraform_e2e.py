"""The real terraform/tofu binary launches the Python provider through dev_overrides."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plugin_helpers import MINI_PROVIDER

ADDRESS = "registry.terraform.io/popsolutions/vesseltest"


def _providers_running_in(workdir: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if MINI_PROVIDER.name.encode() in cmdline and cwd == str(workdir):
            found.append(int(entry.name))
    return found


@pytest.mark.e2e
def test_terraform_validate_launches_provider(tf_bin, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "terraform-provider-vesseltest"
    # `exec` so the Python process is Terraform's child (signals, exit, no orphaned grandchild)
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(MINI_PROVIDER))} \"$@\"\n")
    script.chmod(0o755)
    cli_config = tmp_path / "cli.tfrc"
    cli_config.write_text(
        "provider_installation {\n"
        f"  dev_overrides {{\n    \"{ADDRESS}\" = \"{bindir}\"\n  }}\n"
        "  direct {}\n}\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(
        "terraform {\n  required_providers {\n"
        f"    vesseltest = {{ source = \"{ADDRESS}\" }}\n"
        "  }\n}\n\nprovider \"vesseltest\" {}\n"
    )
    log = tmp_path / "tf.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    env.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
               TF_LOG="DEBUG", TF_LOG_PATH=str(log), HOME=str(tmp_path))
    t0 = time.monotonic()
    res = subprocess.run([tf_bin, "validate", "-no-color"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - t0
    print(f"{Path(tf_bin).name} validate took {elapsed * 1000:.0f} ms")
    log_text = log.read_text()
    assert res.returncode == 0, res.stdout + res.stderr + log_text[-4000:]
    assert "The configuration is valid" in res.stdout
    assert "plugin failed to exit gracefully" not in log_text
    assert "using plugin: version=6" in log_text
    # our hclog lines were parsed as JSON (they show up with their @module, not as raw text)
    assert '"@message"' not in log_text
    assert not _providers_running_in(work)
