"""The stateless example (``examples/tofu/stateless``) with the real terraform binary, on both
firmware profiles of the emulated chassis (``legacy``: iBMC CLI through the HMM's SSH; ``modern``:
iBMC Redfish): applies, second plan empty; a changed boot order warns for all ten blades in the
plan and applies; a profile edited by hand shows as drift and is repaired; a blade pulled from
its slot leaves state with a message; import of every type (command, and ``import {}`` with
``-generate-config-out`` planning imports only); destroy returns the chassis to where it was."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

from vessel_core.sim.state import CH121_SLOTS
from vessel_core.sim.testing import EmulatorThread

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tofu" / "stateless" / "main.tf"
NAME = "k8s-worker-template"


def example_body() -> str:
    text = EXAMPLE.read_text()
    return text[text.index('resource "vessel_mac_pool"'):]  # the workspace writes its own provider block


@pytest.fixture(params=["legacy", "modern"])
def chassis(request: Any, tmp_path: Path) -> Any:
    with EmulatorThread(tmp_path / "emu", profile=request.param, max_web_sessions=100) as emu:
        yield emu


def snapshot(emu: Any) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        st = emu.emu.state
        st.settle()
        return {"bound": {s: b.profile for s, b in st.blades.items() if b.present},
                "power": {s: b.power_state for s, b in st.blades.items() if b.present},
                "pools": [p.name for p in st.mac_pools] + [p.name for p in st.uuid_pools],
                "profiles": {p.name: list(p.boot_order) for p in st.profiles},
                "macs": [m for p in st.mac_pools for macs in p.allocations.values() for m in macs]}
    return emu.call(read)


def warnings_shown(text: str, summary: str) -> int:
    """How many warnings ``summary`` the human output stands for (Terraform folds similar ones
    into "(and N more similar warnings elsewhere)")."""
    shown = text.count(f"Warning: {summary}")
    folded = sum(int(n) for n in re.findall(r"\(and (\d+) more similar warnings? elsewhere\)", text))
    return shown + folded


def disruptions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [h for c in doc["resource_changes"] for h in (c["change"].get("after") or {}).get("pending_disruption") or []
            if "update" in c["change"]["actions"] or "create" in c["change"]["actions"]]


def plan_json(ws: VesselWorkspace) -> dict[str, Any]:
    ws.tf("plan", "-input=false", "-out=tfplan")
    return json.loads(ws.tf("show", "-json", "tfplan").stdout)


def test_stateless_example_with_terraform(tf_bin: str, tmp_path: Path, chassis: Any) -> None:
    emu = chassis
    before = snapshot(emu)
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emu, "vessel-stateless-e2e")
    ws.write(example_body())

    running = [s for s in CH121_SLOTS if before["power"][s] == "On"]
    hits = disruptions(plan_json(ws))                                     # before anyone types yes
    assert sorted(h["slot"] for h in hits) == running and {h["action"] for h in hits} == {"power-cycle"}
    plan = ws.tf("plan", "-input=false")
    assert warnings_shown(plan.stdout, "Blade Will Be Power-Cycled") == len(running), plan.stdout
    ws.apply()
    after = snapshot(emu)
    assert all(after["bound"][s] == NAME for s in CH121_SLOTS)
    assert after["power"] == before["power"]                              # cycled, and back as they were
    assert len(after["macs"]) == len(set(after["macs"])) == 20
    state = ws.resources()
    assert state['vessel_blade.worker["3"]']["macs"] and state["vessel_compute_profile.k8s_worker"]["id"] == NAME
    ws.assert_no_changes()

    # every blade running: a changed boot order power-cycles all ten, and the plan says so
    emu.call(lambda: [setattr(emu.emu.state.blades[s], "power_state", "On") for s in CH121_SLOTS])
    ws.write(example_body().replace('["pxe", "disk"]', '["disk", "pxe"]'))
    hits = disruptions(plan_json(ws))
    assert sorted(h["slot"] for h in hits) == list(CH121_SLOTS) and {h["action"] for h in hits} == {"power-cycle"}
    assert all("re-apply compute profile" in h["reason"] for h in hits)
    plan = ws.tf("plan", "-input=false")
    assert warnings_shown(plan.stdout, "Blade Will Be Power-Cycled") == 10, plan.stdout
    ws.apply()
    assert snapshot(emu)["profiles"][NAME] == ["Hdd", "Pxe"]
    ws.assert_no_changes()

    # a profile edited by hand on the HMM shows as drift and is repaired
    def edit() -> None:
        p = next(p for p in emu.emu.state.profiles if p.name == NAME)
        p.boot_order = ["Cd"]
    emu.call(edit)
    drift = ws.tf("plan", "-input=false", "-detailed-exitcode", expect=2)
    assert "bios_boot_order" in drift.stdout
    ws.apply()
    assert snapshot(emu)["profiles"][NAME] == ["Hdd", "Pxe"]
    ws.assert_no_changes()

    # import: the command for a blade and the profile, import {} + -generate-config-out for each type
    ws.tf("state", "rm", 'vessel_blade.worker["9"]', "vessel_compute_profile.k8s_worker")
    ws.tf("import", "-input=false", 'vessel_blade.worker["9"]', "Slot9")
    ws.tf("import", "-input=false", "vessel_compute_profile.k8s_worker", NAME)
    ws.assert_no_changes()
    (tmp_path / "adopt").mkdir()
    adopt = VesselWorkspace(tf_bin, tmp_path / "adopt", emu, "vessel-stateless-adopt")
    adopt.write("""
        import {
          to = vessel_mac_pool.p
          id = "workers"
        }
        import {
          to = vessel_uuid_pool.u
          id = "workers"
        }
        import {
          to = vessel_vnic_profile.v
          id = "data"
        }
        import {
          to = vessel_compute_profile.c
          id = "k8s-worker-template"
        }
        import {
          to = vessel_blade.b
          id = "Slot10"
        }
        import {
          to = vessel_switch_profile.s
          id = "k8s_uplinks"
        }
    """)
    adopt.tf("plan", "-input=false", "-generate-config-out=generated.tf")
    generated = (adopt.dir / "generated.tf").read_text()
    assert 'resource "vessel_blade" "b"' in generated and "k8s-worker-template" in generated
    plan = adopt.tf("plan", "-input=false")
    assert re.search(r"Plan: 6 to import, 0 to add, 0 to change, 0 to destroy", plan.stdout), plan.stdout

    # a blade pulled from its slot leaves state with a clear message
    emu.call(lambda: setattr(emu.emu.state.blades[16], "present", False))
    gone = ws.tf("plan", "-input=false", "-refresh-only")
    assert "slot 16 holds no blade" in gone.stdout + gone.stderr
    ws.apply("-refresh-only")
    assert 'vessel_blade.worker["16"]' not in ws.resources()
    failed = ws.tf("plan", "-input=false", expect=1)
    assert "Empty Slot" in failed.stdout + failed.stderr                 # refused before anything is written
    emu.call(lambda: setattr(emu.emu.state.blades[16], "present", True))
    ws.apply()

    ws.tf("destroy", "-auto-approve", "-input=false")
    end = snapshot(emu)
    assert all(end["bound"][s] is None for s in CH121_SLOTS) and end["pools"] == [] and list(end["profiles"]) == ["default"]
    assert {s: p for s, p in end["power"].items()} == {s: "On" if s in CH121_SLOTS else p
                                                       for s, p in before["power"].items()}  # left as they were
    outcomes = {r["outcome"] for r in ws.audit()}
    assert outcomes <= {"success", "no-op"}, outcomes
    ws.assert_no_providers_left()
