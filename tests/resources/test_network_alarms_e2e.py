"""Management addresses, alarm destinations and the alarms / network info data sources with the
real terraform binary: applied together, second plan empty, import of each (the command, and
``import {}`` with ``-generate-config-out`` planning imports only), destroy; the community
string and the SNMPv3 keys in none of state, ``show -json``, the TRACE log, the audit log or
the snapshots."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

COMMUNITY, AUTH, PRIV = "e2eC0mmunity-Zulu", "e2eAuthKey-7788", "e2ePrivKey-9911"
CONFIG = """
resource "vessel_mgmt_network" "slot3" {
  target  = "Slot3"
  ip      = "10.30.0.13"
  gateway = "10.30.0.1"
}

resource "vessel_mgmt_network" "swi2" {
  target = "Swi2"
  ip     = "10.30.0.162"
  mask   = "255.255.0.0"
}

resource "vessel_mgmt_network" "hmm1" {
  target       = "HMM1"
  ip           = "192.168.1.41"
  gateway      = "192.168.1.1"
  ipv6_address = "2001:db8::41/64"
}

resource "vessel_alarm_subscription" "nms" {
  type                 = "snmp_trap"
  address              = "10.0.0.5"
  severity             = "major"
  community_wo         = "%(community)s"
  community_wo_version = 1
}

resource "vessel_alarm_subscription" "nms3" {
  type                = "snmp_trap"
  address             = "nms3.example.net"
  snmp_version        = "v3"
  snmp_user           = "trapper"
  auth_key_wo         = "%(auth)s"
  auth_key_wo_version = 1
  priv_key_wo         = "%(priv)s"
  priv_key_wo_version = 1
}

resource "vessel_alarm_subscription" "syslog" {
  type     = "syslog"
  address  = "10.0.0.7"
  severity = "normal"
}

data "vessel_alarms" "now" {
  sel_min_severity = "major"
}

data "vessel_network_info" "chassis" {}

output "critical" {
  value = data.vessel_alarms.now.critical
}

output "mezz_cards" {
  value = length(data.vessel_network_info.chassis.mezz)
}
""" % {"community": COMMUNITY, "auth": AUTH, "priv": PRIV}

IMPORTS = {"vessel_mgmt_network.slot3": "Slot3", "vessel_mgmt_network.swi2": "Swi2",
           "vessel_mgmt_network.hmm1": "HMM1", "vessel_alarm_subscription.nms": "snmp_trap/10.0.0.5",
           "vessel_alarm_subscription.nms3": "snmp_trap/nms3.example.net",
           "vessel_alarm_subscription.syslog": "syslog/10.0.0.7"}


def _chassis(emu: Any) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        st = emu.emu.state
        return {"network": st.network.model_dump(), "dests": [d.model_dump() for d in st.alarm_destinations]}
    return emu.call(read)


def _no_secret(where: str, text: str) -> None:
    for secret in (COMMUNITY, AUTH, PRIV):
        assert secret not in text, f"a secret is in {where}"


def test_network_and_alarms_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    before = _chassis(emulator)
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-netalarm-e2e")
    ws.write(CONFIG)
    trace = tmp_path / "trace.log"
    p = ws.tf("apply", "-auto-approve", env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(trace)})
    assert "critical = 2" in p.stdout, p.stdout
    live = _chassis(emulator)
    net = live["network"]
    assert net["blade_external"]["3"]["ip"] == "10.30.0.13" and net["switch_external"]["2"]["mask"] == "255.255.0.0"
    assert (net["hmm_static"]["HMM1"]["ip"], net["hmm_static"]["HMM1"]["ipv6"]) == ("192.168.1.41", "2001:db8::41/64")
    dests = {f"{d['type']}/{d['address']}": d for d in live["dests"]}
    assert dests["snmp_trap/10.0.0.5"]["community"] == COMMUNITY
    assert (dests["snmp_trap/nms3.example.net"]["auth_key"], dests["snmp_trap/nms3.example.net"]["priv_key"]) == (AUTH, PRIV)
    assert dests["syslog/10.0.0.7"]["port"] == 514
    ws.assert_no_changes()

    # the secrets reached the chassis and nothing else
    assert trace.stat().st_size > 0 and "vessel_alarm_subscription" in trace.read_text(errors="ignore")
    _no_secret("the TRACE log", trace.read_text(errors="ignore"))
    _no_secret("the state", (ws.dir / "terraform.tfstate").read_text())
    _no_secret("terraform show -json", ws.tf("show", "-json").stdout)
    _no_secret("the audit log", ws.audit_path.read_text())
    assert ws.verify_snapshots()
    for f in ws.snapshot_dir.rglob("*"):
        if f.is_file():
            _no_secret(f"snapshot file {f.name}", f.read_text(errors="ignore"))
    values = ws.resources()
    assert values["vessel_alarm_subscription.nms"]["community_wo"] is None
    assert values["vessel_mgmt_network.slot3"]["id"] == "Slot3"

    # import: the command for each
    ws.tf("state", "rm", *IMPORTS)
    for address, import_id in IMPORTS.items():
        ws.tf("import", "-input=false", address, import_id)
    # the write-only values' versions are new to an imported state: sent once, then nothing
    p = ws.tf("plan", "-input=false")
    assert re.search(r"Plan: 0 to add, 2 to change, 0 to destroy", p.stdout), p.stdout
    ws.apply()
    ws.assert_no_changes()

    # import {} + -generate-config-out in a second workspace: imports only
    (tmp_path / "adopt").mkdir()
    adopt = VesselWorkspace(tf_bin, tmp_path / "adopt", emulator, "vessel-netalarm-adopt")
    adopt.write("".join(f'import {{\n  to = {a}\n  id = "{i}"\n}}\n' for a, i in IMPORTS.items()))
    adopt.tf("plan", "-input=false", "-generate-config-out=generated.tf")
    generated = (adopt.dir / "generated.tf").read_text()
    assert 'resource "vessel_mgmt_network" "hmm1"' in generated and "nms3.example.net" in generated
    _no_secret("the generated configuration", generated)
    plan = adopt.tf("plan", "-input=false")
    assert re.search(r"Plan: 6 to import, 0 to add, 0 to change, 0 to destroy", plan.stdout), plan.stdout

    # destroy: the blade and switch addresses and the destinations go; HMM1 keeps its address
    ws.tf("destroy", "-auto-approve", "-input=false")
    after = _chassis(emulator)
    assert after["dests"] == [] and "3" not in after["network"]["blade_external"]
    assert "2" not in after["network"]["switch_external"]
    assert after["network"]["hmm_static"]["HMM1"]["ip"] == "192.168.1.41"
    assert before["network"]["floating"] == after["network"]["floating"]
    outcomes = {r["outcome"] for r in ws.audit()}
    assert outcomes == {"success"}, outcomes
    ws.assert_no_providers_left()
