"""Factory reset: ``POST /__sim/factory-reset`` and ``vessel-sim --factory-reset`` wipe every menu
to its default and keep the hardware (inventory, power, firmware, logs)."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from vessel_core.sim.state import HARDWARE_FIELDS, Account, MacPool, build_state
from vessel_core.sim.testing import client_for, start_emulator


def _configure(st) -> None:
    st.accounts.append(Account(id=3, username="operator", password="Op3rator!pw"))
    st.ntp.enabled, st.ntp.preferred_server = True, "ntp1.lab"
    st.mac_pools.append(MacPool(name="m1", start="28:6E:D4:10:00:00", size=8))
    st.chassis.asset_tag = "rack-7"
    st.blades[1].profile = "default"
    st.blades[1].power_state = "Off"  # hardware state: kept
    vlans = st.switches[2].vrp.running.vlans
    vlans[77] = next(iter(vlans.values())).model_copy(update={"id": 77, "description": "by hand"})


def _menus(st) -> dict:
    d = st.model_dump(mode="json")
    out = {k: v for k, v in d.items() if k not in HARDWARE_FIELDS}
    out["blade_profiles"] = {s: b["profile"] for s, b in d["blades"].items()}
    out["switch_config"] = {s: (w["vrp"] or {}).get("running") for s, w in d["switches"].items()}
    out["switch_saved"] = {s: (w["vrp"] or {}).get("saved") for s, w in d["switches"].items()}
    return out


async def test_admin_endpoint_wipes_menus_and_keeps_hardware(tmp_path: Path) -> None:
    async with start_emulator(tmp_path) as emu:
        default = _menus(build_state(emu.options.seed, emu.options.profile, emu.options.vrp, emu.options.password))
        _configure(emu.state)
        assert _menus(emu.state) != default
        async with client_for(emu) as http:
            url = emu.info["admin"]["url"] + "/factory-reset"
            assert (await http.post(url)).status_code == 401
            r = await http.post(url, headers={"Authorization": f"Bearer {emu.info['admin']['token']}"})
            assert r.status_code == 200
        assert _menus(emu.state) == default
        assert emu.state.blades[1].power_state == "Off"
        assert emu.state.chassis.serial_number and emu.state.chassis.asset_tag == ""


def test_cli_flag_resets_the_state_folder(tmp_path: Path) -> None:
    async def prepare() -> None:
        async with start_emulator(tmp_path) as emu:
            _configure(emu.state)
    asyncio.run(prepare())
    state = tmp_path / "sim"
    assert "operator" in (state / "chassis.json").read_text()
    p = subprocess.Popen([sys.executable, "-m", "vessel_core.sim.cli", "--state", str(state), "--factory-reset"],
                         stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        ready = json.loads(p.stdout.readline())  # type: ignore[union-attr]
        assert ready["event"] == "ready"
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    saved = json.loads((state / "chassis.json").read_text())
    assert [a["username"] for a in saved["accounts"]] == ["root"]
    assert saved["blades"]["1"]["power_state"] == "Off" and saved["blades"]["1"]["profile"] is None
