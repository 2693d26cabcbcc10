"""State of one emulated CX310 switch module (its VRP configuration and runtime tables).

Plain pydantic data, JSON-serialisable (``model_dump(mode="json")`` / ``model_validate``),
so the chassis state file can embed one ``SwitchState`` per populated switch slot.

Choices made where the fact sheet (chassis-surface.md §5) leaves things open:

* Port naming (§5.1, third-party CX310 port model): the chassis/stack member id ``<x>``
  in ``10GE<x>/...`` is the **switch slot number**, so Swi2's first external port is
  ``10GE2/17/1`` and Swi3's is ``10GE3/17/1``.
  - ``10GE<x>/<blade 1..16>/<1|2>``  internal downlinks, two per half-width blade slot
  - ``10GE<x>/17/<1..16>``           external SFP+ uplinks
  - ``40GE<x>/18/1``                 inter-switch link to the paired module (2X<->3X, 1E<->4E)
  - ``GE<x>/19/<1|2>``               internal GE links to the two MM910s
* Factory default of every port: ``port link-type access``, ``port default vlan 1``
  (CloudEngine default). "Default settings" for Eth-Trunk membership means exactly that,
  plus no description and no trunk/hybrid lists.
* Flavour ``vrp5`` applies each command immediately; ``vrp8`` edits a candidate that
  ``commit`` applies (prompts ``[~name]`` / ``[*name]``).
* ``running`` is the live configuration, ``saved`` what ``save`` last wrote (the startup
  configuration); ``candidate`` mirrors the pending candidate of the most recent vrp8
  session with uncommitted changes (each CLI session keeps its own copy, as VRP8 does;
  this field is for inspection only and is ``None`` when nothing is pending).
"""

from __future__ import annotations

import random
import re
from typing import Literal

from pydantic import BaseModel, Field

Flavour = Literal["vrp5", "vrp8"]
LinkType = Literal["access", "trunk", "hybrid"]
TrunkMode = Literal["manual", "lacp"]

#: Blade slots populated on the reference chassis (chassis-surface.md §1.1).
REFERENCE_BLADE_SLOTS: tuple[int, ...] = (1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16)
#: Paired switch slot for the inter-switch 40GE link (1E<->4E, 2X<->3X).
PAIR_SLOT = {1: 4, 4: 1, 2: 3, 3: 2}


def sysname_for(slot: int) -> str:
    return f"CX310_{slot}"


def internal_port(slot: int, blade: int, n: int) -> str:
    return f"10GE{slot}/{blade}/{n}"


def external_port(slot: int, n: int) -> str:
    return f"10GE{slot}/17/{n}"


def stack_port(slot: int) -> str:
    return f"40GE{slot}/18/1"


def mm_port(slot: int, n: int) -> str:
    return f"GE{slot}/19/{n}"


def port_names(slot: int) -> list[str]:
    """All physical port names of the switch in ``slot``, in display order."""
    names = [internal_port(slot, b, n) for b in range(1, 17) for n in (1, 2)]
    names += [external_port(slot, n) for n in range(1, 17)]
    names.append(stack_port(slot))
    names += [mm_port(slot, n) for n in (1, 2)]
    return names


_PORT_RE = re.compile(r"^(Eth-Trunk|GE|10GE|40GE)(\d+)(?:/(\d+)/(\d+))?$")
_KIND_ORDER = {"Eth-Trunk": 0, "10GE": 1, "40GE": 2, "GE": 3}


def interface_sort_key(name: str) -> tuple:
    """Display order: Eth-Trunks by id, then 10GE, 40GE, GE ports by slot/subcard/port."""
    m = _PORT_RE.match(name)
    if not m:
        return (9, name)
    return (_KIND_ORDER[m.group(1)], *(int(g) if g else 0 for g in m.groups()[1:]))


class Vlan(BaseModel):
    id: int = Field(ge=1, le=4094)
    description: str | None = None  # None -> VRP shows "VLAN 000N"
    name: str | None = None


class PortConfig(BaseModel):
    """Layer-2 configuration of one interface (physical port or Eth-Trunk)."""

    name: str
    link_type: LinkType = "access"
    default_vlan: int = 1  # access: port default vlan
    trunk_allowed: list[int] = Field(default_factory=lambda: [1])  # trunk: allow-pass list
    trunk_pvid: int = 1  # trunk: port trunk pvid vlan
    hybrid_pvid: int = 1
    hybrid_tagged: list[int] = Field(default_factory=list)
    hybrid_untagged: list[int] = Field(default_factory=lambda: [1])
    description: str | None = None
    shutdown: bool = False

    @property
    def pvid(self) -> int:
        return {"access": self.default_vlan, "trunk": self.trunk_pvid, "hybrid": self.hybrid_pvid}[self.link_type]

    def is_default(self) -> bool:
        """True when the port still has its factory L2 settings (required for Eth-Trunk members)."""
        return self.model_dump(exclude={"name", "shutdown"}) == PortConfig(name=self.name).model_dump(
            exclude={"name", "shutdown"}
        )

    def untagged_vlans(self) -> set[int]:
        if self.link_type == "access":
            return {self.default_vlan}
        if self.link_type == "trunk":
            return {self.trunk_pvid} & set(self.trunk_allowed)
        return set(self.hybrid_untagged)

    def tagged_vlans(self) -> set[int]:
        if self.link_type == "access":
            return set()
        if self.link_type == "trunk":
            return set(self.trunk_allowed) - {self.trunk_pvid}
        return set(self.hybrid_tagged)


class EthTrunk(BaseModel):
    id: int = Field(ge=0, le=127)
    mode: TrunkMode = "manual"
    members: list[str] = Field(default_factory=list)


class SwitchConfig(BaseModel):
    """Everything ``display current-configuration`` shows; copied whole for saved/candidate."""

    sysname: str
    vlans: dict[int, Vlan] = Field(default_factory=dict)
    interfaces: dict[str, PortConfig] = Field(default_factory=dict)  # physical ports and Eth-Trunks
    eth_trunks: dict[int, EthTrunk] = Field(default_factory=dict)

    def trunk_of(self, port: str) -> int | None:
        for t in self.eth_trunks.values():
            if port in t.members:
                return t.id
        return None


class LldpNeighbor(BaseModel):
    local_interface: str
    neighbor_device: str
    neighbor_interface: str
    exptime_s: int = 120


class MacEntry(BaseModel):
    mac: str  # VRP form aaaa-bbbb-cccc
    interface: str
    vlan: int | None = None  # None: the port's current PVID
    type: Literal["dynamic", "static"] = "dynamic"


class VersionInfo(BaseModel):
    vrp_version: str
    release: str
    product: str = "CX310"
    uptime: str = "12 days, 3 hours, 41 minutes"
    copyright_years: str = "2000-2016"


class SwitchState(BaseModel):
    slot: int = Field(ge=1, le=4)
    flavour: Flavour = "vrp8"
    running: SwitchConfig
    saved: SwitchConfig
    candidate: SwitchConfig | None = None
    #: physical link state per port name (True = up). Missing ports are down.
    link_up: dict[str, bool] = Field(default_factory=dict)
    lldp_neighbors: list[LldpNeighbor] = Field(default_factory=list)
    mac_table: list[MacEntry] = Field(default_factory=list)
    version: VersionInfo
    #: VRP login account of this switch (direct listener and nested hop from the HMM).
    username: str = "root"
    password: str = "Huawei12#$"
    #: ask "Change now? [Y/N]:" after login until answered once
    first_login_password_prompt: bool = False

    @property
    def sysname(self) -> str:
        return self.running.sysname

    @property
    def label(self) -> str:
        return f"swi{self.slot}"

    @property
    def mgmt_ip(self) -> str:
        return f"172.31.1.{160 + self.slot}"

    @classmethod
    def default(
        cls,
        slot: int,
        flavour: str = "vrp8",
        seed: int = 0,
        blade_macs: dict[int, list[str]] | None = None,
        pair_present: bool = True,
    ) -> "SwitchState":
        """Factory state of the CX310 in ``slot``.

        ``blade_macs`` maps blade slot -> NIC MACs (any common notation); blade slot ``b``'s
        first MAC is learned on ``10GE<slot>/<b>/1`` and its second on ``.../2``. When omitted,
        the reference chassis' blade population is used with MACs drawn from ``seed``.
        """
        if flavour not in ("vrp5", "vrp8"):
            raise ValueError(f"flavour: expected 'vrp5' or 'vrp8', got {flavour!r}")
        rnd = random.Random(seed * 31 + slot)
        if blade_macs is None:
            blade_macs = {
                b: [_mac_from_int(0x0C4F0E000000 + rnd.randrange(1 << 20) * 4 + i) for i in (0, 1)]
                for b in REFERENCE_BLADE_SLOTS
            }
        name = sysname_for(slot)
        cfg = SwitchConfig(sysname=name, vlans={1: Vlan(id=1)})
        for p in port_names(slot):
            cfg.interfaces[p] = PortConfig(name=p)
        link: dict[str, bool] = {}
        macs: list[MacEntry] = []
        for b, blade in sorted(blade_macs.items()):
            if not 1 <= b <= 16:
                continue
            for n, mac in enumerate(blade[:2], start=1):
                port = internal_port(slot, b, n)
                link[port] = True
                macs.append(MacEntry(mac=vrp_mac(mac), interface=port))
        uplinks = (1, 2)
        lldp = []
        for n in uplinks:
            port = external_port(slot, n)
            link[port] = True
            lldp.append(
                LldpNeighbor(
                    local_interface=port,
                    neighbor_device="CORE-SW01" if n == 1 else "CORE-SW02",
                    neighbor_interface=f"10GE1/0/{slot * 2 + n}",
                    exptime_s=100 + rnd.randrange(20),
                )
            )
        link[mm_port(slot, 1)] = True
        link[mm_port(slot, 2)] = True
        if pair_present:
            pair = PAIR_SLOT[slot]
            link[stack_port(slot)] = True
            lldp.append(
                LldpNeighbor(
                    local_interface=stack_port(slot),
                    neighbor_device=sysname_for(pair),
                    neighbor_interface=stack_port(pair),
                    exptime_s=100 + rnd.randrange(20),
                )
            )
        version = (
            VersionInfo(vrp_version="8.150", release="CX310 V100R002C00SPC100")
            if flavour == "vrp8"
            else VersionInfo(vrp_version="5.160", release="CX310 V100R001C00SPC200")
        )
        return cls(
            slot=slot,
            flavour=flavour,
            running=cfg,
            saved=cfg.model_copy(deep=True),
            link_up=link,
            lldp_neighbors=lldp,
            mac_table=macs,
            version=version,
        )


def _mac_from_int(v: int) -> str:
    h = f"{v:012x}"
    return ":".join(h[i : i + 2] for i in range(0, 12, 2))


def vrp_mac(mac: str) -> str:
    """Any MAC notation -> VRP's ``aaaa-bbbb-cccc``."""
    h = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(h) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return f"{h[0:4]}-{h[4:8]}-{h[8:12]}"
