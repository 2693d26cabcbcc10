"""Compute Nodes → Slot 1..16: state, power, boot override, boot order, virtual media.

Per blade the path is chosen by capability (probed once): the blade's iBMC Redfish service
when configured and answering, else the iBMC CLI reached through the HMM (nested SSH). The
chassis-wide list is one HMM web request for all slots, whatever the path of each blade.

The persistent boot order has two homes on the iBMC, picked by what the service reports (not by
the model name): ``Oem.<vendor>.BootupSequence`` on the ComputerSystem (V3 boards, immediate)
or the BIOS attributes ``BootTypeOrder0..3`` (V5 boards, pending until the next reset). The
legacy iBMC CLI has no verb for it; there the HMM compute profile sets it.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any, Awaitable, Literal, Sequence, TypeVar

from vessel_core.chassis._util import check_blade_slot
from vessel_core.chassis.managed import TargetSetting
from vessel_core.chassis.models import (
    BladeDrive,
    BladeInventory,
    BladeState,
    BladeSummary,
    BootOrder,
    BootOverride,
    PowerAction,
    VirtualMediaState,
)
from vessel_core.drivers.redfish import ForbiddenError, RedfishClient
from vessel_core.errors import DeviceTimeoutError, NotFoundError, UnsupportedError, ValidationError
from vessel_core.models.redfish import Bios, ComputerSystem, Memory, Processor, Storage

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
# Persistent boot order: the facade (and V3 BootupSequence) names, and the V5 BIOS names.
BOOT_DEVICES = ("Hdd", "Cd", "Pxe", "Others")
_BIOS_NAME = {"Hdd": "HardDiskDrive", "Cd": "DVDROMDrive", "Pxe": "PXE", "Others": "Others"}
_FROM_BIOS = {v: k for k, v in _BIOS_NAME.items()}
_ORDER_ATTRS = tuple(f"BootTypeOrder{i}" for i in range(len(BOOT_DEVICES)))
T = TypeVar("T")


def parse_cli_boot(text: str) -> BootOverride:
    dev = re.search(r"(?im)^\s*Boot device\s*:\s*(.+?)\s*$", text)
    eff = re.search(r"(?im)^\s*Effective\s*:\s*(\S+)", text)
    target = _CLI_NAMES.get((dev.group(1) if dev else "").strip().lower(), "None")
    enabled = {"once": "Once", "permanent": "Continuous"}.get(
        (eff.group(1) if eff else "").lower(), "Disabled")
    return BootOverride(target=target, enabled="Disabled" if target == "None" else enabled)


def normalise_boot_order(order: Sequence[str], *, target: str | None = None) -> list[str]:
    """``order`` in facade names (V5 BIOS names accepted); ValidationError unless it names each
    of Hdd, Cd, Pxe, Others exactly once."""
    names: list[str] = [_FROM_BIOS.get(str(o), str(o)) for o in order] if isinstance(order, (list, tuple)) else []
    if sorted(names) != sorted(BOOT_DEVICES):
        raise ValidationError(f"order: expected each of {', '.join(BOOT_DEVICES)} once (or the BIOS "
                              f"names {', '.join(_BIOS_NAME.values())}), got {order!r}",
                              target=target, operation="blade.set_boot_order")
    return names


async def _or_empty(reader: Awaitable[list[T]]) -> list[T]:
    """An inventory collection the firmware does not serve (yet) reads as empty."""
    try:
        return await reader
    except (NotFoundError, UnsupportedError):
        return []


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
            key = (await rf.service_root()).oem_key
            manager, inventory = await asyncio.gather(rf.get_manager(f"Blade{slot}"),
                                                      _inventory(rf, sys))
            ch.route("blade.get", "redfish:ibmc")
            return _from_system(slot, sys, key).model_copy(update={
                "ibmc_version": manager.firmware_version, "inventory": inventory})
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

    # ------------------------------------------------------------------ boot order
    async def _boot_order_home(self, slot: int, op: str) -> tuple[RedfishClient, ComputerSystem,
                                                                  str | None, Bios | None]:
        """Where this blade keeps its boot order: (client, system, vendor key, BIOS). The BIOS
        is None on a V3 board (``BootupSequence``); UnsupportedError when neither is there."""
        check_blade_slot(slot, op)
        if not await self._redfish(slot):
            raise UnsupportedError("the persistent boot order has no iBMC CLI verb on this blade; "
                                   "set it with the HMM compute profile (BIOS boot settings)",
                                   target=f"blade{slot}", operation=op)
        rf = await self._ch.ibmc_redfish(slot)
        sys = await rf.get_system(f"Blade{slot}")
        key = (await rf.service_root()).oem_key
        oem = sys.system_oem(key) if key else None
        if oem is not None and oem.bootup_sequence is not None:
            return rf, sys, key, None
        if sys.bios_path is not None:
            bios = await rf.get_model(sys.bios_path, Bios)
            if all(a in bios.attributes for a in _ORDER_ATTRS):
                return rf, sys, key, bios
        raise UnsupportedError("the iBMC reports no boot order (neither BootupSequence nor the "
                               "BIOS BootTypeOrder attributes)", target=f"blade{slot}", operation=op)

    async def boot_order(self, slot: int) -> BootOrder:
        """The persistent boot order (and, on a V5 board, the one pending until the next reset)."""
        rf, sys, key, bios = await self._boot_order_home(slot, "blade.boot_order")
        self._ch.route("blade.boot_order", "redfish:ibmc")
        if bios is None:
            oem = sys.system_oem(key or "")
            seq = oem.bootup_sequence if oem is not None and oem.bootup_sequence else []
            return BootOrder(order=[_FROM_BIOS.get(x, x) for x in seq], generation="V3")
        current = [_FROM_BIOS.get(str(bios.attributes[a]), str(bios.attributes[a])) for a in _ORDER_ATTRS]
        pending_attrs = (await rf.get_model(bios.settings_path or f"{sys.bios_path}/Settings", Bios)).attributes
        nxt = [_FROM_BIOS.get(str(pending_attrs.get(a, bios.attributes[a])),
                              str(pending_attrs.get(a, bios.attributes[a]))) for a in _ORDER_ATTRS]
        return BootOrder(order=current, pending_order=None if nxt == current else nxt,
                         generation="V5")

    async def set_boot_order(self, slot: int, order: Sequence[str]) -> BootOrder:
        """Set the persistent boot order (each of Hdd, Cd, Pxe, Others once; the V5 BIOS names
        are accepted). V3 boards take it at once; on V5 boards it is pending BIOS settings until
        the next reset or power-on (``pending_order`` says so)."""
        names = normalise_boot_order(order, target=f"blade{slot}")
        rf, sys, key, bios = await self._boot_order_home(slot, "blade.set_boot_order")
        if bios is None:
            await rf.set_bootup_sequence(f"Blade{slot}", names)
        else:
            path = bios.settings_path or f"{sys.bios_path}/Settings"
            await rf.patch(path, {"Attributes": {a: _BIOS_NAME[n] for a, n in zip(_ORDER_ATTRS, names)}})
        self._ch.route("blade.set_boot_order", "redfish:ibmc")
        return await self.boot_order(slot)

    def boot(self, slot: int) -> "BootOverrideSetting":
        """The blade's boot override as a guarded setting."""
        return BootOverrideSetting(self._ch, slot)

    def media(self, slot: int, device: str = "CD") -> "VirtualMediaSetting":
        """The blade's virtual media device as a guarded setting."""
        return VirtualMediaSetting(self._ch, slot, device)

    async def has_redfish(self, slot: int) -> bool:
        """Whether the blade is driven over its iBMC's Redfish service (virtual media needs it)."""
        return await self._redfish(check_blade_slot(slot, "blade.has_redfish"))

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
        await rf.insert_media(f"Blade{slot}", image, device=device, timeout=timeout)
        self._ch.route("blade.insert_media", "redfish:ibmc")
        return await self.virtual_media(slot, device)

    async def eject_media(self, slot: int, *, device: str = "CD") -> VirtualMediaState:
        await self._need_redfish(slot, "blade.eject_media")
        current = await self.virtual_media(slot, device)
        if current.inserted:
            await (await self._ch.ibmc_redfish(slot)).eject_media(f"Blade{slot}", device=device)
        self._ch.route("blade.eject_media", "redfish:ibmc")
        return await self.virtual_media(slot, device)


class BootOverrideSetting(TargetSetting[BootOverride]):
    """One blade's boot override as a guarded setting (kind ``blade.boot``, target ``Slot<N>``):
    verified by reading it back, restored on failure, audited. ``mode`` is not compared (the
    override keeps the blade's boot mode)."""

    kind, model = "blade.boot", BootOverride
    read_only = frozenset({"mode"})

    def __init__(self, ch: "Chassis", slot: int) -> None:
        super().__init__(ch, f"Slot{check_blade_slot(slot, 'blade.boot')}")
        self.slot = slot

    async def read(self) -> BootOverride:
        return await self._ch.blade.boot_override(self.slot)

    async def write(self, want: BootOverride) -> None:
        await self._ch.blade.set_boot_override(self.slot, want.target, enabled=want.enabled)


class VirtualMediaSetting(TargetSetting[VirtualMediaState]):
    """One blade's virtual CD as a guarded setting (kind ``blade.media``): insert or eject,
    verified by reading it back."""

    kind, model = "blade.media", VirtualMediaState

    def __init__(self, ch: "Chassis", slot: int, device: str = "CD") -> None:
        super().__init__(ch, f"Slot{check_blade_slot(slot, 'blade.media')}")
        self.slot, self.device = slot, device

    async def read(self) -> VirtualMediaState:
        return await self._ch.blade.virtual_media(self.slot, self.device)

    async def write(self, want: VirtualMediaState) -> None:
        if want.inserted and want.image:
            have = await self.read()
            if have.inserted:  # another image: out with the old one first
                await self._ch.blade.eject_media(self.slot, device=self.device)
            await self._ch.blade.insert_media(self.slot, want.image, device=self.device)
        else:
            await self._ch.blade.eject_media(self.slot, device=self.device)


def _boot(sys: ComputerSystem) -> BootOverride:
    b = sys.boot
    if b is None:
        return BootOverride()
    return BootOverride(target=b.target or "None", enabled=b.enabled or "Disabled", mode=b.mode)


def _from_system(slot: int, sys: ComputerSystem, oem_key: str | None) -> BladeState:
    oem = sys.system_oem(oem_key) if oem_key else None
    return BladeState(slot=slot, model=(sys.model or (oem.product_name if oem else None) or ""),
                      power_state=_power(sys.power_state),
                      health=sys.status.health if sys.status else None, boot=_boot(sys),
                      bios_version=sys.bios_version, serial_number=sys.serial_number or None)


def _summary(sys: ComputerSystem, key: str) -> dict[str, Any]:
    raw = (getattr(sys, "model_extra", None) or {}).get(key)
    return raw if isinstance(raw, dict) else {}


async def _inventory(rf: RedfishClient, sys: ComputerSystem) -> BladeInventory:
    """Processors, memory and storage as the iBMC links them (fetched concurrently); the
    system's ProcessorSummary/MemorySummary fill in when a collection is not served."""
    cpus: list[Processor]
    dimms: list[Memory]
    storage: list[Storage]
    cpus, dimms, storage = await asyncio.gather(_or_empty(rf.processors(sys)), _or_empty(rf.memory(sys)),
                                                _or_empty(rf.storage(sys)))
    drives = [d for group in await asyncio.gather(*(_or_empty(rf.drives(st)) for st in storage))
              for d in group]
    present = [c for c in cpus if (c.status.state if c.status else None) != "Absent"]
    fitted = [m for m in dimms if m.populated]
    cpu_sum, mem_sum = _summary(sys, "ProcessorSummary"), _summary(sys, "MemorySummary")
    return BladeInventory(
        cpu_count=len(present) if cpus else cpu_sum.get("Count"),
        cpu_model=next((c.model for c in present if c.model), None) or cpu_sum.get("Model"),
        memory_gib=(sum(m.capacity_mib or 0 for m in fitted) / 1024 if dimms
                    else mem_sum.get("TotalSystemMemoryGiB")),
        raid_controllers=[c.model for st in storage for c in st.storage_controllers if c.model],
        drives=[BladeDrive(model=d.model, capacity_bytes=d.capacity_bytes, media_type=d.media_type,
                           protocol=d.protocol) for d in drives])
