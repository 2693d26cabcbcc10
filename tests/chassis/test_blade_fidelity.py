"""The blade facade over iBMCs that differ as real ones do: Basic-only (slot 10), rebranded
firmware with the xFusion key (slot 1), virtual media without the standard actions and with a
Connect that fails once (slot 1), V3 and V5 boards (boot order immediate or pending until reset),
and the inventory the iBMC links. The legacy profile says the boot order is not reachable."""
from __future__ import annotations

import pytest
import pytest_asyncio
from chassis_helpers import chassis_for, emulator

from vessel_core.errors import UnsupportedError, ValidationError
from vessel_core.sim.state import set_boot_order as hmm_set_boot_order

OPTIONS = {"ibmc_oem_vendor": {1: "xFusion"}, "ibmc_basic_auth_only": [10],
           "ibmc_vmedia_standard_actions": [4], "ibmc_vmm_connect_failures": {1: 1}}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def modern():  # type: ignore[no-untyped-def]
    async with emulator("modern", **OPTIONS) as emu, chassis_for(emu) as ch:
        yield emu, ch


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_get_fills_serial_versions_and_inventory(modern) -> None:
    emu, ch = modern
    for slot in (1, 10, 13):          # xFusion V5, Basic-only V3, CH222 V3
        b = emu.state.blades[slot]
        got = await ch.blade.get(slot)
        assert ch.routes["blade.get"] == "redfish:ibmc"
        assert got.model == b.model and got.serial_number == b.serial_number
        assert got.ibmc_version == b.firmware.imana.split(")")[-1]
        assert got.bios_version == b.firmware.bios.split(")")[-1] and got.health == b.health
        inv = got.inventory
        assert inv is not None and inv.cpu_count == b.cpu_count and inv.cpu_model == b.cpu_model
        assert inv.memory_gib == b.memory_gib and inv.raid_controllers == [b.raid_model]
        assert [d.capacity_bytes for d in inv.drives] == [d.capacity_bytes for d in b.drives]
        assert inv.storage_bytes == sum(d.capacity_bytes for d in b.drives)
    rf = await ch.ibmc_redfish(10)
    assert rf.auth_in_use == "basic"
    assert await (await ch.ibmc_redfish(1)).oem_key() == "xFusion"


async def test_v3_boot_order_is_immediate(modern) -> None:
    emu, ch = modern
    first = await ch.blade.boot_order(10)
    assert first.generation == "V3" and first.order == emu.state.blades[10].bootup_sequence
    done = await ch.blade.set_boot_order(10, ["Pxe", "Hdd", "Cd", "Others"])
    assert done.order == ["Pxe", "Hdd", "Cd", "Others"] and done.pending_order is None
    assert emu.state.blades[10].bootup_sequence == ["Pxe", "Hdd", "Cd", "Others"]
    assert ch.routes["blade.set_boot_order"] == "redfish:ibmc"


async def test_v5_boot_order_pending_until_reset(modern) -> None:
    emu, ch = modern
    before = await ch.blade.boot_order(1)        # V5 on the rebranded firmware
    assert before.generation == "V5" and before.pending_order is None
    assert before.order == ["Cd", "Pxe", "Hdd", "Others"]      # the 2288H V5 capture's BIOS order
    # BIOS names are accepted and mapped to the one vocabulary
    got = await ch.blade.set_boot_order(1, ["HardDiskDrive", "PXE", "DVDROMDrive", "Others"])
    assert got.order == before.order and got.pending_order == ["Hdd", "Pxe", "Cd", "Others"]
    assert got.next_boot == ["Hdd", "Pxe", "Cd", "Others"]
    assert emu.state.blades[1].bios_pending["BootTypeOrder0"] == "HardDiskDrive"
    if await ch.blade.power_state(1) == "Off":
        await ch.blade.power_on(1, wait=True, timeout=20, interval=0.1)
    else:
        await ch.blade.reset(1, wait=True, timeout=20, interval=0.1)
    after = await ch.blade.boot_order(1)
    assert after.order == ["Hdd", "Pxe", "Cd", "Others"] and after.pending_order is None


async def test_hmm_side_push_is_seen_the_same_way(modern) -> None:
    emu, ch = modern
    hmm_set_boot_order(emu.state.blades[2], ["Others", "Pxe", "Hdd", "Cd"])    # a profile apply
    got = await ch.blade.boot_order(2)
    assert got.generation == "V5" and got.pending_order == ["Others", "Pxe", "Hdd", "Cd"]
    assert got.order != got.pending_order
    hmm_set_boot_order(emu.state.blades[11], ["Cd", "Pxe", "Hdd", "Others"])   # V3: at once
    assert (await ch.blade.boot_order(11)).order == ["Cd", "Pxe", "Hdd", "Others"]


async def test_bad_orders_refused_before_any_request(modern) -> None:
    _, ch = modern
    for bad in (["Hdd", "Cd", "Pxe"], ["Hdd", "Hdd", "Pxe", "Others"], ["Usb", "Cd", "Pxe", "Others"]):
        with pytest.raises(ValidationError, match="order"):
            await ch.blade.set_boot_order(3, bad)


async def test_virtual_media_per_firmware(modern) -> None:
    emu, ch = modern
    before = [t.id for t in emu.state.tasks if t.owner == "Blade1"]
    vm = await ch.blade.insert_media(1, "nfs://10.0.0.5/iso/pve.iso", timeout=20)
    assert vm.inserted and vm.image == "nfs://10.0.0.5/iso/pve.iso"
    tasks = [t for t in emu.state.tasks if t.owner == "Blade1" and t.id not in before]
    assert [t.outcome for t in tasks] == ["fail", "ok"]      # VmmControl, retried once
    assert not (await ch.blade.eject_media(1)).inserted
    # slot 4 advertises the standard actions: no task at all
    vm4 = await ch.blade.insert_media(4, "cifs://srv/share/os.iso", timeout=20)
    assert vm4.inserted and not any(t.owner == "Blade4" for t in emu.state.tasks)
    assert not (await ch.blade.eject_media(4)).inserted


async def test_legacy_blades_have_no_boot_order_verb() -> None:
    async with emulator("legacy") as emu, chassis_for(emu) as ch:
        for call in (ch.blade.boot_order(2), ch.blade.set_boot_order(2, ["Pxe", "Hdd", "Cd", "Others"])):
            with pytest.raises(UnsupportedError, match="HMM compute profile"):
                await call
        got = await ch.blade.get(2)      # the CLI path still answers
        assert got.model == "CH121" and got.inventory is None
