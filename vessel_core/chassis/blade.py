"""Compute Nodes → Slot 1..16: state, power, boot override, virtual media.

Per blade the path is chosen by capability (probed once): the blade's iBMC Redfish service
when configured and answering, else the iBMC CLI reached through the HMM (nested SSH). The
chassis-wide list is one HMM web request for all slots, whatever the path of each blade.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Literal

from vessel_core.chassis._util import check_blade_slot
from vessel_core.chassis.models import BladeState, BladeSummary, BootOverride, PowerAction, VirtualMediaState
from vessel_core.drivers.redfish import ForbiddenError
from vessel_core.errors import DeviceTimeoutError, NotFoundError, UnsupportedError, ValidationError
from vessel_core.models.redfish import ComputerSystem

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

POWER_ACTIONS = ("On", "ForceOff", "GracefulShutdown", "ForceRestart", "ForcePowerCycle", "Nmi")
BOOT_TARGETS = ("None", "Pxe", "Hdd", "Cd", "Floppy", "BiosSetup")
BOOT_ENABLED = ("Disabled", "Once", "Continuous")
# Redfish boot target -> iBMC CLI device name (IbmcCli.set_boot_device vocabulary)
_CLI_DEVICE = {"None": "none", "Pxe": "pxe", "Hdd": "hdd", "Cd": "cdrom", "Floppy": "floppy",
               "BiosSetup": "bios"}
# ``ipmcget -d bootdevice`` names -> Redfish targets
_CLI_NAMES = {"no override": "None", "none": "None", "pxe": "Pxe", "hard drive": "Hdd",
              "hdd": "Hdd", "cd/dvd": "Cd", "cd": "Cd", "floppy": "Floppy", "bios setup": "BiosSetup"}


def parse_cli_boot(text: str) -> BootOverride:
    dev = re.search(r"(?im)^\s*Boot device\s*:\s*(.+?)\s*$", text)
    eff = re.search(r"(?im)^\s*Effective\s*:\s*(\S+)", text)
    target = _CLI_NAMES.get((dev.group(1) if dev else "").strip().lower(), "None")
    enabled = {"once": "Once", "permanent": "Continuous"}.get(
        (eff.group(1) if eff else "").lower(), "Disabled")
    return BootOverride(target=target, enabled="Disabled" if target == "None" else enabled)


def _power(value: str | None) -> Literal["On", "Off", "unknown"]:
    v = (value or "").lower()
    return "On" if v == "on" else "Off" if v == "off" else "unknown"


class Blades:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def _redfish(self, slot: int) -> bool:
        return await self._ch.blade_has_redfish(slot)

    # ------------------------------------------------------------------ reads
    async def list(self) -> list[BladeSummary]:
        """All present blades with power state and bound profile, in one HMM web request
        (the node list), whatever the number of blades."""
        nodes = await self._ch.stateless.nodes()
        self._ch.route("blade.list", "web")
        return [BladeSummary(slot=n.slot, model=n.model, profile=n.profile,
                             power_state="unknown" if n.powered_on is None
                             else "On" if n.powered_on else "Off") for n in nodes]

    async def get(self, slot: int) -> BladeState:
        """One blade in full (power, health, boot override)."""
        check_blade_slot(slot, "blade.get")
        ch = self._ch
        if await self._redfish(slot):
            rf = await ch.ibmc_redfish(slot)
            sys = await rf.get_system(f"Blade{slot}")
            ch.route("blade.get", "redfish:ibmc")
            return _from_system(slot, sys)
        node = await ch.stateless.node(slot)  # NotFoundError for an empty slot
        cli = await ch.ibmc_cli(slot)
        state = await cli.power_state()
        boot = parse_cli_boot(await cli.boot_device())
        health = None
        try:
            health = "OK" if (await (await ch.hmm_cli()).health(f"blade{slot}")).ok else "Warning"
        except UnsupportedError:
            pass
        ch.route("blade.get", "ssh:ibmc")
        return BladeState(slot=slot, model=node.model, profile=node.profile, boot=boot,
                          power_state=_power(state), health=health)

    async def power_state(self, slot: int) -> Literal["On", "Off", "unknown"]:
        check_blade_slot(slot, "blade.power_state")
        if await self._redfish(slot):
            sys = await (await self._ch.ibmc_redfish(slot)).get_system(f"Blade{slot}")
            self._ch.route("blade.power_state", "redfish:ibmc")
            return _power(sys.power_state)
        state = await (await self._ch.ibmc_cli(slot)).power_state()
        self._ch.route("blade.power_state", "ssh:ibmc")
        return _power(state)

    # ------------------------------------------------------------------ power
    async def power(self, slot: int, action: PowerAction, *, wait: bool = False,
                    timeout: float = 300.0, interval: float = 1.0) -> Literal["On", "Off", "unknown"]:
        """Run a power action (Redfish ``ResetType`` vocabulary). With ``wait``, poll until
        the blade reaches the state the action leads to (DeviceTimeoutError at ``timeout``)."""
        check_blade_slot(slot, "blade.power")
        if action not in POWER_ACTIONS:
            raise ValidationError(f"action: expected one of {', '.join(POWER_ACTIONS)}, got "
                                  f"{action!r}", target=f"blade{slot}", operation="blade.power")
        ch = self._ch
        if await self._redfish(slot):
            await (await ch.ibmc_redfish(slot)).reset_system(f"Blade{slot}", action)
            ch.route("blade.power", "redfish:ibmc")
        else:
            await ch.stateless.node(slot)
            cli = await ch.ibmc_cli(slot)
            await {"On": cli.power_on, "GracefulShutdown": cli.power_off,
                   "ForceOff": lambda: cli.power_off(force=True), "ForceRestart": cli.reset,
                   "ForcePowerCycle": cli.power_cycle, "Nmi": cli.nmi}[action]()
            ch.route("blade.power", "ssh:ibmc")
        ch.cache.invalidate("nodes")
        want = {"On": "On", "ForceOff": "Off", "GracefulShutdown": "Off",
                "ForceRestart": "On", "ForcePowerCycle": "On"}.get(action)
        if not wait or want is None:
            return "unknown"
        deadline = time.monotonic() + timeout
        while True:
            state = await self.power_state(slot)
            if state == want:
                return state
            if time.monotonic() >= deadline:
                raise DeviceTimeoutError(f"blade still {state} after {timeout:g} s (want {want})",
                                         target=f"blade{slot}", operation=f"blade.power {action}")
            await asyncio.sleep(interval)

    async def power_on(self, slot: int, **kw) -> Literal["On", "Off", "unknown"]:
        return await self.power(slot, "On", **kw)

    async def power_off(self, slot: int, *, force: bool = False, **kw) -> Literal["On", "Off", "unknown"]:
        return await self.power(slot, "ForceOff" if force else "GracefulShutdown", **kw)

    async def reset(self, slot: int, *, cycle: bool = False, **kw) -> Literal["On", "Off", "unknown"]:
        return await self.power(slot, "ForcePowerCycle" if cycle else "ForceRestart", **kw)

    # ------------------------------------------------------------------ boot
    async def boot_override(self, slot: int) -> BootOverride:
        check_blade_slot(slot, "blade.boot_override")
        if await self._redfish(slot):
            sys = await (await self._ch.ibmc_redfish(slot)).get_system(f"Blade{slot}")
            self._ch.route("blade.boot_override", "redfish:ibmc")
            return _boot(sys)
        out = await (await self._ch.ibmc_cli(slot)).boot_device()
        self._ch.route("blade.boot_override", "ssh:ibmc")
        return parse_cli_boot(out)

    async def set_boot_override(self, slot: int, target: str, *, enabled: str = "Once",
                                mode: str | None = None) -> BootOverride:
        """One-time (``Once``) or persistent (``Continuous``) boot device; ``None`` clears."""
        check_blade_slot(slot, "blade.set_boot_override")
        if target not in BOOT_TARGETS:
            raise ValidationError(f"target: expected one of {', '.join(BOOT_TARGETS)}, got "
                                  f"{target!r}", target=f"blade{slot}",
                                  operation="blade.set_boot_override")
        if enabled not in BOOT_ENABLED:
            raise ValidationError(f"enabled: expected one of {', '.join(BOOT_ENABLED)}, got "
                                  f"{enabled!r}", target=f"blade{slot}",
                                  operation="blade.set_boot_override")
        if enabled == "Disabled":
            target = "None"
        if await self._redfish(slot):
            rf = await self._ch.ibmc_redfish(slot)
            await rf.set_boot_override(f"Blade{slot}", target,
                                       enabled="Disabled" if target == "None" else enabled,
                                       mode=mode)
            self._ch.route("blade.set_boot_override", "redfish:ibmc")
        else:
            if mode is not None:
                raise UnsupportedError("boot mode (Legacy/UEFI) cannot be set over the iBMC CLI",
                                       target=f"blade{slot}", operation="blade.set_boot_override")
            cli = await self._ch.ibmc_cli(slot)
            await cli.set_boot_device(_CLI_DEVICE[target], mode=None if target == "None" else
                                      ("permanent" if enabled == "Continuous" else "once"))
            self._ch.route("blade.set_boot_override", "ssh:ibmc")
        return await self.boot_override(slot)

    # ------------------------------------------------------------------ virtual media
    async def _need_redfish(self, slot: int, op: str) -> None:
        check_blade_slot(slot, op)
        if not await self._redfish(slot):
            raise UnsupportedError("virtual media needs the blade's iBMC Redfish service (the "
                                   "legacy iBMC CLI has no virtual-media verb; use the KVM "
                                   "virtual-media channel)", target=f"blade{slot}", operation=op)

    async def virtual_media(self, slot: int, device: str = "CD") -> VirtualMediaState:
        await self._need_redfish(slot, "blade.virtual_media")
        try:
            vm = await (await self._ch.ibmc_redfish(slot)).get_virtual_media(f"Blade{slot}", device)
        except (NotFoundError, ForbiddenError):
            raise NotFoundError(f"no virtual media device {device!r}", target=f"blade{slot}",
                                operation="blade.virtual_media") from None
        self._ch.route("blade.virtual_media", "redfish:ibmc")
        return VirtualMediaState(device=device, inserted=bool(vm.inserted), image=vm.image)

    async def insert_media(self, slot: int, image: str, *, device: str = "CD",
                           timeout: float = 300.0) -> VirtualMediaState:
        """Connect an image (``nfs://``, ``cifs://``, ``https://``) and wait for the task."""
        await self._need_redfish(slot, "blade.insert_media")
        if "://" not in image:
            raise ValidationError(f"image: a URL (nfs://, cifs://, https://) is required, got "
                                  f"{image!r}", target=f"blade{slot}", operation="blade.insert_media")
        rf = await self._ch.ibmc_redfish(slot)
        await rf.vmm_control(f"Blade{slot}", "Connect", image, device=device, timeout=timeout)
        self._ch.route("blade.insert_media", "redfish:ibmc")
        return await self.virtual_media(slot, device)

    async def eject_media(self, slot: int, *, device: str = "CD") -> VirtualMediaState:
        await self._need_redfish(slot, "blade.eject_media")
        current = await self.virtual_media(slot, device)
        if current.inserted:
            await (await self._ch.ibmc_redfish(slot)).vmm_control(f"Blade{slot}", "Disconnect",
                                                                 device=device)
        self._ch.route("blade.eject_media", "redfish:ibmc")
        return await self.virtual_media(slot, device)


def _boot(sys: ComputerSystem) -> BootOverride:
    b = sys.boot
    if b is None:
        return BootOverride()
    return BootOverride(target=b.target or "None", enabled=b.enabled or "Disabled", mode=b.mode)


def _from_system(slot: int, sys: ComputerSystem) -> BladeState:
    oem = sys.huawei_oem
    return BladeState(slot=slot, model=(sys.model or (oem.product_name if oem else None) or ""),
                      power_state=_power(sys.power_state),
                      health=sys.status.health if sys.status else None, boot=_boot(sys),
                      bios_version=sys.bios_version)
