"""The real terraform/tofu binary launches the Python provider through dev_overrides."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from plugin_helpers import MINI_PROVIDER
from tfharness import pids_matching, required_providers, tf_env, write_dev_overrides

ADDRESS = "registry.terraform.io/popsolutions/vesseltest"


def _providers_running_in(workdir: Path) -> list[int]:
    return pids_matching(lambda entry: MINI_PROVIDER.name.encode() in (entry / "cmdline").read_bytes()
                         and os.readlink(entry / "cwd") == str(workdir))


@pytest.mark.e2e
def test_terraform_validate_launches_provider(tf_bin, tmp_path):
    cli_config, _ = write_dev_overrides(tmp_path, ADDRESS, [sys.executable, MINI_PROVIDER])
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(required_providers(vesseltest=ADDRESS) + '\nprovider "vesseltest" {}\n')
    log = tmp_path / "tf.log"
    env = tf_env(cli_config, TF_LOG="DEBUG", TF_LOG_PATH=str(log), HOME=str(tmp_path))
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
