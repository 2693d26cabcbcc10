"""Features of newer CLIs, negotiated, never assumed (real binary against the emulator):

* Terraform 1.15: resource identity in state; ``import { identity = {...} }``; ``terraform
  query`` lists the chassis' VLANs, blades and compute profiles and ``-generate-config-out``
  writes HCL that then plans imports only; each action changes the chassis and writes its
  audit record, streaming its progress.
* Terraform 1.11 (no identity, no list resources, no actions): the same configuration without
  the action and query blocks applies and plans empty, and import by ID works.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

BASE = """
resource "vessel_vlan" "web" {
  switch  = "2X"
  vlan_id = 310
  name    = "web"
}

resource "vessel_compute_profile" "k8s" {
  name            = "k8s"
  bios_boot_order = ["pxe", "disk"]
}

resource "vessel_blade" "b3" {
  slot    = 3
  profile = vessel_compute_profile.k8s.id
}
"""

ACTIONS = """
action "vessel_blade_power" "cycle" {
  config {
    slot      = 3
    operation = "power-cycle"
  }
}

action "vessel_blade_boot_once" "pxe" {
  config {
    slot   = 3
    target = "pxe"
  }
}

action "vessel_virtual_media_eject" "cd" {
  config {
    slot = 3
  }
}

action "vessel_hmm_failover" "switch" {
  config {
    to = "HMM1"
  }
}
"""

QUERY = """
list "vessel_vlan" "sw2" {
  provider = vessel
  config {
    switch = "2X"
  }
}

list "vessel_blade" "all" {
  provider = vessel
}

list "vessel_compute_profile" "all" {
  provider = vessel
}
"""


def cli_version(tf_bin: str) -> tuple[int, int]:
    out = subprocess.run([tf_bin, "version", "-json"], capture_output=True, text=True, check=True).stdout
    major, minor = json.loads(out)["terraform_version"].split(".")[:2]
    return int(major), int(minor)


def identities(ws: VesselWorkspace) -> dict[str, Any]:
    state = json.loads((ws.dir / "terraform.tfstate").read_text())
    return {f"{r['type']}.{r['name']}": r["instances"][0].get("identity") for r in state["resources"]
            if r["mode"] == "managed"}


def test_newer_cli_features_are_offered_only_where_known(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    new = cli_version(tf_bin) >= (1, 14)
    serial = emulator.call(lambda: emulator.emu.state.chassis.serial_number)
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-modern-e2e")
    ws.write(BASE + (ACTIONS if new else ""))
    ws.apply()
    ws.assert_no_changes()
    ids = identities(ws)
    if not new:
        assert all(v is None for v in ids.values()), ids        # 1.11 knows no identity: none stored
        ws.tf("state", "rm", "vessel_blade.b3")
        ws.tf("import", "-input=false", "vessel_blade.b3", "Slot3")
        ws.assert_no_changes()
        ws.tf("destroy", "-auto-approve", "-input=false")
        return

    assert ids["vessel_vlan.web"] == {"chassis_serial": serial, "switch": "2X", "vlan_id": 310}
    assert ids["vessel_blade.b3"] == {"chassis_serial": serial, "slot": 3}
    assert ids["vessel_compute_profile.k8s"] == {"chassis_serial": serial, "name": "k8s"}

    # import by identity (the serial may be left out: the provider knows its chassis)
    ws.tf("state", "rm", "vessel_blade.b3", "vessel_vlan.web")
    ws.write(BASE + ACTIONS + """
import {
  to       = vessel_blade.b3
  identity = { slot = 3 }
}
import {
  to       = vessel_vlan.web
  identity = { chassis_serial = "%s", switch = "2X", vlan_id = 310 }
}
""" % serial)
    plan = ws.tf("plan", "-input=false")
    assert re.search(r"Plan: 2 to import, 0 to add, 0 to change, 0 to destroy", plan.stdout), plan.stdout
    ws.apply()
    ws.write(BASE + ACTIONS + """
import {
  to       = vessel_vlan.other
  identity = { chassis_serial = "NOT-THIS-ONE", switch = "2X", vlan_id = 310 }
}
resource "vessel_vlan" "other" {
  switch  = "2X"
  vlan_id = 310
}
""")
    wrong = ws.tf("plan", "-input=false", expect=1)
    assert "Identity Names Another Chassis" in wrong.stdout + wrong.stderr
    ws.write(BASE + ACTIONS)

    # actions: each changes the chassis, streams progress, writes its audit record
    before = len(ws.audit())
    out = ws.apply("-invoke=action.vessel_blade_power.cycle")
    assert "power-cycling" in out.stdout, out.stdout
    out = ws.apply("-invoke=action.vessel_blade_boot_once.pxe")
    assert "next boot from pxe" in out.stdout, out.stdout
    boot = emulator.call(lambda: emulator.emu.state.blades[3].boot.model_copy())
    assert boot.target in ("Pxe", "None")                     # set once; consumed by the power cycle
    ws.apply("-invoke=action.vessel_virtual_media_eject.cd")
    ops = [(r["op"], r["outcome"]) for r in ws.audit()[before:]]
    assert ("blade.power-cycle", "success") in ops and ("blade.boot.set", "success") in ops, ops
    assert any(op.startswith("blade.media") for op, _ in ops), ops
    assert emulator.call(lambda: emulator.emu.state.active_mm().name) == "HMM2"
    out = ws.apply("-invoke=action.vessel_hmm_failover.switch")
    assert "switching over" in out.stdout and "HMM Will Switch Over" in out.stdout, out.stdout
    assert emulator.call(lambda: emulator.emu.state.active_mm().name) == "HMM1"
    assert ws.audit()[-1]["op"] == "hmm.failover" and ws.audit()[-1]["outcome"] == "success"
    ws.assert_no_changes()                                    # actions change no state

    # terraform query lists the chassis; -generate-config-out adopts it
    (tmp_path / "query").mkdir()
    q = VesselWorkspace(tf_bin, tmp_path / "query", emulator, "vessel-modern-query")
    q.write("")
    (q.dir / "main.tfquery.hcl").write_text(QUERY)
    q.tf("init", "-input=false")
    listed = q.tf("query")
    assert "VLAN 310 on 2X (web)" in listed.stdout and "slot 3 CH121 (k8s)" in listed.stdout, listed.stdout
    assert "vessel_compute_profile k8s" in listed.stdout, listed.stdout
    q.tf("query", "-generate-config-out=generated.tf")
    generated = (q.dir / "generated.tf").read_text()
    assert 'resource "vessel_vlan"' in generated and "identity" in generated, generated[:2000]
    plan = q.tf("plan", "-input=false")
    m = re.search(r"Plan: (\d+) to import, 0 to add, 0 to change, 0 to destroy", plan.stdout)
    assert m and int(m.group(1)) > 3, plan.stdout

    ws.tf("destroy", "-auto-approve", "-input=false")
    ws.assert_no_providers_left()
