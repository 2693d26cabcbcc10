"""Typed models for data read from a Huawei VRP switch (CX310 class).

Every model has a ``from_ntc`` constructor taking the row dictionaries that
``ntc-templates`` (and :func:`vessel_core.drivers.vrp.parse`) produce, so values
read from the device keep the device's own spelling; only numbers and VLAN lists
are converted.  VLAN list helpers live here because both the models and callers
building ``port trunk allow-pass vlan ...`` lines need them.
"""
from __future__ import annotations

import re
from typing import Iterable, Literal

from pydantic import BaseModel, Field

from vessel_core.errors import ValidationError

VLAN_MIN = 1
VLAN_MAX = 4094

_RANGE_RE = re.compile(r"^(\d+)\s*(?:-|\s+to\s+)\s*(\d+)$", re.IGNORECASE)


def _check_vid(vid: int, text: str) -> int:
    if not VLAN_MIN <= vid <= VLAN_MAX:
        raise ValidationError(f"VLAN id {vid} out of range {VLAN_MIN}..{VLAN_MAX} in {text!r}",
                              operation="vlan list")
    return vid


def expand_vlan_list(text: str | Iterable[str]) -> list[int]:
    """Expand a VRP VLAN list into sorted unique ids.

    Accepts the CLI syntax ``10 20 to 30``, the display syntax ``1 249-255``,
    commas, and an iterable of such fragments (as ntc-templates returns them).
    ``-`` or an empty text means no VLANs; ``all`` means 1..4094.
    """
    if not isinstance(text, str):
        text = " ".join(text)
    text = text.replace(",", " ").strip()
    if text in ("", "-", "--"):
        return []
    if text.lower() == "all":
        return list(range(VLAN_MIN, VLAN_MAX + 1))
    # Join "a to b" into one token so the split below keeps ranges together.
    text = re.sub(r"\s+to\s+", "-", text, flags=re.IGNORECASE)
    out: set[int] = set()
    for token in text.split():
        m = _RANGE_RE.match(token)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise ValidationError(f"VLAN range {token!r} runs backwards", operation="vlan list")
            out.update(range(_check_vid(lo, token), _check_vid(hi, token) + 1))
        elif token.isdigit():
            out.add(_check_vid(int(token), token))
        else:
            raise ValidationError(f"not a VLAN id or range: {token!r}", operation="vlan list")
    return sorted(out)


def compress_vlan_list(vids: Iterable[int], *, sep: str = " to ") -> list[str]:
    """Group ids into VRP range fragments: ``[10, 20, 21, 22]`` -> ``["10", "20 to 22"]``."""
    ids = sorted({_check_vid(int(v), str(v)) for v in vids})
    out: list[str] = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}{sep}{ids[j]}")
        i = j + 1
    return out


def vlan_batch_args(vids: Iterable[int], *, max_fragments: int = 10) -> list[str]:
    """Argument strings for ``vlan batch``/``allow-pass vlan`` lines, at most
    ``max_fragments`` ranges per line (VRP limits a single line's list)."""
    frags = compress_vlan_list(vids)
    return [" ".join(frags[i:i + max_fragments]) for i in range(0, len(frags), max_fragments)]


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


class Vlan(BaseModel):
    """One VLAN with its port membership (``display vlan``)."""

    vid: int
    description: str = ""
    status: str = ""
    property: str = ""
    type: str = ""
    mac_learning: str = ""
    statistics: str = ""
    tagged: list[str] = Field(default_factory=list)
    untagged: list[str] = Field(default_factory=list)
    port_state: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_ntc(cls, row: dict) -> "Vlan":
        ports = row.get("interface") or []
        states = row.get("interface_status") or []
        if isinstance(ports, str):
            ports = [ports] if ports else []
        if isinstance(states, str):
            states = [states] if states else []
        mode = (row.get("mode") or "").upper()
        return cls(
            vid=int(row["vlan_id"]),
            description=row.get("vlan_description") or row.get("vlan_name") or "",
            status=row.get("vlan_status", ""),
            property=row.get("vlan_property", ""),
            type=row.get("vlan_type", ""),
            mac_learning=row.get("vlan_mac_learning", ""),
            statistics=row.get("vlan_statistics", ""),
            tagged=list(ports) if mode == "TG" else [],
            untagged=list(ports) if mode == "UT" else [],
            port_state=dict(zip(ports, states)),
        )


class InterfaceBrief(BaseModel):
    """One row of ``display interface brief``."""

    name: str
    phy: str
    protocol: str
    in_util: str = ""
    out_util: str = ""
    in_errors: int | None = None
    out_errors: int | None = None

    @property
    def up(self) -> bool:
        return self.phy == "up"

    @classmethod
    def from_ntc(cls, row: dict) -> "InterfaceBrief":
        return cls(name=row["interface"], phy=row.get("phy", ""), protocol=row.get("protocol", ""),
                   in_util=row.get("inuti", ""), out_util=row.get("oututi", ""),
                   in_errors=_int_or_none(row.get("inerrors")),
                   out_errors=_int_or_none(row.get("outerrors")))


class PortVlan(BaseModel):
    """One row of ``display port vlan``: link type, PVID and allowed VLANs."""

    interface: str
    link_type: str
    pvid: int | None = None
    trunk_vlans: list[int] = Field(default_factory=list)

    @classmethod
    def from_ntc(cls, row: dict) -> "PortVlan":
        return cls(interface=row["interface"], link_type=row.get("link_type", ""),
                   pvid=_int_or_none(row.get("vlan_id")),
                   trunk_vlans=expand_vlan_list(row.get("trunk_vlan_list") or []))


class EthTrunkMember(BaseModel):
    interface: str
    status: str = ""
    weight: int | None = None
    port_type: str = ""
    port_state: str = ""


class EthTrunk(BaseModel):
    """One Eth-Trunk block of ``display eth-trunk`` with its members."""

    name: str
    trunk_id: int
    working_mode: str = ""
    operate_status: str = ""
    up_ports: int | None = None
    lag_id: int | None = None
    members: list[EthTrunkMember] = Field(default_factory=list)

    @classmethod
    def from_ntc_rows(cls, rows: Iterable[dict]) -> list["EthTrunk"]:
        """ntc-templates emits one row per member; group them per trunk, keeping order."""
        trunks: dict[str, EthTrunk] = {}
        for row in rows:
            name = row["eth_trunk"]
            trunk = trunks.get(name)
            if trunk is None:
                m = re.search(r"(\d+)$", name)
                trunk = cls(name=name, trunk_id=int(m.group(1)) if m else -1,
                            working_mode=row.get("working_mode", ""),
                            operate_status=row.get("operate_status", ""),
                            up_ports=_int_or_none(row.get("number_of_up_port_in_trunk")),
                            lag_id=_int_or_none(row.get("lag_id")))
                trunks[name] = trunk
            if row.get("interface"):
                trunk.members.append(EthTrunkMember(
                    interface=row["interface"], status=row.get("status", ""),
                    weight=_int_or_none(row.get("weight")), port_type=row.get("port_type", ""),
                    port_state=row.get("port_state", "")))
        return list(trunks.values())


class LldpNeighbor(BaseModel):
    """One LLDP neighbour (``display lldp neighbor`` or ``... brief``)."""

    local_interface: str
    neighbor_device: str = ""
    neighbor_interface: str = ""
    neighbor_port_id: str = ""
    chassis_id: str = ""
    mgmt_address: str = ""
    expired_time: int | None = None

    @classmethod
    def from_ntc(cls, row: dict) -> "LldpNeighbor":
        return cls(local_interface=row["local_interface"],
                   neighbor_device=row.get("neighbor_name", "") or row.get("neighbor_device", ""),
                   neighbor_interface=row.get("neighbor_interface", ""),
                   neighbor_port_id=row.get("neighbor_port_id", ""),
                   chassis_id=row.get("chassis_id", ""),
                   mgmt_address=row.get("mgmt_address", ""),
                   expired_time=_int_or_none(row.get("expired_time") or row.get("exptime")))


class MacEntry(BaseModel):
    """One row of ``display mac-address``."""

    mac: str
    vlan: int | None = None
    interface: str = ""
    type: str = ""

    @classmethod
    def from_ntc(cls, row: dict) -> "MacEntry":
        return cls(mac=row["destination_address"], vlan=_int_or_none(row.get("vlan_id")),
                   interface=row.get("destination_port", ""), type=row.get("type", ""))


class VersionInfo(BaseModel):
    """``display version``: software generation decides the commit model."""

    vrp_version: str
    product_version: str = ""
    model: str = ""
    uptime: str = ""
    patch_version: str = ""

    @property
    def flavour(self) -> Literal["vrp5", "vrp8"]:
        major = _int_or_none(self.vrp_version.split(".", 1)[0])
        return "vrp8" if major is not None and major >= 8 else "vrp5"

    @classmethod
    def from_ntc(cls, row: dict) -> "VersionInfo":
        return cls(vrp_version=row.get("vrp_version", ""), product_version=row.get("product_version", ""),
                   model=row.get("model", ""), uptime=row.get("uptime", ""),
                   patch_version=row.get("patch_version", ""))


class ConfigSection(BaseModel):
    """A top-level block of ``display current-configuration`` (``interface X`` and its lines)."""

    header: str
    lines: list[str] = Field(default_factory=list)


class InterfaceConfig(BaseModel):
    """Layer-2 settings of one interface as written in the running configuration."""

    name: str
    description: str = ""
    link_type: str = ""
    default_vlan: int | None = None
    trunk_pvid: int | None = None
    trunk_allow: list[int] = Field(default_factory=list)
    hybrid_pvid: int | None = None
    hybrid_tagged: list[int] = Field(default_factory=list)
    hybrid_untagged: list[int] = Field(default_factory=list)
    eth_trunk: int | None = None
    shutdown: bool = False
    lines: list[str] = Field(default_factory=list)


class RunningConfig(BaseModel):
    """What Vessel manages, taken from ``display current-configuration``."""

    sysname: str = ""
    vlans: dict[int, str] = Field(default_factory=dict)  # vid -> description ("" if none)
    interfaces: dict[str, InterfaceConfig] = Field(default_factory=dict)
    text: str = ""
