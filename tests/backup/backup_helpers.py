"""A chassis lab for the ``vessel`` command: an emulator in its own thread and the ``VESSEL_*``
environment that names it (the provider's variables, as an operator would export them)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from vessel_core.sim.testing import EmulatorThread

REPO = Path(__file__).resolve().parents[2]
#: secrets of the lab: the HMM root password and the account passwords the tests set
TEST_PASSWORDS = ("Huawei12#$", "Op3rator!pw", "Aud1tor#pw")


class CliLab:
    def __init__(self, emu: EmulatorThread, root: Path) -> None:
        self.emu, self.root = emu, root
        info = emu.info
        self.snapshots = root / "snapshots"
        self.env = {
            "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "HOME": str(root),
            "VESSEL_ENDPOINT": info["hmm"]["url"], "VESSEL_USERNAME": info["hmm"]["username"],
            "VESSEL_PASSWORD": info["hmm"]["password"], "VESSEL_CA_CERT": info["ca_cert"],
            "VESSEL_SSH_PORT": str(info["ssh"]["port"]),
            "VESSEL_SSH_HOST_KEY_FINGERPRINT": info["ssh"]["host_key_fingerprint"],
            "VESSEL_SNAPSHOT_DIR": str(self.snapshots), "VESSEL_AUDIT_LOG": str(root / "audit.jsonl"),
            "VESSEL_WATCHDOG_DEADLINE": "5s", "VESSEL_REQUEST_TIMEOUT": "15s",
            "VESSEL_IBMC_ENDPOINTS": json.dumps({k: v["url"] for k, v in (info.get("ibmc") or {}).items()}),
        }

    def vessel(self, *args: str, expect: int | None = 0, **env: str) -> subprocess.CompletedProcess[str]:
        r = subprocess.run([sys.executable, "-m", "tfprovider.vessel.cli", *args], cwd=self.root,
                           env={**self.env, **env}, capture_output=True, text=True, timeout=300)
        if expect is not None:
            assert r.returncode == expect, f"vessel {' '.join(args)} -> {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r

    def snapshot(self) -> Path:
        out = self.vessel("snapshot").stdout.strip().splitlines()
        path = Path(out[-1])
        assert path.is_dir() and path.parent == self.snapshots
        return path

    def state(self, fn: Any) -> Any:
        return self.emu.call(fn, self.emu.emu.state)


def assert_private_and_clean(folder: Path, secrets: tuple[str, ...] = TEST_PASSWORDS) -> int:
    """Every folder below ``folder`` is 0700, every file 0600, and no file holds a secret.
    Returns how many files were checked."""
    files = 0
    for p in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if p.is_dir():
            assert mode == 0o700, f"{p} is {oct(mode)}"
            continue
        files += 1
        assert mode == 0o600, f"{p} is {oct(mode)}"
        data = p.read_bytes()
        for s in secrets:
            assert s.encode() not in data, f"{p} holds a test password"
    return files
