"""easyLink profiles with the real terraform binary: a vNIC profile and a switch profile applied
(the vNIC profile's id known at plan time), a second plan empty, one imported, both destroyed."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PROFILES = """
resource "vessel_vnic_profile" "vm" {
  name          = "vm_traffic"
  vlans         = [200, 100]
  native_vlan   = 100
  bandwidth_pct = 40
}

resource "vessel_switch_profile" "core" {
  name         = "core_uplink"
  switches     = ["Swi3", "Swi2"]
  uplink_ports = ["10GE2/17/1", "10GE3/17/1"]
  vlans        = [100, 200]
}

output "vnic_profile" {
  value = vessel_vnic_profile.vm.id
}
"""


def _profiles(emu: Any) -> tuple[dict, dict]:
    def read() -> tuple[dict, dict]:
        st = emu.emu.state
        return ({p.name: p.model_copy() for p in st.easylink_nic_profiles},
                {p.name: p.model_copy() for p in st.easylink_switch_profiles})
    return emu.call(read)


def test_easylink_profiles_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-easylink-e2e")
    ws.write(PROFILES)
    plan = ws.tf("plan", "-input=false")
    assert 'vnic_profile = "vm_traffic"' in plan.stdout, plan.stdout      # the id is known before apply
    ws.apply()
    nics, switches = _profiles(emulator)
    assert nics["vm_traffic"].vlans == [100, 200] and nics["vm_traffic"].native_vlan == 100
    assert switches["core_uplink"].switches == ["Swi2", "Swi3"]
    assert ws.resources()["vessel_vnic_profile.vm"]["id"] == "vm_traffic"
    ws.assert_no_changes()

    ws.tf("state", "rm", "vessel_vnic_profile.vm")
    ws.tf("import", "-input=false", "vessel_vnic_profile.vm", "vm_traffic")
    assert ws.resources()["vessel_vnic_profile.vm"]["bandwidth_pct"] == 40
    ws.assert_no_changes()

    ws.tf("destroy", "-auto-approve", "-input=false")
    assert _profiles(emulator) == ({}, {})
    ops = [r["op"] for r in ws.audit()]                 # the two resources are applied in parallel
    assert sorted(ops[:2]) == ["hmm.easylink.nic_profiles.create", "hmm.easylink.switch_profiles.create"]
    assert sorted(ops[2:]) == ["hmm.easylink.nic_profiles.delete", "hmm.easylink.switch_profiles.delete"]
    ws.assert_no_providers_left()
