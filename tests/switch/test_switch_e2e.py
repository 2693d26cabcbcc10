"""The real terraform binary, the vessel provider and the emulated CX310 switches (both VRP flavours).

Scenarios are combined into a few long tests per flavour (each terraform command costs seconds).
The last step of every successful apply is a second plan that must be empty.
"""
from __future__ import annotations

import base64
import json
import time
from collections import Counter

import pytest

from vessel_core.sim.ssh.server import switch_reachable
from vessel_core.sim.vrp.state import EthTrunk, PortConfig
from vessel_core.switchops import PortState, parse_view

pytestmark = pytest.mark.e2e

VLANS = """
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
"""

PORT = """
resource "vessel_switch_port" "uplink" {
  switch        = "2X"
  port          = "10GE2/17/3"
  link_type     = "trunk"
  allowed_vlans = provider::vessel::vlan_range("10,20")
  description   = "uplink"
}
"""

LAG = """
resource "vessel_lag" "core" {
  switch        = "2X"
  lag_id        = 1
  mode          = "lacp"
  members       = ["10GE2/17/5", "10GE2/17/6"]
  link_type     = "trunk"
  allowed_vlans = [10, 20]
}
"""

DATA = """
data "vessel_switch" "sw" {
  switch     = "2X"
  depends_on = [vessel_vlan.web, vessel_vlan.db]
}
output "flavour" { value = data.vessel_switch.sw.flavour }
output "ports" { value = length(data.vessel_switch.sw.ports) }
output "vlans" { value = [for v in data.vessel_switch.sw.vlans : v.vlan_id] }
output "lldp" { value = length(data.vessel_switch.sw.lldp_neighbors) }
output "up" { value = [for p in data.vessel_switch.sw.ports : p.name if p.link_up] }
"""


def _records(ws, start: int) -> list[dict]:
    return ws.audit()[start:]


def _check_audit(ws, records: list[dict], expected: Counter) -> None:
    assert Counter(r["op"] for r in records) == expected, records
    snaps = set(ws.verify_snapshots())
    text = ws.audit_path.read_text()
    assert ws.env["VESSEL_PASSWORD"] not in text
    for r in records:
        assert r["snapshot_id"] in snaps
        assert r["actor"]["provider_alias"] == "vessel" and r["actor"]["os_user"]
        assert r["target"]["id"].startswith("2X/") and r["duration_ms"] is not None
        assert r["outcome"] in ("success", "no-op"), r


def _private(ws, address_type: str) -> dict:
    state = json.loads((ws.dir / "terraform.tfstate").read_text())
    for res in state["resources"]:
        if res["type"] == address_type:
            return json.loads(base64.b64decode(res["instances"][0]["private"]))
    raise AssertionError(address_type)


def test_lifecycle_import_drift(sws, emulator, flavour):
    # ---- create: VLANs, a trunk port built with vlan_range, an LACP LAG, the data source
    sws.write(VLANS + PORT + LAG + DATA)
    out = sws.apply().stdout
    assert "4 added, 0 changed, 0 destroyed" in out, out
    outputs = json.loads(sws.tf("output", "-json").stdout)
    assert outputs["flavour"]["value"] == flavour and outputs["ports"]["value"] == 51
    assert outputs["vlans"]["value"] == [1, 10, 20] and outputs["lldp"]["value"] == 3
    assert "10GE2/17/1" in outputs["up"]["value"]
    view = emulator.view()
    assert view.vlans[10].name == "web" and view.vlans[10].description == "Web tier" and 20 in view.vlans
    assert view.ports["10GE2/17/3"] == PortState("trunk", 1, frozenset({10, 20}), "uplink")
    assert view.lags[1].mode == "lacp" and view.lags[1].members == {"10GE2/17/5", "10GE2/17/6"}
    records = _records(sws, 0)
    _check_audit(sws, records, Counter({"vlan.create": 2, "port.update": 1, "lag.create": 1}))
    assert _private(sws, "vessel_vlan")["snapshot_id"] == records[0]["snapshot_id"]
    sws.assert_no_changes()

    # ---- update in place
    n = len(sws.audit())
    sws.write(VLANS.replace('"Web tier"', '"Web servers"') + PORT.replace('"10,20"', '"10-12,20"') + LAG + DATA)
    plan = sws.apply().stdout
    assert "0 to add, 2 to change, 0 to destroy" in plan, plan
    view = emulator.view()
    assert view.vlans[10].description == "Web servers"
    assert view.ports["10GE2/17/3"].allowed_vlans == {10, 11, 12, 20}
    _check_audit(sws, _records(sws, n), Counter({"vlan.update": 1, "port.update": 1}))
    sws.assert_no_changes()

    # ---- replace on vlan_id change (LAG and port follow the new id)
    n = len(sws.audit())
    cfg = (VLANS.replace('"Web tier"', '"Web servers"').replace("vlan_id = 20", "vlan_id = 21") + PORT.replace('"10,20"', '"10-12,21"')
           + LAG.replace("[10, 20]", "[10, 21]") + DATA)
    sws.write(cfg)
    plan = sws.apply().stdout
    assert "# forces replacement" in plan and "1 to add, 2 to change, 1 to destroy" in plan, plan
    view = emulator.view()
    assert 21 in view.vlans and 20 not in view.vlans and view.lags[1].l2.allowed_vlans == {10, 21}
    _check_audit(sws, _records(sws, n), Counter({"vlan.create": 1, "vlan.delete": 1, "port.update": 1,
                                                  "lag.update": 1}))
    sws.assert_no_changes()

    # ---- drift: a port changed by hand and a VLAN deleted by hand
    def by_hand() -> None:
        sw = emulator.switch()
        sw.running.interfaces["10GE2/17/3"].description = "changed by hand"
        del sw.running.vlans[10]
    emulator.call(by_hand)
    refresh = sws.tf("plan", "-refresh-only").stdout
    assert "vessel_vlan.web" in refresh and "has been deleted" in refresh, refresh
    assert '"changed by hand"' in refresh
    plan = sws.apply().stdout
    assert "vessel_vlan.web will be created" in plan and "1 to add, 1 to change" in plan, plan
    view = emulator.view()
    assert view.vlans[10].description == "Web servers" and view.ports["10GE2/17/3"].description == "uplink"
    sws.assert_no_changes()

    # ---- terraform import of a VLAN and of a port
    sws.tf("state", "rm", "vessel_vlan.web", "vessel_switch_port.uplink")
    sws.tf("import", "vessel_vlan.web", "2X/10")
    sws.tf("import", "vessel_switch_port.uplink", "2X/10GE2/17/3")
    sws.assert_no_changes()

    # ---- import {} block with -generate-config-out for the LAG
    sws.tf("state", "rm", "vessel_lag.core")
    sws.write(cfg.replace(LAG.replace("[10, 20]", "[10, 21]"), "")
              + '\nimport {\n  to = vessel_lag.core\n  id = "2X/1"\n}\n')
    gen = sws.tf("plan", "-generate-config-out=generated.tf").stdout
    assert "1 to import, 0 to add, 0 to change, 0 to destroy" in gen, gen
    generated = (sws.dir / "generated.tf").read_text()
    assert 'mode          = "lacp"' in generated and "10GE2/17/5" in generated, generated
    out = sws.apply().stdout
    assert "1 imported, 0 added, 0 changed, 0 destroyed" in out, out
    sws.assert_no_changes()

    # ---- destroy: VLANs removed, LAG dissolved, port back to its defaults
    n = len(sws.audit())
    sws.tf("destroy", "-auto-approve")
    view = emulator.view()
    assert list(view.vlans) == [1] and view.lags == {}
    assert view.ports["10GE2/17/3"] == PortState() and view.ports["10GE2/17/5"] == PortState()
    _check_audit(sws, _records(sws, n), Counter({"vlan.delete": 2, "port.reset": 1, "lag.delete": 1}))


def test_invalid_input_leaves_switch_untouched(sws, emulator):
    def lag7() -> None:
        cfg = emulator.switch().running
        cfg.eth_trunks[7] = EthTrunk(id=7, members=["10GE2/17/9"])
        cfg.interfaces["Eth-Trunk7"] = PortConfig(name="Eth-Trunk7")
    emulator.call(lag7)
    before = emulator.running_text()

    sws.write('resource "vessel_vlan" "bad" {\n  switch  = "2X"\n  vlan_id = 4095\n}\n')
    err = sws.tf("validate", expect=1).stderr
    assert "vlan_id" in err and "between 1 and 4094" in err, err

    sws.write('resource "vessel_switch_port" "bad" {\n  switch = "2X"\n  port   = "10GE2/17/20"\n}\n')
    err = sws.tf("plan", expect=1).stderr
    assert "Unknown Switch Port" in err and "port" in err and "10GE2/17/20" in err, err

    sws.write('resource "vessel_lag" "bad" {\n  switch  = "2X"\n  lag_id  = 2\n'
              '  members = ["10GE2/17/8", "10GE2/17/9"]\n}\n')
    err = sws.tf("plan", expect=1).stderr
    assert "Port Already In Another LAG" in err and "members" in err and "Eth-Trunk7" in err, err

    sws.write('resource "vessel_switch_port" "bad" {\n  switch = "2X"\n  port = "10GE2/17/4"\n'
              '  allowed_vlans = [10]\n}\n')
    err = sws.tf("validate", expect=1).stderr
    assert "allowed_vlans" in err and "access" in err, err

    sws.write('output "r" { value = provider::vessel::vlan_range("10-x") }\n')
    err = sws.tf("plan", expect=1).stderr
    assert "vlan_range" in err and '"10-x" is not a VLAN id' in err, err

    assert emulator.running_text() == before
    assert sws.audit() == [] and sws.verify_snapshots() == []


def test_faults_rollback_and_dropped_session(sws, emulator):
    sws.write(VLANS)
    sws.apply()
    sws.assert_no_changes()

    # ---- management lost after the commit: automatic rollback, clear error
    emulator.call(lambda: setattr(emulator.emu.faults, "mgmt_loss_after_commit_s", {"Swi2": 4.0}))
    n = len(sws.audit())
    sws.env["VESSEL_WATCHDOG_DEADLINE"] = "2s"
    sws.write(VLANS + PORT)
    p = sws.apply(expect=1)
    assert "did not answer within 2s" in p.stderr and "restored" in p.stderr, p.stderr
    records = _records(sws, n)
    assert [r["outcome"] for r in records] == ["rollback"] and records[0]["evidence"]["restored"] is True
    snap = records[0]["snapshot_id"]
    snap_text = (sws.snapshot_dir / snap / "running-config.cfg").read_text()
    assert parse_view(emulator.running_text()).managed() == parse_view(snap_text).managed()
    assert emulator.running_text() == snap_text
    emulator.call(lambda: setattr(emulator.emu.faults, "mgmt_loss_after_commit_s", {}))
    deadline = time.monotonic() + 10  # the restore's own commit started one more outage
    while not emulator.call(lambda: switch_reachable(emulator.emu, 2)) and time.monotonic() < deadline:
        time.sleep(0.2)
    sws.env["VESSEL_WATCHDOG_DEADLINE"] = "5s"
    sws.apply()
    assert emulator.view().ports["10GE2/17/3"].description == "uplink"
    sws.assert_no_changes()

    # ---- an SSH session dropped mid-apply: state stays consistent, a re-apply converges
    emulator.call(lambda: setattr(emulator.emu.faults, "ssh_drop_after_commands", 5))
    sws.write(VLANS.replace('"Web tier"', '"dropped"') + PORT.replace('"uplink"', '"dropped"') + LAG)
    sws.apply(expect=(0, 1))
    emulator.call(lambda: setattr(emulator.emu.faults, "ssh_drop_after_commands", None))
    state = {r["address"]: r["values"] for r in sws.state()["values"]["root_module"].get("resources", [])}
    view = emulator.view()
    assert state["vessel_vlan.web"]["description"] == view.vlans[10].description
    assert state["vessel_switch_port.uplink"]["description"] == view.ports["10GE2/17/3"].description
    assert ("vessel_lag.core" in state) == (1 in view.lags)
    sws.apply()
    view = emulator.view()
    assert view.vlans[10].description == "dropped" and view.ports["10GE2/17/3"].description == "dropped"
    assert 1 in view.lags
    sws.assert_no_changes()
    outcomes = Counter(r["outcome"] for r in sws.audit())
    assert outcomes["rollback"] == 1 and sws.verify_snapshots()
