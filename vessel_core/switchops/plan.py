"""Pure diffing: from a :class:`SwitchView` and wanted objects to VRP configuration lines.

Every change becomes blocks of lines tagged with a phase; a batch is the concatenation of all
blocks sorted by phase (stable), so VLANs exist before ports use them, LAG members leave
before they join elsewhere, and VLANs are removed last. Each block starts and ends in system
view (``interface X`` ... ``quit``), so blocks of different changes never interleave.

:func:`restore_changes` turns "current view -> snapshot view" into the same kind of changes,
which is how a rollback is computed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

from vessel_core.switchops.model import (
    DEFAULT_PORT,
    LagState,
    PortState,
    SwitchView,
    VlanState,
    lag_name,
)

#: factory VLAN settings per link type (what VRP wants back before a link-type change)
TYPE_DEFAULTS = {
    "access": DEFAULT_PORT,
    "trunk": PortState("trunk", 1, frozenset({1})),
    "hybrid": PortState("hybrid", 1, frozenset(), untagged=frozenset({1})),
}

# phases
P_VLAN, P_LEAVE, P_PORT, P_JOIN, P_DROP_LAG, P_DROP_VLAN = range(6)


@dataclass(frozen=True)
class Change:
    """One wanted object. ``want`` None deletes (a physical port returns to its defaults)."""

    kind: str  # "vlan" | "port" | "lag"
    key: Union[int, str]
    want: Union[VlanState, PortState, LagState, None]

    @property
    def target(self) -> str:
        return {"vlan": "vlan {}", "port": "port {}", "lag": "lag {}"}[self.kind].format(self.key)


def current(view: SwitchView, kind: str, key: int | str) -> VlanState | PortState | LagState | None:
    if kind == "vlan":
        return view.vlans.get(int(key))
    if kind == "port":
        return view.ports.get(str(key))
    return view.lags.get(int(key))


def _ids(vids: set[int] | frozenset[int]) -> list[str]:
    from vessel_core.models.vrp import vlan_batch_args  # pydantic: loaded only when lines are planned

    return vlan_batch_args(sorted(vids))


class _Batch:
    def __init__(self, view: SwitchView) -> None:
        self.view = view.copy()
        self.blocks: list[tuple[int, list[str]]] = []
        self.create_vlans: set[int] = set()
        self.drop_vlans: set[int] = set()

    def add(self, phase: int, lines: list[str]) -> None:
        if lines:
            self.blocks.append((phase, lines))

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.create_vlans:
            out += [f"vlan batch {a}" for a in _ids(self.create_vlans)]
        for _, block in sorted(self.blocks, key=lambda b: b[0]):
            out += block
        if self.drop_vlans:
            out += [f"undo vlan batch {a}" for a in _ids(self.drop_vlans)]
        return out

    # ------------------------------------------------------------------ VLANs
    def vlan(self, vid: int, want: VlanState | None) -> None:
        cur = self.view.vlans.get(vid)
        if want is None:
            if cur is None:
                return
            if vid == 1:  # the default VLAN cannot be deleted: clear what can be cleared
                if cur.description is not None:
                    self.add(P_VLAN, ["vlan 1", "undo description", "quit"])
                self.view.vlans[1] = replace(cur, description=None)
                return
            self.drop_vlans.add(vid)
            self.create_vlans.discard(vid)
            del self.view.vlans[vid]
            return
        if cur is None:
            self.create_vlans.add(vid)
            self.drop_vlans.discard(vid)
            cur = VlanState(vid)
        body: list[str] = []
        name = cur.name if want.name is None else want.name  # a null name is left alone
        if name != cur.name:
            body.append(f"name {name}")
        if want.description != cur.description:
            body.append("undo description" if want.description is None else f"description {want.description}")
        if body:
            self.add(P_VLAN, [f"vlan {vid}", *body, "quit"])
        self.view.vlans[vid] = VlanState(vid, name, want.description)

    # ------------------------------------------------------------------ ports
    def l2_lines(self, cur: PortState, want: PortState) -> list[str]:
        """Lines inside the interface view taking ``cur`` to ``want`` (both normalised)."""
        cur, want = cur.normal(), want.normal()
        out: list[str] = []
        if cur.link_type != want.link_type:
            if not cur.vlan_settings_default():
                out += _type_lines(cur, TYPE_DEFAULTS[cur.link_type])
            out.append(f"port link-type {want.link_type}")
            cur = replace(TYPE_DEFAULTS[want.link_type], description=cur.description, enabled=cur.enabled)
        out += _type_lines(cur, want)
        if cur.description != want.description:
            out.append("undo description" if want.description is None else f"description {want.description}")
        if cur.enabled != want.enabled:
            out.append("undo shutdown" if want.enabled else "shutdown")
        return out

    def port(self, name: str, want: PortState | None) -> None:
        want = (want or DEFAULT_PORT).normal()
        cur = self.view.ports.get(name, DEFAULT_PORT)
        body = self.l2_lines(cur, want)
        if body:
            self.add(P_PORT, [f"interface {name}", *body, "quit"])
        self.view.ports[name] = want

    # ------------------------------------------------------------------ LAGs
    def lag(self, lag_id: int, want: LagState | None, mode_word: str) -> None:
        cur = self.view.lags.get(lag_id)
        iface = lag_name(lag_id)
        if want is None:
            if cur is None:
                return
            for m in sorted(cur.members):
                self.add(P_LEAVE, [f"interface {m}", "undo eth-trunk", "quit"])
            self.add(P_DROP_LAG, [f"undo interface {iface}"])
            del self.view.lags[lag_id]
            return
        base = cur or LagState(lag_id)
        leaving = set(base.members) - set(want.members)
        joining = set(want.members) - set(base.members)
        if base.mode != want.mode and base.members:
            leaving, joining = set(base.members), set(want.members)  # mode changes need an empty trunk
        for m in sorted(leaving):
            self.add(P_LEAVE, [f"interface {m}", "undo eth-trunk", "quit"])
        body: list[str] = []
        if want.mode != base.mode:
            body.append(f"mode {mode_word}" if want.mode == "lacp" else "mode manual")
        body += self.l2_lines(base.l2, want.l2)
        if body or cur is None:
            self.add(P_PORT, [f"interface {iface}", *body, "quit"])
        for m in sorted(joining):
            self.add(P_JOIN, [f"interface {m}", f"eth-trunk {lag_id}", "quit"])
        self.view.lags[lag_id] = LagState(lag_id, want.mode, frozenset(want.members), want.l2.normal())


def _type_lines(cur: PortState, want: PortState) -> list[str]:
    """VLAN lines of one link type (``cur`` and ``want`` share it)."""
    out: list[str] = []
    t = want.link_type
    if t == "access":
        if cur.default_vlan != want.default_vlan:
            out.append("undo port default vlan" if want.default_vlan == 1 else f"port default vlan {want.default_vlan}")
        return out
    if t == "trunk":
        add, rem = want.allowed_vlans - cur.allowed_vlans, cur.allowed_vlans - want.allowed_vlans
        out += [f"undo port trunk allow-pass vlan {a}" for a in _ids(rem)]
        out += [f"port trunk allow-pass vlan {a}" for a in _ids(add)]
        if cur.default_vlan != want.default_vlan:
            out.append("undo port trunk pvid vlan" if want.default_vlan == 1 else f"port trunk pvid vlan {want.default_vlan}")
        return out
    # hybrid: tagged = allowed_vlans, untagged list as wanted
    tag_rem = cur.allowed_vlans - want.allowed_vlans
    unt_rem = cur.untagged - want.untagged
    out += [f"undo port hybrid tagged vlan {a}" for a in _ids(tag_rem)]
    out += [f"undo port hybrid untagged vlan {a}" for a in _ids(unt_rem)]
    out += [f"port hybrid tagged vlan {a}" for a in _ids(want.allowed_vlans - cur.allowed_vlans)]
    out += [f"port hybrid untagged vlan {a}" for a in _ids(want.untagged - cur.untagged)]
    if cur.default_vlan != want.default_vlan:
        out.append("undo port hybrid pvid vlan" if want.default_vlan == 1 else f"port hybrid pvid vlan {want.default_vlan}")
    return out


def plan_lines(view: SwitchView, changes: list[Change]) -> tuple[list[str], SwitchView]:
    """Configuration lines for ``changes`` applied in order, and the view expected afterwards."""
    b = _Batch(view)
    mode_word = "lacp-static" if view.flavour == "vrp5" else "lacp"
    for ch in changes:
        want = ch.want
        if ch.kind == "vlan" and (want is None or isinstance(want, VlanState)):
            b.vlan(int(ch.key), want)
        elif ch.kind == "port" and (want is None or isinstance(want, PortState)):
            b.port(str(ch.key), want)
        elif ch.kind == "lag" and (want is None or isinstance(want, LagState)):
            b.lag(int(ch.key), want, mode_word)
        else:
            raise ValueError(f"change of kind {ch.kind!r} wants a {type(want).__name__}")
    return b.lines(), b.view


def restore_changes(now: SwitchView, target: SwitchView) -> list[Change]:
    """Changes that bring the VLANs, ports and LAGs of ``now`` back to ``target``."""
    out: list[Change] = []
    for vid, v in target.vlans.items():
        if now.vlans.get(vid) != v:
            out.append(Change("vlan", vid, v))
    for vid in now.vlans.keys() - target.vlans.keys():
        out.append(Change("vlan", vid, None))
    for lag_id in now.lags.keys() - target.lags.keys():
        out.append(Change("lag", lag_id, None))
    for name, p in target.ports.items():
        if now.ports.get(name, DEFAULT_PORT).normal() != p.normal():
            out.append(Change("port", name, p))
    for lag_id, lag in target.lags.items():
        if now.lags.get(lag_id) != lag:
            out.append(Change("lag", lag_id, lag))
    return out


def object_of(view: SwitchView, kind: str, key: int | str) -> VlanState | PortState | LagState | None:
    """The object as the switch has it (physical ports always exist: defaults when unset)."""
    obj = current(view, kind, key)
    if isinstance(obj, PortState):
        return obj.normal()
    return obj


def satisfied(view: SwitchView, ch: Change) -> bool:
    """Whether ``view`` already holds what ``ch`` wants."""
    have = object_of(view, ch.kind, ch.key)
    want = ch.want
    if ch.kind == "port":
        assert want is None or isinstance(want, PortState)
        return have == (want or DEFAULT_PORT).normal()
    if want is None:
        return have is None or (ch.kind == "vlan" and ch.key == 1)
    if isinstance(want, VlanState):
        return isinstance(have, VlanState) and have.description == want.description \
            and (want.name is None or have.name == want.name)
    assert isinstance(want, LagState)
    return isinstance(have, LagState) and have.mode == want.mode and have.members == frozenset(want.members) \
        and have.l2.normal() == want.l2.normal()
