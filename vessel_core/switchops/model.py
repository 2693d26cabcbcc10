"""What Vessel manages on a CX310 switch, read from one ``display current-configuration``.

A :class:`SwitchView` holds the VLANs, the layer-2 settings of every interface and the
Eth-Trunks (LAGs). It is parsed from the running configuration text alone, so one command
serves every VLAN, port and LAG of a switch, and a snapshot file can be turned back into a
view to compute a restore.

Port semantics (the resource attributes map 1:1 onto :class:`PortState`):

* ``link_type`` access | trunk | hybrid;
* ``default_vlan`` the PVID of the current link type (access: ``port default vlan``);
* ``allowed_vlans`` trunk: the exact allow-pass list (VLAN 1 included unless
  ``undo port trunk allow-pass vlan 1``); hybrid: the tagged VLANs; access: empty;
* hybrid ports carry ``default_vlan`` untagged (``untagged`` keeps the device's real list).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable

from vessel_core.errors import ValidationError

LINK_TYPES = ("access", "trunk", "hybrid")
LAG_MODES = ("manual", "lacp")
PORT_RE = re.compile(r"^(10GE|40GE|GE)(\d+)/(\d+)/(\d+)$")
LAG_PREFIX = "Eth-Trunk"
_LABEL_RE = re.compile(r"^([1-4])([EX])$")


def switch_slot(label: str) -> int:
    """Chassis switch label (``2X``, ``3X``, ``1E``, ``4E``) to its slot number."""
    m = _LABEL_RE.match(label or "")
    if not m:
        raise ValidationError(f'switch: expected a switch module label such as "2X" or "3X", got {label!r}',
                              operation="switch")
    return int(m.group(1))


def lag_name(lag_id: int) -> str:
    return f"{LAG_PREFIX}{lag_id}"


@dataclass(frozen=True)
class VlanState:
    vid: int
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class PortState:
    """Layer-2 settings of one interface (physical port or Eth-Trunk)."""

    link_type: str = "access"
    default_vlan: int = 1
    allowed_vlans: frozenset[int] = frozenset()
    description: str | None = None
    enabled: bool = True
    untagged: frozenset[int] = frozenset()  # hybrid only: the untagged list as configured

    def normal(self) -> "PortState":
        """The form the switch reads back for this intent (hybrid: PVID carried untagged;
        other types keep no list they do not use)."""
        if self.link_type == "hybrid":
            return replace(self, untagged=self.untagged or frozenset({self.default_vlan}))
        if self.link_type == "access":
            return replace(self, allowed_vlans=frozenset(), untagged=frozenset())
        return replace(self, untagged=frozenset())

    def vlan_settings_default(self) -> bool:
        """True when the VLAN settings of the current link type are the factory ones (VRP
        refuses a link-type change, or Eth-Trunk membership, otherwise)."""
        n = self.normal()
        if n.default_vlan != 1:
            return False
        if n.link_type == "trunk":
            return n.allowed_vlans == {1}
        if n.link_type == "hybrid":
            return not n.allowed_vlans and n.untagged == {1}
        return True


DEFAULT_PORT = PortState()


@dataclass(frozen=True)
class LagState:
    lag_id: int
    mode: str = "manual"
    members: frozenset[str] = frozenset()
    l2: PortState = DEFAULT_PORT


@dataclass
class SwitchView:
    """VLANs, interfaces (physical and Eth-Trunk) and LAGs of one switch."""

    vlans: dict[int, VlanState] = field(default_factory=dict)
    ports: dict[str, PortState] = field(default_factory=dict)  # physical ports only
    lags: dict[int, LagState] = field(default_factory=dict)
    flavour: str | None = None
    text: str = ""

    def lag_of(self, port: str) -> int | None:
        for lag in self.lags.values():
            if port in lag.members:
                return lag.lag_id
        return None

    def copy(self) -> "SwitchView":
        return SwitchView(dict(self.vlans), dict(self.ports), dict(self.lags), self.flavour, self.text)

    def managed(self) -> dict:
        """Comparable content (for equality checks and digests)."""
        return {
            "vlans": {v: (s.name, s.description) for v, s in sorted(self.vlans.items())},
            "ports": {p: s for p, s in sorted(self.ports.items())},
            "lags": {i: s for i, s in sorted(self.lags.items())},
        }


# ------------------------------------------------------------------------------ parsing

def _vlans(text: str) -> set[int]:
    from vessel_core.models.vrp import expand_vlan_list  # pydantic: loaded when a switch is read

    return set(expand_vlan_list(text))


def _interface(lines: Iterable[str]) -> tuple[PortState, str, int | None]:
    """(layer-2 settings, LAG mode word, Eth-Trunk membership) of one interface section."""
    link, pvid = "access", {"access": 1, "trunk": 1, "hybrid": 1}
    trunk_allowed, tagged, untagged = {1}, set[int](), {1}
    desc, enabled, mode, member = None, True, "manual", None
    for raw in lines:
        ln = raw.strip()
        if m := re.match(r"^description (.*)$", ln):
            desc = m.group(1)
        elif ln == "shutdown":
            enabled = False
        elif m := re.match(r"^port link-type (access|trunk|hybrid)$", ln):
            link = m.group(1)
        elif m := re.match(r"^port default vlan (\d+)$", ln):
            pvid["access"] = int(m.group(1))
        elif m := re.match(r"^port (trunk|hybrid) pvid vlan (\d+)$", ln):
            pvid[m.group(1)] = int(m.group(2))
        elif m := re.match(r"^(undo )?port trunk allow-pass vlan (.+)$", ln):
            ids = set(range(1, 4095)) if m.group(2).strip() == "all" else _vlans(m.group(2))
            trunk_allowed = trunk_allowed - ids if m.group(1) else trunk_allowed | ids
        elif m := re.match(r"^(undo )?port hybrid (tagged|untagged) vlan (.+)$", ln):
            ids = _vlans(m.group(3))
            mine, other = (tagged, untagged) if m.group(2) == "tagged" else (untagged, tagged)
            if m.group(1):
                mine -= ids
            else:
                mine |= ids
                other -= ids
        elif m := re.match(r"^mode (lacp|lacp-static|manual)", ln):
            mode = "lacp" if m.group(1).startswith("lacp") else "manual"
        elif m := re.match(r"^eth-trunk (\d+)$", ln):
            member = int(m.group(1))
    if link == "trunk":
        st = PortState("trunk", pvid["trunk"], frozenset(trunk_allowed), desc, enabled)
    elif link == "hybrid":
        st = PortState("hybrid", pvid["hybrid"], frozenset(tagged), desc, enabled, frozenset(untagged))
    else:
        st = PortState("access", pvid["access"], frozenset(), desc, enabled)
    return st, mode, member


def parse_view(text: str, flavour: str | None = None) -> SwitchView:
    """A :class:`SwitchView` from ``display current-configuration`` output."""
    from vessel_core.drivers.vrp.parse import config_sections  # ntc-templates: loaded when a switch is read

    view = SwitchView(text=text)
    if flavour is None and text.lstrip().startswith("!"):
        flavour = "vrp8"  # CloudEngine-style configurations open with "!Software Version"
    view.flavour = flavour
    members: dict[str, int] = {}
    lag_l2: dict[int, tuple[PortState, str]] = {}
    for sec in config_sections(text):
        words = sec.header.split()
        if not words:
            continue
        if words[:2] == ["vlan", "batch"]:
            for vid in _vlans(" ".join(words[2:])):
                view.vlans.setdefault(vid, VlanState(vid))
        elif words[0] == "vlan" and len(words) == 2 and words[1].isdigit():
            vid = int(words[1])
            name = desc = None
            for ln in sec.lines:
                ln = ln.strip()
                if ln.startswith("name "):
                    name = ln[5:]
                elif ln.startswith("description "):
                    desc = ln[12:]
            view.vlans[vid] = VlanState(vid, name, desc)
        elif words[0] == "interface" and len(words) >= 2:
            name = "".join(words[1:])
            st, mode, member = _interface(sec.lines)
            if name.startswith(LAG_PREFIX):
                lag_l2[int(name[len(LAG_PREFIX):])] = (st, mode)
            elif PORT_RE.match(name):
                view.ports[name] = st
                if member is not None:
                    members[name] = member
    view.vlans.setdefault(1, VlanState(1))
    for lag_id, (st, mode) in lag_l2.items():
        mem = frozenset(p for p, t in members.items() if t == lag_id)
        view.lags[lag_id] = LagState(lag_id, mode, mem, st)
    view.vlans = dict(sorted(view.vlans.items()))
    return view
