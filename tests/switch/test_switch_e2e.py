"""The real terraform binary, the vessel provider and the emulated CX310 switches (both VRP flavours)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

BASE = """
resource "vessel_vlan" "web" {
  switch      = "2X"
  vlan_id     = 10
  name        = "web"
  description = "Web tier"
}

resource "vessel_vlan" "db" {
  switch  = "2X"
  vlan_id = 20
}

resource "vessel_switch_port" "uplink" {
  switch        = "2X"
  port          = "10GE2/17/3"
  link_type     = "trunk"
  allowed_vlans = provider::vessel::vlan_range("10,20")
  description   = "uplink"
}

resource "vessel_lag" "core" {
  switch        = "2X"
  lag_id        = 1
  mode          = "lacp"
  members       = ["10GE2/17/5", "10GE2/17/6"]
  link_type     = "trunk"
  allowed_vlans = [10, 20]
}
"""


def test_lifecycle(sws):
    sws.write(BASE)
    out = sws.apply().stdout
    assert "4 added" in out, out
    sws.assert_no_changes()
