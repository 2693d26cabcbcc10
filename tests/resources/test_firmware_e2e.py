"""The firmware example (``examples/tofu/firmware``) with the real terraform binary against the
emulator: HMMs, both switches and ten blades flash in the planned waves (checked from the audit
log's order and timestamps), versions read back, the second plan is empty and a second apply
touches nothing; then a flash failing in wave 2 rolls that wave back, waves 3+ never start, and
a re-apply after the fault is cleared finishes the job."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

from vessel_core.sim.images import make_image
from vessel_core.sim.state import CH121_SLOTS
from vessel_core.sim.testing import EmulatorThread

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tofu" / "firmware" / "main.tf"
IMAGES = {"hmm-7.70.hpm": ("hmm", "7.70"), "cx310-SPC300.hpm": ("switch", "V100R001C00SPC300"),
          "ibmc-6.10.hpm": ("ibmc", "6.10"), "ibmc-6.20.hpm": ("ibmc", "6.20")}


def body(version: str = "6.10") -> str:
    text = EXAMPLE.read_text()
    text = text[text.index("locals {"):].replace('poll_interval = "1s"', 'poll_interval = "0.1s"')
    return text.replace('"6.10"', f'"{version}"').replace("ibmc-6.10.hpm", f"ibmc-{version}.hpm")


@pytest.fixture
def chassis(tmp_path: Path) -> Any:
    with EmulatorThread(tmp_path / "emu", profile="legacy", max_web_sessions=100) as emu:
        yield emu


def flashes(ws: VesselWorkspace) -> list[tuple[str, str, str]]:
    return [(r["ts"], r["target"]["id"], r["outcome"]) for r in ws.audit()
            if r["op"] in ("firmware.flash", "hmm.failover")]


def test_firmware_rollout_with_terraform(tf_bin: str, tmp_path: Path, chassis: Any) -> None:
    emu = chassis
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emu, "vessel-firmware-e2e")
    (ws.dir / "images").mkdir(parents=True, exist_ok=True)
    for name, (kind, version) in IMAGES.items():
        (ws.dir / "images" / name).write_bytes(make_image(kind, version))
    ws.write(body())
    active = emu.call(lambda: emu.emu.state.active_mm().name)
    standby = "HMM1" if active == "HMM2" else "HMM2"

    ws.tf("plan", "-input=false", "-out=tfplan")
    doc = json.loads(ws.tf("show", "-json", "tfplan").stdout)
    planned = {c["address"]: c["change"]["after"] for c in doc["resource_changes"] if c["mode"] == "managed"}
    waves = {k: [w["members"] for w in v["waves"]] for k, v in planned.items()}
    assert waves["vessel_firmware.hmm"] == [[f"{standby}/hmm"], [f"{active}/hmm"]]
    assert waves["vessel_firmware.switch"] == [["2X/switch"], ["3X/switch"]]
    slots = [f"Slot{s}/ibmc" for s in CH121_SLOTS]
    assert waves["vessel_firmware.ibmc"] == [slots[0:3], slots[3:6], slots[6:9], slots[9:]]
    assert {h["action"] for h in planned["vessel_firmware.switch"]["pending_disruption"]} == {"fabric-down"}
    shown = ws.tf("plan", "-input=false").stdout
    assert "Firmware Wave 1" in shown and f"wave 1: {standby}/hmm" in shown, shown

    ws.apply()
    got = flashes(ws)
    assert [t for t in got] == sorted(got)  # timestamps ascending
    order = [(tid, outcome) for _, tid, outcome in got]
    assert order == ([(f"{standby}/hmm", "success"), ("hmm", "success"), (f"{active}/hmm", "success"),
                      ("2X/switch", "success"), ("3X/switch", "success")] + [(s, "success") for s in slots])
    st = emu.call(lambda: emu.emu.state.model_copy(deep=True))
    assert {m.firmware.software for m in st.mms.values()} == {"(U54)7.70"}
    assert {st.switches[n].firmware.software for n in (2, 3)} == {"(U21)V100R001C00SPC300"}
    assert {st.blades[s].firmware.imana for s in CH121_SLOTS} == {"(U4005)6.10"}
    assert ws.resources()["vessel_firmware.ibmc"]["versions"] == {f"Slot{s}": "6.10" for s in CH121_SLOTS}

    ws.assert_no_changes()
    records = len(ws.audit())
    ws.apply()
    assert len(ws.audit()) == records  # the second apply flashes, reboots and records nothing

    # 6.20 with a flash failing in wave 2: that wave rolled back, waves 3 and 4 never start
    def fail() -> None:
        emu.emu.faults.firmware_flash_targets = {"Slot8": "fail"}
    emu.call(fail)
    ws.write(body("6.20"))
    out = ws.apply(expect=1)
    text = " ".join((out.stdout + out.stderr).split())  # terraform wraps long lines
    assert "wave 2 (Slot4/ibmc, Slot8/ibmc, Slot9/ibmc) failed" in text and "waves 3, 4 not started" in text, text
    new = [(tid, outcome) for _, tid, outcome in flashes(ws)][len(order):]
    assert new == [(s, "success") for s in slots[:3]] + [(s, "rollback") for s in slots[3:6]]
    st = emu.call(lambda: emu.emu.state.model_copy(deep=True))
    assert [st.blades[s].firmware.imana for s in CH121_SLOTS] == ["(U4005)6.20"] * 3 + ["(U4005)6.10"] * 7
    versions = ws.resources()["vessel_firmware.ibmc"]["versions"]
    assert versions == {f"Slot{s}": "6.20" if s in CH121_SLOTS[:3] else "6.10" for s in CH121_SLOTS}

    emu.call(lambda: setattr(emu.emu.faults, "firmware_flash_targets", {}))
    ws.apply()
    st = emu.call(lambda: emu.emu.state.model_copy(deep=True))
    assert {st.blades[s].firmware.imana for s in CH121_SLOTS} == {"(U4005)6.20"}
    ws.assert_no_changes()
    ws.assert_no_providers_left()
