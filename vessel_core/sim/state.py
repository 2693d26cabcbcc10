"""The emulated E9000 chassis as one pydantic document.

Everything the emulated services answer comes from a :class:`ChassisState`; everything they
change is written back into it. The document is deterministic for a given ``seed`` (MACs,
UUIDs, serial numbers, alarm and SEL history), is saved as ``<state dir>/chassis.json`` with an
atomic replace, and is loaded again on the next start.

Timing follows the lazy pattern of a fake Redfish backend: a power change or a firmware flash
is stored with the wall-clock time at which it completes, and :meth:`ChassisState.settle`
applies whatever is due whenever a service reads the state. No background task is needed and
a restart in the middle of a flash resumes where it was.

Facts come from the chassis fact sheet (slot population, versions, addressing); shapes the
sheet does not know are marked ``[INF]`` where they are defined.
"""
from __future__ import annotations

import copy
import json
import os
import random
import tempfile
import time
import uuid as uuidlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vessel_core.sim.vrp.state import SwitchState

STATE_FILE = "chassis.json"
STATE_FORMAT = 2  # 2: named MAC/UUID pools (a format-1 file is refused, not misread)

Profile = Literal["legacy", "modern"]
VrpFlavour = Literal["vrp5", "vrp8"]
PowerState = Literal["On", "Off"]
BootTarget = Literal["None", "Pxe", "Floppy", "Cd", "Hdd", "BiosSetup"]
BootEnabled = Literal["Disabled", "Once", "Continuous"]
BootMode = Literal["Legacy", "UEFI"]
ResetType = Literal["On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi", "ForcePowerCycle"]
RESET_TYPES: tuple[str, ...] = ("On", "ForceOff", "GracefulShutdown", "ForceRestart", "Nmi",
                                "ForcePowerCycle")
BOOT_TARGETS: tuple[str, ...] = ("None", "Pxe", "Floppy", "Cd", "Hdd", "BiosSetup")
Generation = Literal["V3", "V5"]
# Persistent BIOS boot order. V3 boards keep it as ``Oem.<vendor>.BootupSequence`` on the
# ComputerSystem (these names); V5 boards as the BIOS attributes ``BootTypeOrder0..3`` (the
# V5 names). [PUB] Huawei-iBMC-Cmdlets; the V5 names and default order are the 2288H V5 capture's.
BOOT_ORDER_V3: tuple[str, ...] = ("Hdd", "Cd", "Pxe", "Others")
BOOT_ORDER_V5_NAME = {"Hdd": "HardDiskDrive", "Cd": "DVDROMDrive", "Pxe": "PXE", "Others": "Others"}
BOOT_ORDER_V3_NAME = {v: k for k, v in BOOT_ORDER_V5_NAME.items()}
BOOT_ORDER_ATTRS = tuple(f"BootTypeOrder{i}" for i in range(4))
DEFAULT_V5_BOOT_ORDER = ("DVDROMDrive", "PXE", "HardDiskDrive", "Others")
# [INF] Board generation per slot. The legacy profile is the fact sheet's chassis (iMana 6.05
# from 2015: every blade a V3 board). The modern profile mixes them, fixed per slot so every seed
# gives the same mix: the CH121s in slots 1-4, 8 and 9 are V5, the other CH121s and the CH222s
# (a V3-only model) are V3.
MODERN_V5_SLOTS = (1, 2, 3, 4, 8, 9)

# [HW] This chassis: CH121 in 1,2,3,4,8,9,10,11,12,16; CH222 in 13,14,15; 5,6,7 absent.
CH121_SLOTS = (1, 2, 3, 4, 8, 9, 10, 11, 12, 16)
CH222_SLOTS = (13, 14, 15)
BLADE_SLOTS = tuple(range(1, 17))
SWITCH_SLOTS = (1, 2, 3, 4)
SWITCH_LABELS = {1: "1E", 2: "2X", 3: "3X", 4: "4E"}
PRESENT_SWITCHES = (2, 3)
SWITCH_PAIR = {1: 4, 4: 1, 2: 3, 3: 2}
PSU_COUNT = 6          # [INF] usually quoted as 6 on E9000
FAN_COUNT = 14         # [INF] usually quoted as 14 fan modules
HUAWEI_OUI = "28:6E:D4"
SEL_TIME_FORMAT = "%a %b %d %H:%M:%S %Y"
HISTORY_START = datetime(2026, 3, 11, 6, 0, 0, tzinfo=timezone.utc)

DEFAULT_USER = "root"
DEFAULT_PASSWORD = "Huawei12#$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ----------------------------------------------------------------------------- accounts

class Account(_Model):
    """An HMM or iBMC local account. ``id`` follows Redfish (the HMM's root is ``2``)."""
    id: int
    username: str
    password: str
    role: Literal["Administrator", "Operator", "ReadOnly", "Commonuser"] = "Administrator"
    enabled: bool = True
    locked: bool = False
    interfaces: list[str] = Field(default_factory=lambda: [
        "WEB", "SNMP", "SSH/TELNET", "SFTP", "KVM", "REDFISH"])


# ----------------------------------------------------------------------------- blades

class BootOverride(_Model):
    target: BootTarget = "None"
    enabled: BootEnabled = "Disabled"
    mode: BootMode = "Legacy"


class PendingPower(_Model):
    """A power transition that completes at ``due`` (epoch seconds)."""
    state: PowerState
    due: float
    cause: str


class VirtualMedia(_Model):
    inserted: bool = False
    image: str | None = None
    write_protected: bool = True
    connected_via: Literal["NotConnected", "URI", "Applet"] = "NotConnected"


class SelEntry(_Model):
    level: int = 0
    leveldesp: str = "Normal"
    datetime: str
    source: str
    sensorname: str
    eventdesp: str
    asserted: bool = True


class BladeDrive(_Model):
    """[INF] A local disk of a blade (a CH121 takes two 2.5" drives); shapes as in the iBMC
    capture (``/Chassis/<id>/Drives/HDDPlaneDisk<n>``)."""
    id: int
    model: str
    capacity_bytes: int
    media_type: Literal["HDD", "SSD"] = "HDD"
    protocol: Literal["SAS", "SATA"] = "SAS"
    serial_number: str = ""


class BladeFirmware(_Model):
    ipmc_cpu: str = "SPEAr310"
    bios: str = "(U41)V501"
    imana: str = "(U4005)6.05"
    backup_imana: str = "(U4005)6.05"
    cpld: str = "(U38)023"


class Mezz(_Model):
    """[INF] Mezzanine card record (mezzhandler shape is not captured)."""
    position: int
    model: str
    kind: str
    ports: int


class Blade(_Model):
    slot: int
    present: bool
    model: Literal["CH121", "CH222", ""] = ""
    name: str = ""
    serial_number: str = ""
    part_number: str = ""
    uuid: str = ""
    macs: list[str] = Field(default_factory=list)
    power_state: PowerState = "Off"
    pending_power: PendingPower | None = None
    boot: BootOverride = Field(default_factory=BootOverride)
    bios_boot_mode: Literal["enable", "disable"] = "enable"
    health: Literal["OK", "Warning", "Critical"] = "OK"
    firmware: BladeFirmware = Field(default_factory=BladeFirmware)
    bricked: bool = False
    accounts: list[Account] = Field(default_factory=list)
    virtual_media: dict[str, VirtualMedia] = Field(default_factory=lambda: {
        "CD": VirtualMedia(), "USBStick": VirtualMedia()})
    mezz: list[Mezz] = Field(default_factory=list)
    cpu_count: int = 2
    memory_gib: int = 128
    sel: list[SelEntry] = Field(default_factory=list)
    profile: str | None = None        # stateless-computing profile bound to this node
    power_on_strategy: Literal["TurnOn", "StayOff", "RestorePreviousState"] = "TurnOn"
    generation: Generation = "V3"
    # V3: the persistent boot order, changed at once
    bootup_sequence: list[str] = Field(default_factory=lambda: list(BOOT_ORDER_V3))
    # V5: the BIOS attributes in effect and those pending until the next boot (Bios/Settings)
    bios_attributes: dict[str, str] = Field(default_factory=lambda: dict(
        zip(BOOT_ORDER_ATTRS, DEFAULT_V5_BOOT_ORDER)))
    bios_pending: dict[str, str] = Field(default_factory=dict)
    cpu_model: str = ""
    cpu_cores: int = 0
    raid_model: str = ""
    drives: list[BladeDrive] = Field(default_factory=list)

    @property
    def slot_width(self) -> int:
        return 2 if self.model == "CH222" else 1

    def boot_order(self, *, pending: bool = False) -> list[str]:
        """The persistent boot order in V3 names (``pending``: as the next boot will see it)."""
        if self.generation == "V3":
            return list(self.bootup_sequence)
        attrs = {**self.bios_attributes, **(self.bios_pending if pending else {})}
        return [BOOT_ORDER_V3_NAME.get(attrs.get(a, ""), attrs.get(a, "")) for a in BOOT_ORDER_ATTRS]

    def apply_pending_bios(self) -> bool:
        """The host booted: pending BIOS settings take effect. True when something changed."""
        if not self.bios_pending:
            return False
        self.bios_attributes = {**self.bios_attributes, **self.bios_pending}
        self.bios_pending = {}
        return True


def normalise_boot_order(order: list[str]) -> list[str]:
    """``order`` (V3 or V5 names, mixed) as V3 names; ValueError unless it is a permutation of
    the four boot device types."""
    names = [BOOT_ORDER_V3_NAME.get(o, o) for o in order]
    if sorted(names) != sorted(BOOT_ORDER_V3):
        raise ValueError(f"boot order must be a permutation of {', '.join(BOOT_ORDER_V3)} "
                         f"(or {', '.join(BOOT_ORDER_V5_NAME.values())}), got {order!r}")
    return names


def set_boot_order(blade: Blade, order: list[str]) -> None:
    """Push a persistent boot order the way the HMM does (a profile apply, for instance).

    ``order`` is a permutation of Hdd, Cd, Pxe, Others (the V5 names HardDiskDrive, DVDROMDrive,
    PXE, Others are accepted too). A V3 board takes it at once (``BootupSequence``); a V5 board
    gets it as pending BIOS settings (``BootTypeOrder0..3``), applied at its next boot (a reset
    or power-on completing; see :meth:`ChassisState.settle`). ValueError for anything else."""
    names = normalise_boot_order(order)
    if blade.generation == "V3":
        blade.bootup_sequence = names
        return
    blade.bios_pending = {**blade.bios_pending,
                          **{a: BOOT_ORDER_V5_NAME[n] for a, n in zip(BOOT_ORDER_ATTRS, names)}}


# ----------------------------------------------------------------------------- switches

class SwitchFirmware(_Model):
    ipmc_cpu: str = "SPEAr310"
    imana: str = "(U4005)6.05"
    cpld: str = "(U38)011"
    uboot: str = "(U6)1.1.5"
    software: str = "(U21)V100R001C00SPC200"   # [INF] VRP image reported by versionhandler
    ipmb_address: str = "0x88"


class SwitchModule(_Model):
    slot: int
    label: str
    present: bool
    model: Literal["CX310", ""] = ""
    serial_number: str = ""
    power_state: PowerState = "On"
    health: Literal["OK", "Warning", "Critical"] = "OK"
    firmware: SwitchFirmware = Field(default_factory=SwitchFirmware)
    # VRP configuration and runtime tables (owned by the VRP emulator's model); its
    # ``flavour`` field is the per-switch commit model (vrp5 immediate, vrp8 two-stage).
    vrp: SwitchState | None = None
    sel: list[SelEntry] = Field(default_factory=list)
    stacked: bool = False
    #: [INF] epoch seconds until which the switch reboots after a flash (its fabric and VRP CLI down)
    rebooting_until: float = 0.0

    @property
    def vrp_flavour(self) -> str | None:
        return self.vrp.flavour if self.vrp is not None else None


# ----------------------------------------------------------------------------- MMs, PSUs, fans

class MmFirmware(_Model):
    uboot: str = "(U54)3.03"
    cpld: str = "(U1082)108  161206"
    pcb: str = "SMMA REV B"
    bom: str = "001"
    fpga: str = "(U1049)008  130605"
    software: str = "(U54)7.63"
    ipmi_built: str = "Aug 23 2021 15:10:44"


class ManagementModule(_Model):
    slot: int                  # 1 or 2
    name: str                  # HMM1 / HMM2
    active: bool
    present: bool = True
    health: Literal["OK", "Warning", "Critical"] = "OK"
    serial_number: str = ""
    firmware: MmFirmware = Field(default_factory=MmFirmware)
    eth0_ip: str = ""
    eth1_ip: str = ""
    eth2_ip: str = ""
    sel: list[SelEntry] = Field(default_factory=list)


class Psu(_Model):
    slot: int
    present: bool = True
    health: Literal["OK", "Warning", "Critical"] = "OK"
    rated_w: int = 3000
    output_w: int = 0
    model: str = "PSU 3000W AC"


class TemperatureSensor(_Model):
    """[INF] A chassis temperature sensor (the sheets record none; inlet and outlet per the GUI's
    PSUs & Fans page); thresholds in degrees Celsius."""
    name: str
    reading_c: float
    upper_critical_c: float


def default_temperatures() -> list[TemperatureSensor]:
    return [TemperatureSensor(name="Inlet Temp", reading_c=24.0, upper_critical_c=45.0),
            TemperatureSensor(name="Outlet Temp", reading_c=38.0, upper_critical_c=70.0)]


class Fan(_Model):
    slot: int
    present: bool = True
    health: Literal["OK", "Warning", "Critical"] = "OK"
    speed_rpm: int = 4800
    speed_pct: int = 30


class Alarm(_Model):
    level: int            # 3 Critical, 2 Major, 1 Minor [INF], 0 Normal [INF]
    source: str
    sensorname: str
    datetime: str
    eventdesp: str
    eventcode: str
    cleared: bool = False


LEVEL_NAMES = {0: "Normal", 1: "Minor", 2: "Major", 3: "Critical"}


# ----------------------------------------------------------------------------- settings

class NtpSettings(_Model):
    """[INF] Fields of the NTP page (no handler captured)."""
    enabled: bool = False
    preferred_server: str = ""
    alternate_server: str = ""
    timezone: str = "GMT+0"
    sync_interval_min: int = 60


class LdapGroup(_Model):
    """[INF] One LDAP group of the LDAP page: name or DN, and its members' role."""
    name: str
    role: Literal["Administrator", "Operator", "ReadOnly", "Commonuser"] = "ReadOnly"


class LdapSettings(_Model):
    """[INF] Fields of the LDAP page (no handler captured)."""
    enabled: bool = False
    server: str = ""
    port: int = 389
    domain: str = ""
    bind_dn: str = ""
    bind_password: str = ""
    user_group_dn: str = ""
    ssl: bool = False
    groups: list[LdapGroup] = Field(default_factory=list)
    #: [INF] LDAP-only login when False: local accounts other than the default administrator
    #: (id 2) cannot log in
    local_login: bool = True


class IpSettings(_Model):
    ip: str = ""
    mask: str = "255.255.255.0"
    gateway: str = ""
    mode: Literal["static", "dhcp"] = "static"
    #: [INF] the MMs' IPv6 address as "address/prefix" and its gateway ("" = none); the sheets
    #: capture no IPv6 field, blades and switch modules have none here
    ipv6: str = ""
    ipv6_gateway: str = ""


class NetworkSettings(_Model):
    floating: IpSettings = Field(default_factory=lambda: IpSettings(
        ip="192.168.1.30", gateway="192.168.1.1"))
    hmm_static: dict[str, IpSettings] = Field(default_factory=dict)   # "HMM1"/"HMM2"
    # External (operator-configured) iBMC addresses per blade slot ("Network Settings → Blades").
    blade_external: dict[str, IpSettings] = Field(default_factory=dict)
    switch_external: dict[str, IpSettings] = Field(default_factory=dict)
    fabric_prefix: str = "172.31.1."


#: [INF] the HMM's alarm notification destinations (Alarm Monitoring → Settings, not captured):
#: a fixed number of slots per type, like the iBMC's 4 trap receivers / 4 syslog servers
ALARM_DEST_SLOTS = {"snmp_trap": 4, "syslog": 4, "email": 4}


class AlarmDestination(_Model):
    """[INF] One alarm notification destination. The community and the v3 keys are kept (the
    HMM needs them to send) but no read verb ever returns them."""
    type: Literal["snmp_trap", "syslog", "email"]
    slot: int                      # 1..ALARM_DEST_SLOTS[type]
    address: str
    port: int
    severity: Literal["critical", "major", "minor", "normal"] = "minor"
    enabled: bool = True
    snmp_version: Literal["v2c", "v3", ""] = ""
    snmp_user: str = ""
    auth_protocol: str = ""
    priv_protocol: str = ""
    community: str = ""
    auth_key: str = ""
    priv_key: str = ""


class ProfileNic(_Model):
    port: int
    vlan: int | None = None
    boot: bool = False


class StatelessProfile(_Model):
    """[INF] A compute profile (policy template). The real element layout is not captured.

    ``mac_pool`` / ``uuid_pool`` name the pools a bound blade draws its identities from (""
    means the blade keeps its burned-in MACs / factory UUID); ``vnic_profiles`` name easyLink
    NIC profiles, one vNIC (and one pool MAC) each; ``revision`` counts modifications, so a
    bound blade shows whether it runs the profile's latest version."""
    name: str
    description: str = ""
    boot_order: list[str] = Field(default_factory=lambda: ["Hdd", "Pxe", "Cd"])
    bios: dict[str, str] = Field(default_factory=dict)
    nics: list[ProfileNic] = Field(default_factory=list)
    vnic_profiles: list[str] = Field(default_factory=list)
    mac_pool: str = ""
    uuid_pool: str = ""
    power_policy: Literal["AlwaysOn", "AlwaysOff", "RestoreLast"] = "RestoreLast"
    revision: int = 1


class MacPool(_Model):
    """[INF] A named MAC address pool: ``size`` consecutive addresses from ``start``."""
    name: str
    start: str
    size: int
    allocations: dict[str, list[str]] = Field(default_factory=dict)   # slot → MACs


class UuidPool(_Model):
    """[INF] A named UUID pool: ``prefix`` (the first 24 characters) + a 12-digit counter."""
    name: str
    prefix: str
    size: int
    allocations: dict[str, str] = Field(default_factory=dict)         # slot → UUID


class EasyLinkSwitchProfile(_Model):
    """[INF] easyLink switch profile: one switch or one stacking pair, its uplinks and VLANs."""
    name: str
    switches: list[str] = Field(default_factory=list)      # "Swi2", "Swi3"
    uplink_ports: list[str] = Field(default_factory=list)  # external ports of those switches
    vlans: list[int] = Field(default_factory=list)
    description: str = ""


class EasyLinkNicProfile(_Model):
    """[INF] easyLink NIC (vNIC) profile. Blades use it through a compute profile that names it;
    the profile itself binds no slots."""
    name: str
    vlans: list[int] = Field(default_factory=list)
    native_vlan: int | None = None
    bandwidth_pct: int = 100
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _no_slots(cls, data: Any) -> Any:
        """A state saved when NIC profiles had ``slots`` still loads (they are dropped)."""
        if isinstance(data, dict) and "slots" in data:
            data = {k: v for k, v in data.items() if k != "slots"}
        return data


class PowerCapping(_Model):
    """[INF] Chassis power capping (no handler captured)."""
    enabled: bool = False
    limit_w: int = 6000
    failure_action: Literal["none", "poweroff"] = "none"
    hibernate_enabled: bool = False
    #: [INF] PSU hibernation keeps one spare PSU awake (N+1) or as many as the working ones (N+N)
    hibernate_mode: Literal["N+1", "N+N"] = "N+1"
    #: [INF] capping priority per blade slot ("1".."16"); an unlisted slot is "medium"
    slot_priority: dict[str, Literal["high", "medium", "low"]] = Field(default_factory=dict)


class ChassisInfo(_Model):
    name: str = "E9000"
    serial_number: str = ""
    part_number: str = "02311AXY"
    asset_tag: str = ""
    location: str = ""
    slot_alias: dict[str, str] = Field(default_factory=dict)   # "1".."16" → alias
    #: [INF] Chassis Settings → BIOS Boot (cabinet_bios.html): the chassis-wide boot mode
    bios_boot_mode: Literal["Legacy", "UEFI"] = "Legacy"
    #: [INF] Chassis Settings → Black Box (blackbox_switch_control.html) and Reminder switches
    blackbox_enabled: bool = True
    reminder_enabled: bool = True


# ----------------------------------------------------------------------------- firmware jobs

class UploadedImage(_Model):
    filename: str
    size: int
    kind: Literal["smm", "swi", "blade"]
    sha256: str
    #: from the image's header (sim/images.py), empty for an image without one
    component: str = ""
    version: str = ""


class UpgradeTarget(_Model):
    name: str                   # bladelist token: smm, othersmm, Swi2:fru0, Slot1:fru0
    started: float
    duration_s: float
    outcome: Literal["ok", "fail", "brick"]
    new_version: str
    applied: bool = False
    component: str = ""          #: ibmc / bios / cpld for a blade ("" : from the file name)
    reboot_s: float = 0.0        #: [INF] a switch reboots this long after its flash


class UpgradeJob(_Model):
    uploaded: UploadedImage | None = None
    targets: list[UpgradeTarget] = Field(default_factory=list)
    #: [INF] "<Slot3|Swi2|HMM1>/<component>" -> the version before its last flash: the HMM keeps
    #: the previous image of each target (the iBMC's is its backup slot) for ``rollback``
    previous: dict[str, str] = Field(default_factory=dict)


class RedfishTask(_Model):
    id: int
    name: str
    owner: str                  # "hmm" or "Blade<N>"
    started: float
    duration_s: float
    outcome: Literal["ok", "fail", "brick"]
    kind: Literal["firmware", "vmedia"]
    target: str = ""            # firmware component or media image
    new_version: str = ""
    applied: bool = False


# ----------------------------------------------------------------------------- the chassis

class ChassisState(_Model):
    format: int = STATE_FORMAT
    seed: int = 0
    profile: Profile = "legacy"
    chassis: ChassisInfo = Field(default_factory=ChassisInfo)
    blades: dict[int, Blade]
    switches: dict[int, SwitchModule]
    mms: dict[int, ManagementModule]
    psus: dict[int, Psu]
    fans: dict[int, Fan]
    alarms: list[Alarm] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    ntp: NtpSettings = Field(default_factory=NtpSettings)
    ldap: LdapSettings = Field(default_factory=LdapSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    alarm_destinations: list[AlarmDestination] = Field(default_factory=list)
    profiles: list[StatelessProfile] = Field(default_factory=list)
    mac_pools: list[MacPool] = Field(default_factory=list)
    uuid_pools: list[UuidPool] = Field(default_factory=list)
    #: [INF] slot -> profile whose application left that blade's iBMC hung (fault injection)
    ibmc_hung: dict[str, str] = Field(default_factory=dict)
    #: epoch seconds until which the HMM is switching over (every HMM service answers 503)
    hmm_down_until: float = 0.0
    easylink_switch_profiles: list[EasyLinkSwitchProfile] = Field(default_factory=list)
    easylink_nic_profiles: list[EasyLinkNicProfile] = Field(default_factory=list)
    power_capping: PowerCapping = Field(default_factory=PowerCapping)
    temperatures: list[TemperatureSensor] = Field(default_factory=default_temperatures)
    upgrade: UpgradeJob = Field(default_factory=UpgradeJob)
    tasks: list[RedfishTask] = Field(default_factory=list)
    next_task_id: int = 1

    # ------------------------------------------------------------------ lookups
    def blade(self, slot: int) -> Blade | None:
        return self.blades.get(slot)

    def present_blade(self, slot: int) -> Blade | None:
        b = self.blades.get(slot)
        return b if b is not None and b.present else None

    def switch(self, slot: int) -> SwitchModule | None:
        return self.switches.get(slot)

    def active_mm(self) -> ManagementModule:
        return next(m for m in self.mms.values() if m.active)

    def standby_mm(self) -> ManagementModule:
        return next(m for m in self.mms.values() if not m.active)

    def account(self, username: str) -> Account | None:
        return next((a for a in self.accounts if a.username == username), None)

    def ibmc_ip(self, slot: int) -> str:
        return f"{self.network.fabric_prefix}{128 + slot}"

    # ------------------------------------------------------------------ timing
    def settle(self, now: float | None = None) -> bool:
        """Apply every power transition, flash and task that is due. Returns True on change."""
        now = time.time() if now is None else now
        changed = False
        for b in self.blades.values():
            p = b.pending_power
            if p is not None and p.due <= now:
                b.power_state = p.state
                b.pending_power = None
                b.sel.append(power_sel_entry(b.slot, p.state, p.due))
                if p.state == "On":   # the host booted: the BIOS reads its pending settings
                    b.apply_pending_bios()
                changed = True
        for t in self.upgrade.targets:
            if not t.applied and now >= t.started + t.duration_s:
                t.applied = True
                self._apply_web_flash(t)
                changed = True
        for task in self.tasks:
            if not task.applied and now >= task.started + task.duration_s:
                task.applied = True
                self._apply_task(task)
                changed = True
        return changed

    def _apply_web_flash(self, t: UpgradeTarget) -> None:
        name = t.name.split(":")[0]
        if t.outcome == "fail":
            return
        if name in ("smm", "othersmm", "bothsmm"):
            mms = list(self.mms.values()) if name == "bothsmm" else [
                self.active_mm() if name == "smm" else self.standby_mm()]
            for m in mms:
                if t.outcome == "brick":
                    m.health = "Critical"
                else:
                    self.upgrade.previous[f"{m.name}/hmm"] = m.firmware.software
                    m.firmware.software = _with_prefix(m.firmware.software, t.new_version)
        elif name.startswith("Swi"):
            sw = self.switches.get(int(name[3:]))
            if sw is not None:
                sw.rebooting_until = t.started + t.duration_s + t.reboot_s
                if t.outcome == "brick":
                    sw.health = "Critical"
                else:
                    self.upgrade.previous[f"{name}/switch"] = sw.firmware.software
                    sw.firmware.software = _with_prefix(sw.firmware.software, t.new_version)
        elif name.startswith("Slot"):
            b = self.blades.get(int(name[4:]))
            if b is not None:
                if t.outcome == "brick":
                    b.bricked = True
                    b.health = "Critical"
                else:
                    component = t.component or (self.upgrade.uploaded.filename.lower()
                                                if self.upgrade.uploaded else "")
                    field = "bios" if "bios" in component else "cpld" if "cpld" in component else "imana"
                    self.upgrade.previous[f"{name}/{'ibmc' if field == 'imana' else field}"] = getattr(
                        b.firmware, field)
                    _flash_blade(b, component, t.new_version)

    def rollback_target(self, name: str, component: str) -> None:
        """[INF] Bring ``name``'s ``component`` back to the image it ran before its last flash:
        the iBMC starts from its backup slot, the others take the previous image the HMM kept.
        A bricked or failed component recovers; one never flashed stays as it is."""
        prev = self.upgrade.previous.pop(f"{name}/{component}", None)
        if name.startswith("Slot"):
            b = self.blades.get(int(name[4:]))
            if b is None:
                return
            if component == "ibmc":
                if b.bricked or prev is not None:
                    b.firmware.imana = b.firmware.backup_imana
            elif prev is not None:
                setattr(b.firmware, component, prev)
            if component == "ibmc" or not b.bricked:
                b.bricked, b.health = False, "OK"
        elif name.startswith("Swi"):
            sw = self.switches.get(int(name[3:]))
            if sw is not None:
                if prev is not None:
                    sw.firmware.software = prev
                sw.health = "OK"
        else:
            for m in self.mms.values():
                if m.name == name:
                    if prev is not None:
                        m.firmware.software = prev
                    m.health = "OK"

    def _apply_task(self, task: RedfishTask) -> None:
        if task.kind == "vmedia" and "|" in task.target:
            if task.outcome != "ok":
                return
            vb = self.blades.get(int(task.owner[5:]))
            dev, image = task.target.split("|", 1)
            if vb is not None and dev in vb.virtual_media:
                vm = vb.virtual_media[dev]
                vm.inserted, vm.image, vm.connected_via = True, image, "URI"
            return
        if task.kind != "firmware" or task.outcome == "fail":
            return
        if not task.owner.startswith("Blade"):
            return
        b = self.blades.get(int(task.owner[5:]))
        if b is None:
            return
        if task.outcome == "brick":
            b.bricked = True
            b.health = "Critical"
        else:
            _flash_blade(b, task.target.lower(), task.new_version)

    # ------------------------------------------------------------------ persistence
    def save(self, state_dir: str | os.PathLike[str]) -> Path:
        """Write ``chassis.json`` atomically (temp file in the same folder, fsync, rename)."""
        folder = Path(state_dir)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / STATE_FILE
        data = self.model_dump_json(indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".chassis.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return target

    @classmethod
    def load(cls, state_dir: str | os.PathLike[str]) -> ChassisState | None:
        path = Path(state_dir) / STATE_FILE
        if not path.exists():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != STATE_FORMAT:
            raise ValueError(f"{path}: state format {raw.get('format')!r} is not {STATE_FORMAT}")
        return cls.model_validate(raw)


def _with_prefix(old: str, version: str) -> str:
    """Keep the ``(Uxx)`` chip prefix of a version string and replace the rest."""
    if old.startswith("(") and ")" in old:
        return old[: old.index(")") + 1] + version
    return version


def _flash_blade(b: Blade, component: str, version: str) -> None:
    if "bios" in component:
        b.firmware.bios = _with_prefix(b.firmware.bios, version)
    elif "cpld" in component:
        b.firmware.cpld = _with_prefix(b.firmware.cpld, version)
    else:
        b.firmware.backup_imana = b.firmware.imana
        b.firmware.imana = _with_prefix(b.firmware.imana, version)


def power_sel_entry(slot: int, state: str, when: float) -> SelEntry:
    """The SEL line the iBMC logs on an ACPI transition (S0 = on, S5 = soft-off)."""
    stamp = datetime.fromtimestamp(when, tz=timezone.utc).strftime(SEL_TIME_FORMAT)
    return SelEntry(datetime=stamp, source=f"Blade{slot}", sensorname="ACPI State",
                    eventdesp="S0 state" if state == "On" else "S5 state")


# ----------------------------------------------------------------------------- generation

def _mac(rng: random.Random) -> str:
    return HUAWEI_OUI + "".join(f":{rng.randrange(256):02X}" for _ in range(3))


def _uuid(rng: random.Random) -> str:
    return str(uuidlib.UUID(int=rng.getrandbits(128), version=4)).upper()


def _serial(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


def _stamp(t: datetime) -> str:
    return t.strftime(SEL_TIME_FORMAT)


_SEL_TEMPLATES = (
    (0, "SMM1 Critical Alarm", "Transition to idle", True),
    (0, "Blade Presence", "Device Inserted / Device Present", True),
    (1, "Inlet Temp", "Upper Non-critical going high", False),
    (0, "ACPI State", "S0 state", True),
    (2, "Fan Status", "Transition to Critical from less severe", False),
    (0, "SMM Heartbeat", "Transition to Running", True),
)


def _sel(rng: random.Random, source: str, count: int) -> list[SelEntry]:
    t = HISTORY_START
    out = []
    for _ in range(count):
        t += timedelta(seconds=rng.randrange(20, 7200))
        level, sensor, desp, asserted = rng.choice(_SEL_TEMPLATES)
        out.append(SelEntry(level=level, leveldesp=LEVEL_NAMES[level], datetime=_stamp(t),
                            source=source, sensorname=sensor, eventdesp=desp,
                            asserted=asserted if rng.random() < 0.8 else not asserted))
    return out


# [INF] Processor, RAID controller and disk models per board generation (typical for the era).
_CPU = {"V3": ("Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz", 6),
        "V5": ("Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 16)}
_RAID = {"V3": "SAS2308", "V5": "SAS3408"}
_DISKS = (("ST600MM0088", 600127266816, "HDD", "SAS"), ("ST1200MM0088", 1200243695616, "HDD", "SAS"),
          ("SSDSC2KB480G8", 480103981056, "SSD", "SATA"))


def _blade_inventory(rng: random.Random, slot: int, model: str, profile: Profile) -> dict[str, object]:
    gen: Generation = "V5" if profile == "modern" and model == "CH121" and slot in MODERN_V5_SLOTS else "V3"
    cpu, cores = _CPU[gen]
    disk = rng.choice(_DISKS)
    drives = [BladeDrive(id=i, model=disk[0], capacity_bytes=disk[1], media_type=disk[2],
                         protocol=disk[3], serial_number=_serial(rng, "S0K"))
              for i in range(2 if model == "CH121" else 4)]
    return {"generation": gen, "cpu_model": cpu, "cpu_cores": cores, "raid_model": _RAID[gen],
            "drives": drives}


def build_state(seed: int = 0, profile: Profile = "legacy",
                vrp: VrpFlavour | dict[int, VrpFlavour] = "vrp8",
                password: str = DEFAULT_PASSWORD) -> ChassisState:
    """The chassis of the fact sheet, with every random-looking value drawn from ``seed``."""
    rng = random.Random(seed)
    # a second stream for the blade inventory, so adding it left every other seeded value as it was
    inv = random.Random(f"blade-inventory-{seed}")
    blades: dict[int, Blade] = {}
    for slot in BLADE_SLOTS:
        if slot in CH121_SLOTS or slot in CH222_SLOTS:
            model: Literal["CH121", "CH222"] = "CH121" if slot in CH121_SLOTS else "CH222"
            nmacs = 2 if model == "CH121" else 4
            fw = BladeFirmware() if model == "CH121" else BladeFirmware(bios="(U47)V385")
            blades[slot] = Blade(
                slot=slot, present=True, model=model, name=f"Slot{slot}",
                serial_number=_serial(rng, "2102310Y"), part_number="02310YJA" if model == "CH121" else "02310YKB",
                uuid=_uuid(rng), macs=[_mac(rng) for _ in range(nmacs)],
                power_state="On" if rng.random() < 0.85 else "Off",
                firmware=fw, cpu_count=2 if model == "CH121" else 4,
                memory_gib=rng.choice((128, 256, 384)) if model == "CH121" else 512,
                accounts=[Account(id=2, username=DEFAULT_USER, password=password,
                                  interfaces=["WEB", "SNMP", "SSH", "SFTP", "KVM", "REDFISH"])],
                mezz=[Mezz(position=1, model="MZ510", kind="10GE CNA", ports=2)]
                + ([Mezz(position=2, model="MZ510", kind="10GE CNA", ports=2)] if model == "CH222" else []),
                sel=_sel(rng, f"Blade{slot}", 12),
                **_blade_inventory(inv, slot, model, profile))
        else:
            blades[slot] = Blade(slot=slot, present=False, name=f"Slot{slot}")
    flav = vrp if isinstance(vrp, dict) else {s: vrp for s in SWITCH_SLOTS}
    switches = {}
    for s in SWITCH_SLOTS:
        present = s in PRESENT_SWITCHES
        vrp_state = SwitchState.default(
            s, flavour=flav.get(s, "vrp8"), seed=seed,
            blade_macs={b.slot: b.macs[:2] for b in blades.values() if b.present},
            pair_present=SWITCH_PAIR[s] in PRESENT_SWITCHES) if present else None
        switches[s] = SwitchModule(
            slot=s, label=SWITCH_LABELS[s], present=present, model="CX310" if present else "",
            serial_number=_serial(rng, "2102310Q") if present else "",
            vrp=vrp_state, sel=_sel(rng, f"Swi{s}", 8) if present else [])
    mms = {
        m: ManagementModule(slot=m, name=f"HMM{m}", active=(m == 2),
                            serial_number=_serial(rng, "2102310S"),
                            eth0_ip=f"192.168.1.{30 + m}", eth1_ip=f"172.31.0.{164 + m}",
                            eth2_ip=f"172.31.1.{164 + m}",
                            sel=_sel(rng, "MM", 169 if m == 2 else 20))
        for m in (1, 2)
    }
    psus = {p: Psu(slot=p, output_w=rng.randrange(400, 900)) for p in range(1, PSU_COUNT + 1)}
    fans = {f: Fan(slot=f, speed_rpm=rng.randrange(4200, 5600)) for f in range(1, FAN_COUNT + 1)}
    alarms = [
        Alarm(level=3, source="MM1", sensorname="Management Port",
              datetime="Wed Mar 11 06:42:18 2026", eventdesp="Transition to non-recoverable",
              eventcode="0X0743FF27"),
        Alarm(level=3, source="PSU", sensorname="PS3 Status",
              datetime="Wed Mar 11 07:02:40 2026", eventdesp="Power Supply input lost (AC/DC)",
              eventcode="0X08036F03"),
        Alarm(level=2, source="Fan", sensorname="Fan7 Status",
              datetime="Thu Mar 12 11:15:03 2026", eventdesp="Transition to Critical from less severe",
              eventcode="0X04070102"),
        Alarm(level=2, source="Swi3", sensorname="Swi3 Inlet Temp",
              datetime="Fri Mar 13 02:27:51 2026", eventdesp="Upper Non-critical going high",
              eventcode="0X01010107"),
    ]
    psus[3].health = "Critical"
    psus[3].output_w = 0
    fans[7].health = "Warning"
    net = NetworkSettings(hmm_static={
        "HMM1": IpSettings(ip="192.168.1.31", gateway="192.168.1.1"),
        "HMM2": IpSettings(ip="192.168.1.32", gateway="192.168.1.1")})
    st = ChassisState(
        seed=seed, profile=profile,
        chassis=ChassisInfo(serial_number=_serial(rng, "2102310E"), asset_tag="",
                            slot_alias={str(s): "" for s in BLADE_SLOTS}),
        blades=blades, switches=switches, mms=mms, psus=psus, fans=fans, alarms=alarms,
        accounts=[Account(id=2, username=DEFAULT_USER, password=password)],
        network=net,
        profiles=[StatelessProfile(name="default", description="Factory compute profile",
                                   nics=[ProfileNic(port=1, vlan=None, boot=True), ProfileNic(port=2)])],
    )
    return st


# ----------------------------------------------------------------------------- operations

class OperationRefused(Exception):
    """A request the emulated device refuses; ``str()`` is the device's wording."""


def request_power(state: ChassisState, slot: int, action: str, timing: "Timing",
                  now: float | None = None) -> None:
    """Start a power transition on blade ``slot`` (Redfish ResetType vocabulary).

    ``On`` / ``GracefulShutdown`` / ``ForceOff`` complete after their delay; ``ForceRestart``
    and ``ForcePowerCycle`` go Off at once and come back On after ``restart_s``; ``Nmi`` only
    logs. Raises :class:`OperationRefused` for an absent or bricked blade or an unknown action.
    """
    now = time.time() if now is None else now
    state.settle(now)
    b = state.present_blade(slot)
    if b is None:
        raise OperationRefused(f"Blade{slot} is not present.")
    if b.bricked:
        raise OperationRefused(f"Blade{slot} management controller does not respond.")
    if action not in RESET_TYPES:
        raise OperationRefused(f"ResetType {action!r} is not one of {', '.join(RESET_TYPES)}.")
    current = b.pending_power.state if b.pending_power else b.power_state
    if action == "On":
        if current != "On":
            b.pending_power = PendingPower(state="On", due=now + timing.power_on_s, cause=action)
    elif action in ("ForceOff", "GracefulShutdown"):
        if current != "Off":
            delay = timing.force_off_s if action == "ForceOff" else timing.graceful_off_s
            b.pending_power = PendingPower(state="Off", due=now + delay, cause=action)
    elif action in ("ForceRestart", "ForcePowerCycle"):
        if current == "Off" and action == "ForceRestart":
            raise OperationRefused(f"Blade{slot} is powered off; ForceRestart needs it on.")
        b.power_state = "Off"
        b.sel.append(power_sel_entry(slot, "Off", now))
        b.pending_power = PendingPower(state="On", due=now + timing.restart_s, cause=action)
    else:  # Nmi
        b.sel.append(SelEntry(datetime=datetime.fromtimestamp(now, tz=timezone.utc).strftime(
            SEL_TIME_FORMAT), source=f"Blade{slot}", sensorname="NMI Button",
            eventdesp="Diagnostic Interrupt (NMI)"))


from vessel_core.sim.timing import Timing  # noqa: E402  (annotation only; no cycle at import)

#: [INF] what a factory reset keeps: the hardware, its inventory, logs and what is under way
#: (every other top-level field is a menu's setting and goes back to its default)
HARDWARE_FIELDS = frozenset({"format", "seed", "profile", "blades", "switches", "mms", "psus", "fans", "alarms",
                             "ibmc_hung", "hmm_down_until", "upgrade", "tasks", "next_task_id"})
#: [INF] the blade fields the HMM's menus own (the stateless binding); the iBMC's own settings stay
BLADE_MENU_FIELDS = ("profile",)
#: the parts of a switch's VRP state that are configuration (its login, links and tables stay)
SWITCH_CONFIG_FIELDS = ("running", "saved", "candidate")
#: [INF] chassis fields that are hardware identity, not settings
CHASSIS_IDENTITY = ("serial_number", "part_number")


def factory_reset(state: ChassisState, fresh: ChassisState) -> None:
    """Wipe every menu of ``state`` to its default (taken from ``fresh``, a chassis just built
    with the same seed and options): HMM settings, accounts, pools, profiles, easyLink, the
    blades' bindings and the switches' running and saved configurations. Hardware, inventory,
    power states, firmware versions and logs stay."""
    for name in type(state).model_fields:
        if name not in HARDWARE_FIELDS:
            setattr(state, name, getattr(fresh, name).model_copy(deep=True)
                    if isinstance(getattr(fresh, name), BaseModel) else copy.deepcopy(getattr(fresh, name)))
    state.chassis = fresh.chassis.model_copy(
        deep=True, update={k: getattr(state.chassis, k) for k in CHASSIS_IDENTITY})
    for slot, blade in state.blades.items():
        for name in BLADE_MENU_FIELDS:
            setattr(blade, name, getattr(fresh.blades[slot], name))
    for slot, sw in state.switches.items():
        new = fresh.switches[slot].vrp
        if sw.vrp is not None and new is not None:  # in place: open CLI sessions see the reset too
            for name in SWITCH_CONFIG_FIELDS:
                setattr(sw.vrp, name, copy.deepcopy(getattr(new, name)))
