"""``vessel_ntp_server`` with the real terraform binary against the emulator: create, drift made
by hand on the chassis repaired, import, destroy, a second plan empty after each apply, and the
provider processes gone with every connection to the chassis closed."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace, emulator_ports, open_connections

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

NTP = """
resource "vessel_ntp_server" "this" {
  preferred_server  = "ntp1.lab.example"
  alternate_server  = "10.20.0.1"
  timezone          = "GMT+8"
  sync_interval_min = 30
}
"""


def _ntp(emu: Any) -> dict:
    return emu.call(lambda: emu.emu.state.ntp.model_dump())


def _settled(ports: set[int], grace: float = 5.0) -> list[str]:
    end = time.monotonic() + grace
    while True:
        left = open_connections(ports)
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.1)


def test_the_connection_count_sees_a_connection(emulator: Any) -> None:
    import socket

    ports = emulator_ports(emulator.info)
    assert emulator.info["hmm"]["port"] in ports and emulator.info["ssh"]["port"] in ports
    with socket.create_connection(("127.0.0.1", emulator.info["hmm"]["port"])):
        assert any(c.startswith(f"{emulator.info['hmm']['port']}<-") for c in open_connections(ports))
    assert _settled(ports) == []


def test_ntp_lifecycle_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-ntp-e2e")
    ports = emulator_ports(emulator.info)
    ws.write(NTP)
    ws.apply()
    want = {"enabled": True, "preferred_server": "ntp1.lab.example", "alternate_server": "10.20.0.1",
            "timezone": "GMT+8", "sync_interval_min": 30}
    assert _ntp(emulator) == want
    assert ws.resources()["vessel_ntp_server.this"] == {"id": "hmm", **want}
    ws.assert_no_changes()
    # Terraform stopped every provider process, and each closed its connections to the chassis
    ws.assert_no_providers_left()
    assert _settled(ports) == []
    assert [(r["op"], r["outcome"]) for r in ws.audit()] == [("hmm.ntp.set", "success")]

    # drift made by hand on the HMM's NTP page is planned back and repaired
    def edit() -> None:
        emulator.emu.state.ntp.preferred_server = "rogue.example"
        emulator.emu.state.ntp.enabled = False
    emulator.call(edit)
    drift = ws.tf("plan", "-detailed-exitcode", "-input=false", expect=2)
    assert "rogue.example" in drift.stdout and "ntp1.lab.example" in drift.stdout
    ws.apply()
    assert _ntp(emulator) == want
    ws.assert_no_changes()

    # forget it, import it back: the import needs no change
    ws.tf("state", "rm", "vessel_ntp_server.this")
    ws.tf("import", "-input=false", "vessel_ntp_server.this", "hmm")
    assert ws.resources()["vessel_ntp_server.this"] == {"id": "hmm", **want}
    ws.assert_no_changes()

    # destroy returns the NTP client to its factory setting
    ws.tf("destroy", "-auto-approve", "-input=false")
    assert _ntp(emulator) == {"enabled": False, "preferred_server": "", "alternate_server": "",
                              "timezone": "GMT+0", "sync_interval_min": 60}
    assert [r["outcome"] for r in ws.audit()] == ["success", "success", "success"]
    assert [r["op"] for r in ws.audit()][-1] == "hmm.ntp.reset"
    assert len(ws.verify_snapshots()) == 3             # one per walk that changed the setting
    ws.assert_no_providers_left()
    assert _settled(ports) == []
