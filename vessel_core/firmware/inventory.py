"""Every flashable component of the chassis, from the readers that exist (chassis-surface §6.1):
both HMMs (``versionhandler`` ``smm`` / ``othersmm``; which one is active from the HMM's
Redfish managers), each blade's iBMC (active and backup image), BIOS and CPLD (the blade's
iBMC Redfish ``FirmwareInventory`` where it answers, else the HMM's version block), and each
CX310 (its version block). Blade power states come from the one node-list read."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from vessel_core.errors import VesselError
from vessel_core.firmware.model import SWITCH_LABELS, Component, Inventory, norm_version

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

#: component kind → (web version-block key, Redfish FirmwareInventory id)
BLADE_KEYS = {"ibmc": ("Active iMana Version", "ActiveBMC"), "bios": ("BIOS Version", "Bios"),
              "cpld": ("CPLD Version", "MainBoardCPLD")}
BACKUP_KEYS = ("Backup iMana Version", "BackupBMC")
HMM_DETAILS = ("Uboot Version", "CPLD Version", "FPGA Version")


def switch_label(name: str) -> str:
    """``Swi2`` → ``2X``."""
    return SWITCH_LABELS.get(int(name[3:]), name) if name[3:].isdigit() else name


def switch_slot(label: str) -> int:
    return next(s for s, lab in SWITCH_LABELS.items() if lab == label)


async def active_hmm(ch: "Chassis") -> str:
    """``HMM1`` or ``HMM2``; ``HMM1`` when the HMM's Redfish names neither [INF]."""
    try:
        return (await ch.management.active.read()).active
    except VesselError:
        return "HMM1"


async def read_inventory(ch: "Chassis") -> Inventory:
    comps, active, blades = await asyncio.gather(ch.upgrade.inventory(), active_hmm(ch), ch.blade.list())
    standby = "HMM2" if active == "HMM1" else "HMM1"
    out: list[Component] = []
    for fc in comps:
        v = fc.versions
        if fc.component in ("smm", "othersmm"):
            out.append(Component("hmm", active if fc.component == "smm" else standby,
                                 norm_version(v.get("Software Version", "")),
                                 details=tuple((k, v[k]) for k in HMM_DETAILS if k in v)))
        elif fc.component.startswith("Swi"):
            out.append(Component("switch", switch_label(fc.component), norm_version(v.get("Software Version", ""))))
        elif fc.component.startswith("Slot"):
            col = 1 if fc.source == "redfish" else 0
            backup = v.get(BACKUP_KEYS[col])
            for kind, keys in BLADE_KEYS.items():
                if keys[col] in v:
                    out.append(Component(kind, fc.component, norm_version(v[keys[col]]),  # type: ignore[arg-type]
                                         norm_version(backup) if kind == "ibmc" and backup else None))
    out.sort(key=lambda c: (c.kind, _order(c.target)))
    return Inventory(tuple(out), active_hmm=active,
                     blade_power={b.slot: b.power_state for b in blades})


def _order(target: str) -> tuple[int, str]:
    digits = "".join(ch for ch in target if ch.isdigit())
    return (int(digits) if digits else 0, target)
