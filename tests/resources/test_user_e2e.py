"""``vessel_user`` with the real terraform binary: the write-only password reaches the HMM and
never the state, a rotation is one update, import and destroy; the provider's own account is
protected at plan."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

USER = """
resource "vessel_user" "ops" {
  name                = "ops"
  role                = "Operator"
  password_wo         = "%s"
  password_wo_version = %d
}
"""


def _account(emu: Any, name: str) -> Any:
    return emu.call(lambda: next((a.model_copy() for a in emu.emu.state.accounts if a.username == name), None))


def test_user_lifecycle_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-user-e2e")
    ws.write(USER % ("Secret123x", 1))
    ws.apply()
    assert _account(emulator, "ops").password == "Secret123x"
    state_text = (ws.dir / "terraform.tfstate").read_text()
    assert "Secret123x" not in state_text and "Secret123x" not in ws.audit_path.read_text()
    assert ws.resources()["vessel_user.ops"]["password_wo"] is None
    ws.assert_no_changes()

    ws.write(USER % ("Rotated456y", 2))                  # rotate: one in-place update
    p = ws.apply()
    assert "1 changed" in p.stdout and _account(emulator, "ops").password == "Rotated456y"
    ws.assert_no_changes()

    ws.tf("state", "rm", "vessel_user.ops")
    ws.tf("import", "-input=false", "vessel_user.ops", "ops")
    # an imported account's password is unknown to the state: the version in the configuration
    # shows as the one change (the password is sent once), then nothing
    p = ws.tf("plan", "-input=false")
    assert "password_wo_version = 2" in p.stdout and "1 to change" in p.stdout
    ws.apply()
    ws.assert_no_changes()

    # the provider logs in as root: destroying root's resource is refused before anything changes
    ws.write(USER % ("Rotated456y", 2) + 'resource "vessel_user" "root" {\n  name = "root"\n  role = "Administrator"\n}\n')
    ws.tf("import", "-input=false", "vessel_user.root", "root")
    ws.write(USER % ("Rotated456y", 2))
    p = ws.tf("plan", "-input=false", expect=1)
    assert "Would Lock The Provider Out" in p.stderr, p.stderr
    ws.tf("state", "rm", "vessel_user.root")

    ws.tf("destroy", "-auto-approve", "-input=false")
    assert _account(emulator, "ops") is None and _account(emulator, "root") is not None
    assert [r["op"] for r in ws.audit()] == ["hmm.users.create", "hmm.users.update", "hmm.users.update",
                                             "hmm.users.delete"]
    ws.assert_no_providers_left()
