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
from vessel_core.switchops.model import PORT_RE

__all__ = [
    "Alarm", "AlarmList", "BladeConfig", "BladeDrive", "BladeInventory", "BladeState", "BladeSummary", "BootOrder",
    "BootOverride", "Capabilities",
    "ChassisInfo", "ChassisOverview", "ChassisPowerPolicy", "ChassisSettings", "LdapGroup", "ModuleSummary",
    "Temperature", "ComputeProfile", "EthTrunk", "Fan", "FabricSwitch", "FirmwareComponent",
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


def _once(items: list[str], what: str = "") -> None:
    """ValueError naming the items ``items`` holds more than once."""
    dup = sorted({d for d in items if items.count(d) > 1})
    if dup:
        raise ValueError(f"{what}{', '.join(map(repr, dup)) if what else ', '.join(dup)} listed more than once")


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


#: the blade slots of an E9000 (16 half-width slots)
BLADE_SLOTS = range(1, 17)
BiosBootMode = Literal["Legacy", "UEFI"]


def _slot_map(value: dict[int, str], default: str, what: str) -> dict[int, str]:
    """A slot -> value map: slots 1-16; entries equal to ``default`` dropped (they are what an
    unlisted slot has, so a read never shows them)."""
    bad = [k for k in value if k not in BLADE_SLOTS]
    if bad:
        raise ValueError(f"slots are 1-16, not {', '.join(map(str, sorted(bad)))}")
    return {k: v for k, v in sorted(value.items()) if v != default}


class ChassisSettings(FacadeModel):
    """Chassis Settings → Basic, BIOS Boot, Black Box and Reminder as one setting. The defaults
    are the factory value [INF: the sheets record none; the emulator starts from the same].

    ``slot_aliases`` holds the slots that have an alias (an unlisted slot has none);
    ``bios_boot_mode`` is the chassis-wide boot mode of ``cabinet_bios.html`` [INF: no write verb
    captured; modelled as the mode a blade boots in unless its own BIOS says otherwise];
    ``blackbox_enabled`` is the switch of ``blackbox_switch_control.html`` (the HMM records the
    blades' last-moments data on a fault); ``reminder_enabled`` the Reminder page's switch (the
    HMM pops up active critical and major alarms when an operator logs in) [INF both]."""

    asset_tag: str = Field("", max_length=48, pattern=r"^[^<>&\"']*$",
                           description="free text, up to 48 characters, no < > & \" '")
    slot_aliases: dict[int, str] = Field(default_factory=dict, description="slot (1-16) -> alias, 32 characters")
    bios_boot_mode: BiosBootMode = "Legacy"
    blackbox_enabled: bool = True
    reminder_enabled: bool = True

    @field_validator("slot_aliases")
    @classmethod
    def _aliases(cls, value: dict[int, str]) -> dict[int, str]:
        long = [k for k, v in value.items() if len(v) > 32 or any(c in v for c in "<>&\"',")]
        if long:
            raise ValueError(f"slot {long[0]}: an alias is up to 32 characters without < > & \" ' ,")
        return _slot_map(value, "", "alias")


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


#: [INF] the HMM's naming rule for pools: up to 15 letters, digits and ``_``, not starting with ``_``
POOL_NAME = r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$"
MAC = r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$"
UUID_PREFIX = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-$"
MAX_POOLS = 64
ProfileBootDevice = Literal["Hdd", "Pxe", "Cd", "Usb", "Floppy"]
PowerPolicy = Literal["AlwaysOn", "AlwaysOff", "RestoreLast"]


class ComputeProfile(FacadeModel):
    """Stateless Computing → Profile (a policy template). ``mac_pool`` / ``uuid_pool`` name the
    pools a bound blade draws its identities from (None: burned-in); each ``vnic_profiles``
    entry (an easyLink NIC profile) is one vNIC with one pool MAC."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    description: str = Field("", max_length=128)
    boot_order: list[ProfileBootDevice] = Field(default_factory=lambda: ["Hdd", "Pxe", "Cd"])  # type: ignore[arg-type]
    bios: dict[str, str] = Field(default_factory=dict)
    nics: list[ProfileNic] = Field(default_factory=list)
    vnic_profiles: list[str] = Field(default_factory=list, max_length=8)
    mac_pool: str | None = Field(None, pattern=POOL_NAME)
    uuid_pool: str | None = Field(None, pattern=POOL_NAME)
    power_policy: PowerPolicy = "RestoreLast"
    nodes: list[int] = Field(default_factory=list, description="Read only: slots bound to it.")
    revision: int = Field(0, description="Read only: bumped by the HMM on every modification.")

    @field_validator("boot_order")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        _once(value)
        return value

    @field_validator("bios")
    @classmethod
    def _bios_text(cls, value: dict[str, str]) -> dict[str, str]:
        for k, v in value.items():
            if not k or any(c in k for c in ";=,") or ";" in v:
                raise ValueError(f"{k!r}={v!r}: keys may not be empty or hold ';', '=' or ','; values may not hold ';'")
        return value


class MacPool(FacadeModel):
    """Stateless Computing → MAC Pool: ``size`` consecutive unicast addresses from ``start``."""

    name: str = Field(pattern=POOL_NAME)
    start: str = Field(pattern=MAC)
    size: int = Field(ge=1, le=8192)
    used: int = Field(0, description="Read only: addresses allocated to blades.")
    allocations: dict[int, list[str]] = Field(default_factory=dict, description="Read only: slot -> MACs.")

    @field_validator("start")
    @classmethod
    def _unicast(cls, value: str) -> str:
        if int(value[:2], 16) & 1:
            raise ValueError(f"{value} is a multicast address (the first octet must be even)")
        return value.upper()

    @property
    def first(self) -> int:
        return int(self.start.replace(":", ""), 16)

    def overlaps(self, other: "MacPool") -> bool:
        return self.first < other.first + other.size and other.first < self.first + self.size

    def contains(self, mac: str) -> bool:
        return self.first <= int(mac.replace(":", ""), 16) < self.first + self.size


class UuidPool(FacadeModel):
    """Stateless Computing → UUID: ``prefix`` (the first 24 characters) and a counter."""

    name: str = Field(pattern=POOL_NAME)
    prefix: str = Field(pattern=UUID_PREFIX)
    size: int = Field(ge=1, le=128)
    used: int = Field(0, description="Read only: UUIDs allocated to blades.")
    allocations: dict[int, str] = Field(default_factory=dict, description="Read only: slot -> UUID.")

    @field_validator("prefix")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def overlaps(self, other: "UuidPool") -> bool:
        return self.prefix.upper() == other.prefix.upper()

    def contains(self, uuid: str) -> bool:
        tail = uuid.upper()[len(self.prefix):]
        return uuid.upper().startswith(self.prefix.upper()) and tail.isalnum() and int(tail, 16) < self.size


class Node(FacadeModel):
    """One present blade as the HMM's node list shows it (one request for every slot)."""

    slot: int
    model: str = ""
    serial_number: str = ""
    bios_version: str = ""
    ibmc_version: str = ""
    health: str | None = None
    profile: str | None = None
    apply_state: Literal["none", "applying", "applied", "failed"] = "none"
    macs: list[str] = Field(default_factory=list)
    mac_source: Literal["pool", "burned-in"] = "burned-in"
    uuid: str | None = None
    uuid_source: Literal["pool", "burned-in"] = "burned-in"
    powered_on: bool | None = None
    ports: int = Field(2, description="Physical network ports (burned-in MACs) of the blade.")


class BladeConfig(FacadeModel):
    """What a blade resource sets: the bound compute profile (None: none) and the power state."""

    slot: int = Field(ge=1, le=16)
    profile: str | None = None
    power_state: Literal["On", "Off"] = "On"


# ---------------------------------------------------------------- easyLink
#: easyLink profile names: 1-15 letters, digits or ``_``, not starting with ``_`` (the HMM's
#: naming rule for pools and profiles) [INF]
EASYLINK_NAME = r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$"
#: VLANs one easyLink profile may carry [INF]
EASYLINK_MAX_VLANS = 64
#: the stacking pairs of an E9000's switch slots (they share an inter-switch link) [PUB]
STACK_PAIRS = (frozenset({"Swi1", "Swi4"}), frozenset({"Swi2", "Swi3"}))


def _vlan_set(value: list[int]) -> list[int]:
    """A profile's VLAN list: 1-4094 each, sorted, without repeats, at most 64."""
    bad = [v for v in value if not 1 <= v <= 4094]
    if bad:
        raise ValueError(f"VLAN IDs are 1-4094, not {', '.join(map(str, bad))}")
    out = sorted(set(value))
    if len(out) > EASYLINK_MAX_VLANS:
        raise ValueError(f"at most {EASYLINK_MAX_VLANS} VLANs per profile, got {len(out)}")
    return out


class SwitchProfile(FacadeModel):
    """easyLink → Switch Profile: the uplinks and VLANs of one switch, or of one stacking pair
    (Swi1 + Swi4, Swi2 + Swi3) [INF: no handler captured; the emulator follows these rules]."""

    name: str = Field(pattern=EASYLINK_NAME, description="1-15 letters, digits, _ (not first)")
    switches: list[str] = Field(min_length=1, description="Swi1..Swi4: one switch or one stacking pair")
    uplink_ports: list[str] = Field(default_factory=list, description="VRP interface names: 10GE2/17/1")
    vlans: list[int] = Field(default_factory=list, description="VLAN IDs carried on the uplinks")
    description: str = Field("", max_length=64)

    @field_validator("switches")
    @classmethod
    def _one_pair(cls, value: list[str]) -> list[str]:
        bad = [s for s in value if not re.fullmatch(r"Swi[1-4]", s)]
        if bad:
            raise ValueError(f"switch names are Swi1..Swi4, not {', '.join(map(repr, bad))}")
        out = sorted(set(value))
        if len(out) > 1 and frozenset(out) not in STACK_PAIRS:
            raise ValueError(f"{' + '.join(out)} is not one stacking pair (Swi1 + Swi4 or Swi2 + Swi3)")
        return out

    @field_validator("uplink_ports")
    @classmethod
    def _port_names(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if not PORT_RE.match(p)]
        if bad:
            raise ValueError(f"not VRP interface names such as 10GE2/17/1: {', '.join(map(repr, bad))}")
        return sorted(set(value))

    _vlans = field_validator("vlans")(_vlan_set)


class NicProfile(FacadeModel):
    """easyLink → NIC Profile: the VLANs and bandwidth share of one virtual NIC. Which blades use
    it is the compute profile's business (it names vNIC profiles); this profile owns no slots."""

    name: str = Field(pattern=EASYLINK_NAME, description="1-15 letters, digits, _ (not first)")
    vlans: list[int] = Field(default_factory=list, description="VLAN IDs the vNIC carries")
    native_vlan: int | None = Field(None, description="the untagged VLAN: one of vlans, or none")
    bandwidth_pct: int = Field(100, ge=1, le=100, description="share of the port's bandwidth, 1-100 %")
    description: str = Field("", max_length=64)

    _vlans = field_validator("vlans")(_vlan_set)

    @field_validator("native_vlan")
    @classmethod
    def _native_listed(cls, value: int | None, info: ValidationInfo) -> int | None:
        vlans = info.data.get("vlans")
        if "vlans" in ((info.context or {}).get("unknown") or ()):  # not known yet (terraform validate)
            return value
        if value is not None and vlans is not None and value not in vlans:
            raise ValueError(f"{value} is not one of vlans")
        return value


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


#: the HMM's power capping bounds (chassis input power, W) [INF: no verb captured]
POWER_LIMIT_W = (1000, 30000)
SlotPriority = Literal["high", "medium", "low"]


class ChassisPowerPolicy(FacadeModel):
    """PSUs & Fans → Capping and Hibernation as one setting (factory value: capping off at
    6000 W, every slot of medium priority, hibernation off in N+1) [INF].

    Under a cap the HMM throttles low-priority blades first; ``slot_priority`` holds the slots
    whose priority is not "medium". Hibernation puts the PSUs the load does not need to sleep,
    keeping one spare (``N+1``) or as many spares as working ones (``N+N``)."""

    capping_enabled: bool = False
    capping_limit_w: int = Field(6000, ge=POWER_LIMIT_W[0], le=POWER_LIMIT_W[1])
    slot_priority: dict[int, SlotPriority] = Field(default_factory=dict)
    hibernation_enabled: bool = False
    hibernation_mode: Literal["N+1", "N+N"] = "N+1"

    @field_validator("slot_priority")
    @classmethod
    def _priorities(cls, value: dict[int, str]) -> dict[int, str]:
        return _slot_map(value, "medium", "priority")


class Fan(FacadeModel):
    name: str
    present: bool = True
    health: str | None = None
    speed_rpm: int | None = None
    speed_pct: int | None = None


class Temperature(FacadeModel):
    name: str
    reading_c: float | None = None
    upper_critical_c: float | None = None
    health: str | None = None


class ModuleSummary(FacadeModel):
    """A management or switch module at a glance: presence, version keys, its software version."""

    name: str | None = None
    present: bool = True
    role: str | None = None
    version: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)


class ChassisOverview(FacadeModel):
    """The whole chassis at a glance (``Basic.overview``)."""

    model: str = "E9000"
    serial_number: str | None = None
    health: str | None = None
    asset_tag: str = ""
    hmm_active: ModuleSummary
    hmm_standby: ModuleSummary
    power: PowerMeter
    fans: list[Fan] = Field(default_factory=list)
    temperatures: list[Temperature] = Field(default_factory=list)
    switches: list[ModuleSummary] = Field(default_factory=list)


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
#: the login interfaces of an HMM account, as the HMM's Redfish account shows them (§3.2)
INTERFACES = ("KVM", "REDFISH", "SFTP", "SNMP", "SSH/TELNET", "WEB")
Interface = Literal["KVM", "REDFISH", "SFTP", "SNMP", "SSH/TELNET", "WEB"]


class Account(FacadeModel):
    """System Mgmt → Account: one HMM local user as it is managed. The password is write-only:
    sent when given, never read back, never captured in a snapshot."""

    name: str = Field(pattern=USERNAME, description="the account's user name")
    role: Literal["Administrator", "Operator", "ReadOnly", "Commonuser"] = "Operator"
    enabled: bool = True
    password: SecretStr | None = Field(None, description="8 or more characters, letters and digits")
    interfaces: list[Interface] = Field(default_factory=lambda: list(INTERFACES),  # type: ignore[arg-type]
                                        description="the interfaces the account may log in over")

    @field_validator("interfaces")
    @classmethod
    def _sorted(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

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


_IPV4ISH = re.compile(r"^[0-9.]+$")
_LDAP_URL = re.compile(r"^(?P<scheme>ldaps?)://(?P<host>\[[0-9a-fA-F:]+\]|[^/:?#]*)(?::(?P<port>\d*))?/?$", re.I)
LDAP_GROUPS = 5   #: LDAP groups the HMM keeps [INF: as the iBMC's LDAP page]


def _host(value: str) -> str | None:
    """Why ``value`` is no host name, IPv4 or IPv6 address (None when it is one)."""
    if _IPV4ISH.match(value):
        parts = value.split(".")
        if len(parts) != 4 or not all(p.isdigit() and int(p) <= 255 and len(p) <= 3 for p in parts):
            return f"{value!r} is not a valid IPv4 address"
        return None
    if ":" in value:
        import ipaddress

        try:
            ipaddress.IPv6Address(value.strip("[]"))
        except ValueError:
            return f"{value!r} is not a valid IPv6 address"
        return None
    if len(value) > 253 or not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?",
                                             value):
        return f"{value!r} is not a host name or IP address"
    return None


def ldap_endpoint(server: str, port: int, tls: bool) -> tuple[str, int]:
    """The (host, TCP port) an LDAP ``server`` value (a host or an ``ldap[s]://host[:port]``
    URL) and the ``port`` setting mean: the URL's port wins, then ``port``."""
    m = _LDAP_URL.match(server)
    if m is None:
        return server, port
    return m["host"].strip("[]"), int(m["port"]) if m["port"] else port


class LdapGroup(FacadeModel):
    """One LDAP group the HMM lets in: its name or DN, and the role its members get."""

    name: str = Field(min_length=1, max_length=255, description="group name or DN (CN=ops,OU=Groups,DC=lab)")
    role: Literal["Administrator", "Operator", "ReadOnly", "Commonuser"] = "ReadOnly"


class LdapSettings(FacadeModel):
    """System Mgmt → LDAP. The bind password is write-only (sent when given, never read back,
    never captured). The defaults are the factory value (LDAP off, local accounts log in) [INF].

    ``server`` is a host name, an IP address or an ``ldap://`` / ``ldaps://`` URL with a host
    (its port, when given, wins over ``port``). ``local_login_enabled = False`` is LDAP-only
    login [INF: the sheets show no such switch; modelled on the HMM's sibling iBMC]: the HMM
    then refuses local accounts' logins, except the default administrator (id 2), kept as the
    way back in."""

    enabled: bool = False
    server: str = Field("", validate_default=True, description="host, IP address or ldap[s]:// URL")
    port: int = Field(389, ge=1, le=65535)
    domain: str = Field("", max_length=255, description="the base DN users are searched under")
    bind_dn: str = Field("", max_length=255)
    user_group_dn: str = Field("", max_length=255, description="the user folder (OU) below the base DN")
    ssl: bool = False
    groups: list[LdapGroup] = Field(default_factory=list, max_length=LDAP_GROUPS)
    local_login_enabled: bool = True
    bind_password: SecretStr | None = Field(None, max_length=128)

    @field_validator("server")
    @classmethod
    def _server(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            if info.data.get("enabled"):
                raise ValueError("required when LDAP is enabled")
            return value
        m = _LDAP_URL.match(value)
        if "://" in value and m is None:
            raise ValueError(f"{value!r} is not an ldap:// or ldaps:// URL (ldaps://host[:port])")
        if m is not None and not m["host"]:
            raise ValueError(f"the LDAP URL {value!r} has no host")
        if m is not None and m["port"] is not None and not (m["port"].isdigit() and 1 <= int(m["port"]) <= 65535):
            raise ValueError(f"the LDAP URL {value!r} has no valid port (1-65535)")
        why = _host(m["host"].strip("[]") if m is not None else value)
        if why:
            raise ValueError(why)
        return value

    @field_validator("groups")
    @classmethod
    def _distinct(cls, value: list[LdapGroup]) -> list[LdapGroup]:
        _once([g.name.lower() for g in value], "group ")
        return value

    @field_validator("local_login_enabled")
    @classmethod
    def _ldap_when_local_off(cls, value: bool, info: ValidationInfo) -> bool:
        if "enabled" in ((info.context or {}).get("unknown") or ()):
            return value
        if not value and not info.data.get("enabled"):
            raise ValueError("local login may only be turned off while LDAP is enabled (nobody could log in)")
        return value


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


# ---------------------------------------------------------------- network settings (managed)
#: the management address targets: the MMs, the floating address, blade iBMCs, switch modules
MGMT_TARGET = r"^(HMM1|HMM2|float|Slot([1-9]|1[0-6])|Swi[1-4])$"
MM_TARGETS = ("HMM1", "HMM2", "float")


def _unknown(info: ValidationInfo, *names: str) -> bool:
    """A rule comparing with ``names`` skips itself when one of them is not known yet (plan) or
    failed its own rule (its error is the one reported)."""
    unknown = (info.context or {}).get("unknown") or ()
    return any(n in unknown or n not in info.data for n in names)


def _ipv4_or_empty(value: str, what: str) -> str:
    import ipaddress

    if value:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 address ({what})") from None
    return value


class MgmtNetwork(FacadeModel):
    """Network Settings → MMs / Blades / Switch Modules: one target's management address as it is
    managed. ``ip = ""`` means "no external address" (blades and switch modules only). IPv6 is
    the MMs' only [INF: no IPv6 field was captured; the emulator offers ``ipv6``/``ipv6gateway``]."""

    target: str = Field(pattern=MGMT_TARGET, description='"HMM1", "HMM2", "float", "Slot<N>" or "Swi<N>"')
    ip: str = Field("", description="IPv4 address (\"\": none, blades and switch modules only)")
    mask: str = Field("255.255.255.0", description="IPv4 network mask, e.g. 255.255.255.0")
    gateway: str = Field("", description="IPv4 default gateway inside the subnet (\"\": none)")
    ipv6_address: str = Field("", description='IPv6 address with its prefix, "2001:db8::30/64" (MMs only)')
    ipv6_gateway: str = Field("", description="IPv6 gateway inside the prefix (MMs only)")
    mode: Literal["static", "dhcp"] = "static"

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str, info: ValidationInfo) -> str:
        _ipv4_or_empty(value, "dotted quad, e.g. 192.168.1.30")
        if not value and not _unknown(info, "target") and info.data["target"] in MM_TARGETS:
            raise ValueError(f"{info.data['target']} must keep an address (only a blade's or a switch "
                             "module's external address can be removed with \"\")")
        return value

    @field_validator("mask")
    @classmethod
    def _mask(cls, value: str, info: ValidationInfo) -> str:
        import ipaddress

        if value == "" and not _unknown(info, "ip") and info.data["ip"] == "":
            return value
        try:
            ipaddress.IPv4Network(f"0.0.0.0/{value}")
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 network mask (contiguous ones, e.g. 255.255.255.0)") from None
        return value

    @field_validator("gateway")
    @classmethod
    def _gateway(cls, value: str, info: ValidationInfo) -> str:
        import ipaddress

        _ipv4_or_empty(value, "dotted quad")
        if not value or _unknown(info, "ip", "mask") or not info.data["ip"]:
            return value
        net = ipaddress.IPv4Network(f"{info.data['ip']}/{info.data['mask']}", strict=False)
        if ipaddress.IPv4Address(value) not in net:
            raise ValueError(f"the gateway {value} is outside the subnet {net} of ip/mask")
        if value == info.data["ip"]:
            raise ValueError("the gateway cannot be the address itself")
        return value

    @field_validator("ipv6_address")
    @classmethod
    def _ipv6(cls, value: str, info: ValidationInfo) -> str:
        import ipaddress

        if not value:
            return value
        if not _unknown(info, "target") and info.data["target"] not in MM_TARGETS:
            raise ValueError(f"{info.data['target']} has no IPv6 address on the HMM (the MMs only)")
        if "/" not in value:
            raise ValueError(f"{value!r}: give the prefix length too, e.g. 2001:db8::30/64")
        try:
            ipaddress.IPv6Interface(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv6 address/prefix") from None
        return value

    @field_validator("ipv6_gateway")
    @classmethod
    def _ipv6_gateway(cls, value: str, info: ValidationInfo) -> str:
        import ipaddress

        if not value:
            return value
        try:
            gw = ipaddress.IPv6Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv6 address") from None
        if _unknown(info, "ipv6_address"):
            return value
        if not info.data["ipv6_address"]:
            raise ValueError("an IPv6 gateway needs ipv6_address")
        net = ipaddress.IPv6Interface(info.data["ipv6_address"]).network
        if gw not in net:
            raise ValueError(f"the IPv6 gateway {value} is outside the prefix {net} of ipv6_address")
        return value


# ---------------------------------------------------------------- alarm notification destinations
AlarmDestType = Literal["snmp_trap", "syslog", "email"]
AlarmSeverity = Literal["critical", "major", "minor", "normal"]
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9.-]+$")
_DEST_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$|^[0-9a-fA-F:]+$")


class AlarmSubscription(FacadeModel):
    """Alarm Monitoring → Settings: one notification destination (an SNMP trap receiver, a syslog
    server or an email recipient), keyed by ``type`` and ``address``. ``severity`` is the minimum
    severity sent. The community string and the SNMPv3 keys are write-only: sent when given,
    never read back, never captured. [INF: the page was not captured; see the emulator's
    ``alarmconfighandler``.]"""

    type: AlarmDestType
    address: str = Field(min_length=1, max_length=253,
                         description="host name or IP address (snmp_trap, syslog) or email address (email)")
    port: int = Field(162, ge=1, le=65535, description="destination port, 1-65535")
    severity: AlarmSeverity = "minor"
    enabled: bool = True
    snmp_version: Literal["v2c", "v3", ""] = ""
    snmp_user: str = Field("", max_length=32)
    auth_protocol: Literal["SHA", "MD5", ""] = ""
    priv_protocol: Literal["AES", "DES", ""] = ""
    community: SecretStr | None = None
    auth_key: SecretStr | None = None
    priv_key: SecretStr | None = None

    @property
    def key(self) -> str:
        return f"{self.type}/{self.address}"

    @field_validator("address")
    @classmethod
    def _address(cls, value: str, info: ValidationInfo) -> str:
        if _unknown(info, "type"):
            return value
        if info.data["type"] == "email":
            if not _EMAIL.match(value):
                raise ValueError(f"{value!r} is not an email address (type = \"email\")")
        elif not _DEST_HOST.match(value):
            raise ValueError(f"{value!r} is not a host name or IP address")
        return value

    @field_validator("snmp_version", "snmp_user", "auth_protocol", "priv_protocol")
    @classmethod
    def _snmp_only(cls, value: str, info: ValidationInfo) -> str:
        if value and not _unknown(info, "type") and info.data["type"] != "snmp_trap":
            raise ValueError(f"only an snmp_trap destination has {info.field_name} (type = {info.data['type']!r})")
        return value

    @field_validator("snmp_user")
    @classmethod
    def _v3_user(cls, value: str, info: ValidationInfo) -> str:
        if not value and not _unknown(info, "snmp_version") and info.data["snmp_version"] == "v3":
            raise ValueError("an SNMPv3 trap receiver needs snmp_user")
        return value

    @field_validator("community", "auth_key", "priv_key")
    @classmethod
    def _secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return value
        text = value.get_secret_value()
        if _unknown(info, "type", "snmp_version"):
            return value
        if info.data["type"] != "snmp_trap":
            raise ValueError(f"only an snmp_trap destination has {info.field_name}")
        if info.field_name == "community":
            if info.data["snmp_version"] != "v2c":
                raise ValueError("a community string is for snmp_version = \"v2c\" only")
            if not 1 <= len(text) <= 32:
                raise ValueError("must have 1 to 32 characters")
        else:
            if info.data["snmp_version"] != "v3":
                raise ValueError(f"{info.field_name} is for snmp_version = \"v3\" only")
            if not 8 <= len(text) <= 64:
                raise ValueError("must have 8 to 64 characters")
        return value
