"""Emulator firmware images: ``vessel-sim make-image`` writes a header the HMM takes the
component and version from; a CX310 reboots after its flash (its VRP CLI down meanwhile)."""
from __future__ import annotations

import hashlib
import time

from vessel_core.sim.cli import main
from vessel_core.sim.images import make_image, read_header
from vessel_core.sim.ssh.server import switch_reachable
from vessel_core.sim.state import UpgradeTarget


def test_make_image_cli(tmp_path, capsys):
    out = tmp_path / "ibmc.hpm"
    assert main(["make-image", "--component", "ibmc", "--version", "6.10", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert capsys.readouterr().out.strip() == hashlib.sha256(data).hexdigest()
    assert read_header(data) == {"component": "ibmc", "version": "6.10"}
    assert main(["make-image", "--component", "ibmc", "--version", "a:b", "--out", str(out)]) == 2
    assert read_header(b"not an image") is None
    assert make_image("bios", "V502") == make_image("bios", "V502")  # deterministic


async def test_switch_reboots_after_flash(tmp_path):
    from vessel_core.sim.testing import start_emulator

    async with start_emulator(tmp_path) as emu:
        st = emu.state
        now = time.time()
        st.upgrade.targets = [UpgradeTarget(name="Swi2:fru0", started=now - 1.0, duration_s=0.5,
                                            outcome="ok", new_version="V100R001C00SPC300", reboot_s=30.0)]
        st.settle()
        assert st.switches[2].firmware.software.endswith("SPC300")
        assert not switch_reachable(emu, 2) and switch_reachable(emu, 3)
        st.switches[2].rebooting_until = 0.0
        assert switch_reachable(emu, 2)
        st.rollback_target("Swi2", "switch")
        assert st.switches[2].firmware.software.endswith("SPC200")
