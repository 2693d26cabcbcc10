"""The Redfish driver against emulated iBMCs that differ as real firmware does (real HTTPS on
loopback): Basic-only, the xFusion key, virtual media with a failing first Connect, and the V5
BIOS pending settings applied by a reset."""
from __future__ import annotations

import asyncio
from pathlib import Path

from vessel_core.drivers.redfish import RedfishClient, RetryPolicy
from vessel_core.drivers.tls import TLSConfig
from vessel_core.sim.testing import start_emulator

OPTIONS = {"ibmc_basic_auth_only": [3], "ibmc_oem_vendor": {1: "xFusion"},
           "ibmc_vmedia_standard_actions": [4], "ibmc_vmm_connect_failures": {1: 1}}


def ibmc(emu, slot: int) -> RedfishClient:
    b = emu.info["ibmc"][str(slot)]
    return RedfishClient(b["url"], b["username"], b["password"], tls=TLSConfig(ca_bundle=str(emu.ca_file)),
                         retry=RetryPolicy(attempts=3, base=0.01, cap=0.05), task_poll_interval=0.05)


async def test_driver_against_differing_ibmcs(tmp_path: Path) -> None:
    async with start_emulator(tmp_path, profile="modern", **OPTIONS) as emu:
        async with ibmc(emu, 3) as rf:
            assert rf.auth_in_use == "basic" and (await rf.get_system("Blade3")).id == "Blade3"
            assert emu.ibmc[3].sessions.sessions == {}
        async with ibmc(emu, 1) as rf:
            assert rf.auth_in_use == "session" and await rf.oem_key() == "xFusion"
            system = await rf.get_system("Blade1")
            assert system.system_oem("xFusion").device_slot_id == 1 and system.huawei_oem is None
            assert await rf.insert_media("Blade1", "nfs://10.0.0.1/export/os.iso", timeout=20) == "VmmControl"
            assert (await rf.get_virtual_media("Blade1")).inserted
            assert await rf.eject_media("Blade1") == "VmmControl"
            assert [t.outcome for t in emu.state.tasks if t.owner == "Blade1"] == ["fail", "ok"]
            # V5: pending BIOS settings, applied by a reset
            await rf.set_bios_settings("Blade1", {"BootTypeOrder0": "PXE", "BootTypeOrder1": "DVDROMDrive"})
            assert (await rf.get_bios_settings("Blade1")).attributes == {"BootTypeOrder0": "PXE",
                                                                        "BootTypeOrder1": "DVDROMDrive"}
            assert (await rf.get_bios("Blade1")).attributes["BootTypeOrder0"] == "DVDROMDrive"
            emu.state.blades[1].power_state, emu.state.blades[1].pending_power = "On", None
            await rf.reset_system("Blade1", "ForcePowerCycle")
            await asyncio.sleep(emu.timing.restart_s + 0.2)
            assert (await rf.get_bios("Blade1")).attributes["BootTypeOrder0"] == "PXE"
            assert (await rf.get_bios_settings("Blade1")).attributes == {}
        async with ibmc(emu, 4) as rf:
            assert await rf.insert_media("Blade4", "cifs://srv/share/os.iso") == "InsertMedia"
            assert await rf.eject_media("Blade4") == "EjectMedia"
        async with ibmc(emu, 12) as rf:   # a V3 board: BootupSequence under the Huawei key
            await rf.set_bootup_sequence("Blade12", ["Cd", "Hdd", "Pxe", "Others"])
            system = await rf.get_system("Blade12")
            assert system.system_oem("Huawei").bootup_sequence == ["Cd", "Hdd", "Pxe", "Others"]
            cpus, dimms, [st] = await rf.processors(system), await rf.memory(system), await rf.storage(system)
            b = emu.state.blades[12]
            assert len(cpus) == b.cpu_count and sum(m.capacity_mib or 0 for m in dimms) == b.memory_gib * 1024
            assert [d.serial_number for d in await rf.drives(st)] == [d.serial_number for d in b.drives]
