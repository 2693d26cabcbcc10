"""A terraform workspace wired to an emulated chassis (the vessel provider from this checkout),
and a count of the emulator's open connections."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterable

from tfharness import TfWorkspace, required_providers, tf_env, write_dev_overrides

from vessel_core.safety import AuditLog, SnapshotStore

REPO = Path(__file__).resolve().parents[1]
ADDRESS = "registry.terraform.io/popsolutions/vessel"
REQUIRED = required_providers(vessel="popsolutions/vessel") + 'provider "vessel" {}\n'


class VesselWorkspace(TfWorkspace):
    """``main.tf`` + a provider configured by ``VESSEL_*`` variables for the emulator ``emu``
    (an :class:`~vessel_core.sim.testing.EmulatorThread`)."""

    def __init__(self, tf_bin: str, root: Path, emu: Any, mark: str = "vessel-e2e", **settings: str) -> None:
        super().__init__(tf_bin, root, "VESSEL_TEST_MARK", mark)
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
            VESSEL_IBMC_ENDPOINTS=json.dumps({k: v["url"] for k, v in (info.get("ibmc") or {}).items()}),
            **settings,
        )

    def write(self, body: str) -> None:
        (self.dir / "main.tf").write_text(REQUIRED + textwrap.dedent(body))

    def apply(self, *args: str, expect: int | tuple[int, ...] = 0) -> Any:
        return self.tf("apply", "-auto-approve", *args, expect=expect)

    def state(self) -> dict:
        return json.loads(self.tf("show", "-json").stdout)

    def resources(self) -> dict[str, dict]:
        """address → values of the managed resources in state."""
        root = self.state().get("values", {}).get("root_module", {})
        return {r["address"]: r["values"] for r in root.get("resources", [])}

    def audit(self) -> list[dict]:
        return AuditLog(self.audit_path).read()

    def verify_snapshots(self) -> list[str]:
        store = SnapshotStore(self.snapshot_dir)
        ids = store.list()
        for sid in ids:
            store.verify(sid)
        return ids


def emulator_ports(info: Any) -> set[int]:
    """Every TCP port the emulator listens on (from its ready line)."""
    ports: set[int] = set()
    if isinstance(info, dict):
        for k, v in info.items():
            if k == "port" and isinstance(v, int):
                ports.add(v)
            else:
                ports |= emulator_ports(v)
    elif isinstance(info, list):
        for v in info:
            ports |= emulator_ports(v)
    return ports


_OPEN = {"01": "ESTABLISHED", "08": "CLOSE_WAIT", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "0B": "CLOSING",
         "09": "LAST_ACK"}


def open_connections(ports: Iterable[int]) -> list[str]:
    """Connections whose local end is one of ``ports`` and that are not yet closed on this host's
    side (ESTABLISHED, CLOSE_WAIT, ...; TIME_WAIT is closed), from ``/proc/net/tcp{,6}``."""
    wanted = set(ports)
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, st = parts[1], parts[2], parts[3]
            port = int(local.rsplit(":", 1)[1], 16)
            if port in wanted and st in _OPEN:
                found.append(f"{port}<-{int(remote.rsplit(':', 1)[1], 16)} {_OPEN[st]}")
    return sorted(found)
