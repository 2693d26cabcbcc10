"""Typed results of the chassis facade, one group per HMM menu.

Values keep the device's spelling (VLAN descriptions, interface names, boot targets in Redfish
vocabulary); only numbers, booleans and lists are converted. Every model can be built from any
of the paths a method may take, so callers never see which wire the answer came from (the
facade's :attr:`~vessel_core.chassis.Chassis.routes` says so when asked).
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from vessel_core.models.hmm_web import Alarm, AlarmList, SelEntry, UpgradeStatus, UpgradeTarget
from vessel_core.models.vrp import EthTrunk, InterfaceBrief, LldpNeighbor, MacEntry, PortVlan, RunningConfig, Vlan
from vessel_core.models.vrp import VersionInfo as VrpVersion

__all__ = [
    "Alarm", "AlarmList", "BladeDrive", "BladeInventory", "BladeState", "BladeSummary", "BootOrder",
    "BootOverride", "Capabilities",
    "ChassisInfo", "ComputeProfile", "EthTrunk", "Fan", "FabricSwitch", "FirmwareComponent",
    "InterfaceBrief", "LdapSettings", "LldpNeighbor", "MacEntry", "MacPool", "MezzCard",
    "MgmtAddress", "MgmtInterface", "NetworkOverview", "NicProfile", "Node", "NtpSettings",
    "PortVlan", "PowerCapping", "PowerMeter", "PowerSupply", "ProfileNic", "RunningConfig",
    "SelEntry", "SwitchPort", "SwitchProfile", "SwitchSnapshot", "SwitchState", "UpgradePreflight",
    "UpgradeStatus", "UpgradeTarget", "User", "UuidPool", "VirtualMediaState", "Vlan",
    "VrpVersion",
]

PowerAction = Literal["On", "ForceOff", "GracefulShutdown", "ForceRestart", "ForcePowerCycle",
                      "Nmi"]
BootTarget = Literal["None", "Pxe", "Hdd", "Cd", "Floppy", "BiosSetup"]
BootEnabled = Literal["Disabled", "Once", "Continuous"]


class FacadeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- capabilities
class Capabilities(FacadeModel):
    """What the chassis offers, probed once per :class:`Chassis` and cached."""

    hmm_redfish: bool = False
    hmm_redfish_version: str | None = None
    blade_redfish: dict[int, bool] = Field(default_factory=dict)  # slot -> iBMC Redfish reachable


# ---------------------------------------------------------------- basic
class ChassisInfo(FacadeModel):
    model: str | None = None
    serial_number: str | None = None
    part_number: str | None = None
    health: str | None = None
    asset_tag: str = ""
    slot_aliases: dict[int, str] = Field(default_factory=dict)
    server_time: str | None = None


# ---------------------------------------------------------------- network settings
class MgmtAddress(FacadeModel):
    """External management address of a blade iBMC (``Slot<N>``), switch (``Swi<N>``), MM
    (``HMM1``/``HMM2``) or the floating address (``float``)."""

    name: str
    ip: str = ""
    mask: str = ""
    gateway: str = ""
    mode: Literal["static", "dhcp"] = "static"
    fabric_ip: str = ""


# ---------------------------------------------------------------- stateless computing
class ProfileNic(FacadeModel):
    port: int = Field(ge=1)
    vlan: int | None = Field(None, ge=1, le=4094)
    boot: bool = False


class ComputeProfile(FacadeModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    description: str = ""
    boot_order: list[Literal["Hdd", "Pxe", "Cd", "Floppy"]] = Field(
        default_factory=lambda: ["Hdd", "Pxe", "Cd"])  # type: ignore[arg-type]
    bios: dict[str, str] = Field(default_factory=dict)
    nics: list[ProfileNic] = Field(default_factory=list)
    use_mac_pool: bool = True
    use_uuid_pool: bool = True
    nodes: list[int] = Field(default_factory=list, description="Read only: slots bound to it.")


class MacPool(FacadeModel):
    start: str
    size: int
    used: int = 0
    allocations: dict[int, list[str]] = Field(default_factory=dict)


class UuidPool(FacadeModel):
    prefix: str
    size: int
    used: int = 0
    allocations: dict[int, str] = Field(default_factory=dict)


class Node(FacadeModel):
    slot: int
    model: str = ""
    profile: str | None = None
    macs: list[str] = Field(default_factory=list)
    uuid: str | None = None
    powered_on: bool | None = None


# ---------------------------------------------------------------- easyLink
class SwitchProfile(FacadeModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    switches: list[str] = Field(default_factory=list)
    uplink_ports: list[str] = Field(default_factory=list)
    vlans: list[int] = Field(default_factory=list)
    description: str = ""


class NicProfile(FacadeModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    vlans: list[int] = Field(default_factory=list)
    native_vlan: int | None = Field(None, ge=1, le=4094)
    bandwidth_pct: int = Field(100, ge=1, le=100)
    slots: list[int] = Field(default_factory=list)


# ---------------------------------------------------------------- easyLink network info
class FabricSwitch(FacadeModel):
    name: str
    label: str = ""
    model: str = ""
    vrp: str = ""
    vlans: list[int] = Field(default_factory=list)


class NetworkOverview(FacadeModel):
    switches: list[FabricSwitch] = Field(default_factory=list)
    switch_profiles: list[SwitchProfile] = Field(default_factory=list)
    nic_profiles: list[NicProfile] = Field(default_factory=list)


class MgmtInterface(FacadeModel):
    name: str
    ip: str = ""
    mask: str = ""
    gateway: str = ""


class MezzCard(FacadeModel):
    slot: int
    position: int
    name: str = ""
    type: str = ""
    ports: int = 0
    macs: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- power and fans
class PowerSupply(FacadeModel):
    name: str
    model: str = ""
    present: bool = True
    health: str | None = None
    rated_w: int | None = None
    output_w: int | None = None


class PowerMeter(FacadeModel):
    consumed_w: int
    peak_w: int | None = None
    supplies: list[PowerSupply] = Field(default_factory=list)


class PowerCapping(FacadeModel):
    enabled: bool = False
    limit_w: int = Field(6000, ge=1000, le=30000)
    failure_action: Literal["none", "poweroff"] = "none"
    hibernate: bool = False


class Fan(FacadeModel):
    name: str
    present: bool = True
    health: str | None = None
    speed_rpm: int | None = None
    speed_pct: int | None = None


# ---------------------------------------------------------------- system
class User(FacadeModel):
    id: int
    username: str
    role: str = ""
    enabled: bool = True
    locked: bool = False
    interfaces: list[str] = Field(default_factory=list)


#: HMM local account names: 1-16 letters, digits, _ . - (not starting with . or -) [INF]
USERNAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$"
ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")


class Account(FacadeModel):
    """System Mgmt → Account: one HMM local user as it is managed. The password is write-only:
    sent when given, never read back, never captured in a snapshot."""

    name: str = Field(pattern=USERNAME, description="the account's user name")
    role: Literal["Administrator", "Operator", "ReadOnly", "Commonuser"] = "Operator"
    enabled: bool = True
    password: SecretStr | None = Field(None, description="8 or more characters, letters and digits")

    @field_validator("password")
    @classmethod
    def _strong_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            pw = value.get_secret_value()
            if len(pw) < 8 or not (re.search(r"[A-Za-z]", pw) and re.search(r"\d", pw)):
                raise ValueError("must have at least 8 characters with letters and digits")
        return value


#: a host name, an IPv4 or an IPv6 address, or empty (what the HMM's NTP page accepts) [INF]
NTP_HOST = r"^$|^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$|^[0-9a-fA-F:]+$"
#: the HMM's time zone notation: GMT+8, GMT-3:30 [INF]
GMT_OFFSET = r"^GMT[+-]\d{1,2}(:\d{2})?$"


class NtpSettings(FacadeModel):
    """System Mgmt → NTP. The defaults are the factory value (NTP off) [INF]."""

    enabled: bool = False
    preferred_server: str = Field("", max_length=253, pattern=NTP_HOST, validate_default=True,
                                  description="host name or address of the first NTP server")
    alternate_server: str = Field("", max_length=253, pattern=NTP_HOST,
                                  description="host name or address of the second NTP server")
    timezone: str = Field("GMT+0", pattern=GMT_OFFSET, description="GMT+H or GMT-H:MM")
    sync_interval_min: int = Field(60, ge=1, le=1440, description="minutes between synchronisations")

    @field_validator("preferred_server")
    @classmethod
    def _server_when_enabled(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("enabled") and not value:
            raise ValueError("required when NTP is enabled")
        return value


class LdapSettings(FacadeModel):
    """The bind password is write-only: pass it to ``set_ldap(bind_password=...)``."""

    enabled: bool = False
    server: str = ""
    port: int = Field(389, ge=1, le=65535)
    domain: str = ""
    bind_dn: str = ""
    user_group_dn: str = ""
    ssl: bool = False


# ---------------------------------------------------------------- upgrade
class FirmwareComponent(FacadeModel):
    """One upgradable component and its version keys (``"BIOS Version"`` …)."""

    component: str  # smm, othersmm, Slot<N>, Swi<N>, or Slot<N>/<Redfish inventory id>
    versions: dict[str, str] = Field(default_factory=dict)
    source: Literal["web", "redfish"] = "web"


class UpgradePreflight(FacadeModel):
    upgrading: bool
    smm_ready: dict[int, bool] = Field(default_factory=dict)
    alarms_critical: int = 0
    alarms_major: int = 0

    @property
    def ok(self) -> bool:
        return not self.upgrading and all(self.smm_ready.values())


# ---------------------------------------------------------------- blades
class BootOverride(FacadeModel):
    target: str = "None"
    enabled: str = "Disabled"
    mode: str | None = None


class BladeSummary(FacadeModel):
    """One row of the chassis-wide blade list (read in one request for all slots)."""

    slot: int
    model: str = ""
    power_state: Literal["On", "Off", "unknown"] = "unknown"
    profile: str | None = None


BootDevice = Literal["Hdd", "Cd", "Pxe", "Others"]


class BootOrder(FacadeModel):
    """The persistent BIOS boot order, in one vocabulary for both board generations (Hdd, Cd,
    Pxe, Others; a V5 BIOS says HardDiskDrive, DVDROMDrive, PXE, Others).

    ``order`` is in effect now. On a V5 board a new order is pending BIOS settings until the
    blade next resets or powers on: ``pending_order`` is that order while it differs from
    ``order``, else None. A V3 board takes a new order at once."""

    order: list[BootDevice]
    pending_order: list[BootDevice] | None = None
    generation: Literal["V3", "V5"]

    @property
    def next_boot(self) -> list[BootDevice]:
        """The order the next boot will use."""
        return self.pending_order if self.pending_order is not None else self.order


class BladeDrive(FacadeModel):
    model: str | None = None
    capacity_bytes: int | None = None
    media_type: str | None = None
    protocol: str | None = None


class BladeInventory(FacadeModel):
    """What the blade's iBMC reports about its hardware (Processors, Memory, Storage)."""

    cpu_count: int | None = None
    cpu_model: str | None = None
    memory_gib: float | None = None
    raid_controllers: list[str] = Field(default_factory=list)
    drives: list[BladeDrive] = Field(default_factory=list)

    @property
    def storage_bytes(self) -> int:
        return sum(d.capacity_bytes or 0 for d in self.drives)


class BladeState(FacadeModel):
    slot: int
    model: str = ""
    power_state: Literal["On", "Off", "unknown"] = "unknown"
    health: str | None = None
    boot: BootOverride | None = None
    bios_version: str | None = None
    profile: str | None = None
    serial_number: str | None = None
    ibmc_version: str | None = None
    inventory: BladeInventory | None = None   # over the iBMC Redfish service only


class VirtualMediaState(FacadeModel):
    device: str = "CD"
    inserted: bool = False
    image: str | None = None


# ---------------------------------------------------------------- switches
class SwitchPort(FacadeModel):
    """A physical or Eth-Trunk port: link state and layer-2 membership in one row."""

    name: str
    phy: str = ""
    protocol: str = ""
    link_type: str = ""
    pvid: int | None = None
    trunk_vlans: list[int] = Field(default_factory=list)
    eth_trunk: int | None = None


class SwitchState(FacadeModel):
    slot: int
    vlans: list[Vlan] = Field(default_factory=list)
    ports: list[SwitchPort] = Field(default_factory=list)
    lags: list[EthTrunk] = Field(default_factory=list)


class SwitchSnapshot(FacadeModel):
    slot: int
    running_config: str
    running_sha256: str
    export_tar_gz: bytes | None = None
    export_sha256: str | None = None
