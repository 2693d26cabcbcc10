"""Switch Modules → Swi1..Swi4 (CX310 VRP over SSH through the HMM).

Reads are batched and cached per switch: :meth:`Switches.state` costs four ``display``
commands however many VLANs, ports and LAGs the switch has, and the per-table methods
(``vlans``, ``ports``, ``lags``) are served from that same read while it is fresh. Every
change goes through :meth:`configure` (serialised per switch by the driver; two-stage commit on
VRP8) and invalidates that switch's cached reads.
"""
from __future__ import annotations

import asyncio
import hashlib
import re
from typing import TYPE_CHECKING, Iterable, Literal, Sequence

from vessel_core.chassis._util import check_switch_slot
from vessel_core.chassis.models import (
    EthTrunk,
    LldpNeighbor,
    MacEntry,
    RunningConfig,
    SwitchPort,
    SwitchSnapshot,
    SwitchState,
    Vlan,
    VrpVersion,
)
from vessel_core.drivers.vrp.parse import parse_running_config
from vessel_core.errors import NotFoundError, ValidationError
from vessel_core.models.vrp import VLAN_MAX, VLAN_MIN, vlan_batch_args

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis
    from vessel_core.safety import Guard
    from vessel_core.switchops import SwitchOps

_IFNAME = re.compile(r"^(?:(?:10|25|40|100)?GE|Eth-Trunk|XGigabitEthernet|GigabitEthernet)"
                     r"\s?[\d/]+$")
_RESET_L2 = {
    "access": ["undo port default vlan"],
    "trunk": ["undo port trunk allow-pass vlan all", "port trunk allow-pass vlan 1",
              "undo port trunk pvid vlan"],
    "hybrid": ["undo port hybrid vlan all", "port hybrid untagged vlan 1",
               "undo port hybrid pvid vlan"],
}
_DESC = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,79}$")


def _check_vid(vid: int, op: str) -> int:
    if isinstance(vid, bool) or not isinstance(vid, int) or not VLAN_MIN <= vid <= VLAN_MAX:
        raise ValidationError(f"vlan: id must be {VLAN_MIN}..{VLAN_MAX}, got {vid!r}",
                              operation=op)
    return vid


def _check_if(name: str, op: str) -> str:
    if not _IFNAME.match(name):
        raise ValidationError(f"interface: {name!r} is not a VRP interface name "
                              "(e.g. 10GE2/17/1, Eth-Trunk 7)", operation=op)
    return name


class Switches:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def _read(self, slot: int, what: str, loader):
        return await self._ch.cached(("switch", slot, what), loader)

    def guarded(self, guard: "Guard", **options: float) -> "SwitchOps":
        """Batched changes through the guard (snapshot before the first change of the guard
        session, one commit per batch, heartbeat over a fresh login, restore, save, one audit
        record per change) over this chassis' switch paths: what the Terraform resources use.
        The plain writers below (configure, create_vlan, set_port, ...) skip the guard."""
        from vessel_core.switchops import SwitchOps

        return SwitchOps(self._ch.new_vrp, guard, **options)

    def invalidate(self, slot: int | None = None) -> None:
        if slot is None:
            self._ch.cache.invalidate("switch")
        else:
            self._ch.cache.invalidate("switch", slot)

    async def commands_sent(self, slot: int) -> int:
        """CLI command lines written on this switch's session so far (setup included)."""
        return (await self._ch.vrp(check_switch_slot(slot, "switch.commands_sent"))).commands_sent

    # ------------------------------------------------------------------ batched reads
    async def state(self, slot: int) -> SwitchState:
        """All VLANs (with members), ports (link + layer 2 + LAG membership) and LAGs of a
        switch: four ``display`` commands, whatever their number."""
        check_switch_slot(slot, "switch.state")

        async def load() -> SwitchState:
            cli = await self._ch.vrp(slot)
            vlans = await cli.vlans()
            port_vlans = await cli.port_vlans()
            brief = await cli.interfaces()
            lags = await cli.eth_trunks()
            member_of = {m.interface: t.trunk_id for t in lags for m in t.members}
            l2 = {p.interface: p for p in port_vlans}
            ports = []
            for b in brief:
                if b.name.startswith(("NULL", "Vlanif", "MEth", "LoopBack", "InLoopBack")):
                    continue
                pv = l2.get(b.name)
                ports.append(SwitchPort(name=b.name, phy=b.phy, protocol=b.protocol,
                                        link_type=pv.link_type if pv else "",
                                        pvid=pv.pvid if pv else None,
                                        trunk_vlans=pv.trunk_vlans if pv else [],
                                        eth_trunk=member_of.get(b.name)))
            return SwitchState(slot=slot, vlans=vlans, ports=ports, lags=lags)

        st = await self._read(slot, "state", load)
        self._ch.route("switch.state", "ssh:vrp")
        return st

    async def vlans(self, slot: int) -> list[Vlan]:
        return (await self.state(slot)).vlans

    async def vlan(self, slot: int, vid: int) -> Vlan:
        _check_vid(vid, "switch.vlan")
        for v in await self.vlans(slot):
            if v.vid == vid:
                return v
        raise NotFoundError(f"VLAN {vid} does not exist", target=f"swi{slot}",
                            operation="switch.vlan")

    async def ports(self, slot: int) -> list[SwitchPort]:
        return (await self.state(slot)).ports

    async def port(self, slot: int, name: str) -> SwitchPort:
        for p in await self.ports(slot):
            if p.name.replace(" ", "") == name.replace(" ", ""):
                return p
        raise NotFoundError(f"no interface {name!r}", target=f"swi{slot}", operation="switch.port")

    async def lags(self, slot: int) -> list[EthTrunk]:
        return (await self.state(slot)).lags

    async def lag(self, slot: int, trunk_id: int) -> EthTrunk:
        for t in await self.lags(slot):
            if t.trunk_id == trunk_id:
                return t
        raise NotFoundError(f"Eth-Trunk {trunk_id} does not exist", target=f"swi{slot}",
                            operation="switch.lag")

    async def _single(self, slot: int, what: str, op: str):
        check_switch_slot(slot, f"switch.{op}")

        async def load():
            return await getattr(await self._ch.vrp(slot), what)()
        out = await self._read(slot, what, load)
        self._ch.route(f"switch.{op}", "ssh:vrp")
        return out

    async def lldp(self, slot: int) -> list[LldpNeighbor]:
        return await self._single(slot, "lldp_neighbors", "lldp")

    async def mac_table(self, slot: int) -> list[MacEntry]:
        return await self._single(slot, "mac_table", "mac_table")

    async def version(self, slot: int) -> VrpVersion:
        return await self._single(slot, "version", "version")

    async def running_config_text(self, slot: int) -> str:
        return await self._single(slot, "current_configuration", "running_config")

    async def running_config(self, slot: int) -> RunningConfig:
        return parse_running_config(await self.running_config_text(slot))

    async def flavour(self, slot: int) -> Literal["vrp5", "vrp8"]:
        """vrp8 (two-stage commit) or vrp5 (immediate), detected once per session."""
        cli = await self._ch.vrp(check_switch_slot(slot, "switch.flavour"))
        return cli.flavour or await cli.detect_flavour()

    # ------------------------------------------------------------------ changes
    async def configure(self, slot: int, lines: Sequence[str], *,
                        commit_comment: str | None = None) -> str:
        """Send configuration lines in system-view (commit on VRP8), serialised per switch."""
        check_switch_slot(slot, "switch.configure")
        if not lines:
            raise ValidationError("lines: nothing to configure", target=f"swi{slot}",
                                  operation="switch.configure")
        cli = await self._ch.vrp(slot)
        try:
            return await cli.configure(list(lines), commit_comment=commit_comment)
        finally:
            self.invalidate(slot)
            self._ch.route("switch.configure", "ssh:vrp")

    async def save(self, slot: int) -> str:
        check_switch_slot(slot, "switch.save")
        out = await (await self._ch.vrp(slot)).save()
        self._ch.route("switch.save", "ssh:vrp")
        return out

    async def create_vlan(self, slot: int, vid: int, *, description: str | None = None) -> Vlan:
        _check_vid(vid, "switch.create_vlan")
        lines = [f"vlan {vid}"]
        if description:
            if not _DESC.match(description):
                raise ValidationError(f"description: 1-80 printable characters, got "
                                      f"{description!r}", operation="switch.create_vlan")
            lines.append(f"description {description}")
        lines.append("quit")
        await self.configure(slot, lines)
        return await self.vlan(slot, vid)

    async def create_vlans(self, slot: int, vids: Iterable[int]) -> None:
        """Create many VLANs with ``vlan batch`` lines (at most 10 ranges per line)."""
        ids = sorted({_check_vid(v, "switch.create_vlans") for v in vids})
        if ids:
            await self.configure(slot, [f"vlan batch {a}" for a in vlan_batch_args(ids)])

    async def delete_vlan(self, slot: int, vid: int) -> None:
        _check_vid(vid, "switch.delete_vlan")
        if vid == 1:
            raise ValidationError("vlan: VLAN 1 cannot be deleted", operation="switch.delete_vlan")
        await self.configure(slot, [f"undo vlan {vid}"])

    async def set_port(self, slot: int, name: str, *,
                       link_type: Literal["access", "trunk", "hybrid"] | None = None,
                       pvid: int | None = None, trunk_vlans: Iterable[int] | None = None,
                       description: str | None = None) -> SwitchPort:
        """Set a port's layer-2 mode. ``trunk_vlans`` replaces the allowed list."""
        _check_if(name, "switch.set_port")
        lines = [f"interface {name}"]
        if description is not None:
            lines.append(f"description {description}" if description else "undo description")
        if link_type is not None:
            if link_type not in ("access", "trunk", "hybrid"):
                raise ValidationError(f"link_type: expected access, trunk or hybrid, got "
                                      f"{link_type!r}", operation="switch.set_port")
            current = (await self.port(slot, name)).link_type
            if current != link_type:
                # VRP refuses a new link type until the old one's VLAN settings are defaults
                lines += _RESET_L2.get(current, [])
                lines.append(f"port link-type {link_type}")
        if trunk_vlans is not None:
            ids = sorted({_check_vid(v, "switch.set_port") for v in trunk_vlans})
            lines.append("undo port trunk allow-pass vlan all")
            lines += [f"port trunk allow-pass vlan {a}" for a in vlan_batch_args(ids)]
        if pvid is not None:
            _check_vid(pvid, "switch.set_port")
            kind = link_type or (await self.port(slot, name)).link_type
            lines.append(f"port default vlan {pvid}" if kind == "access"
                         else f"port {kind} pvid vlan {pvid}")
        lines.append("quit")
        await self.configure(slot, lines)
        return await self.port(slot, name)

    async def create_lag(self, slot: int, trunk_id: int, members: Iterable[str] = ()) -> EthTrunk:
        if isinstance(trunk_id, bool) or not 0 <= trunk_id <= 127:
            raise ValidationError(f"trunk_id: must be 0..127, got {trunk_id!r}",
                                  operation="switch.create_lag")
        lines = [f"interface Eth-Trunk {trunk_id}", "quit"]
        for m in members:
            lines += [f"interface {_check_if(m, 'switch.create_lag')}", f"eth-trunk {trunk_id}",
                      "quit"]
        await self.configure(slot, lines)
        return await self.lag(slot, trunk_id)

    async def delete_lag(self, slot: int, trunk_id: int) -> None:
        lag = await self.lag(slot, trunk_id)
        lines = []
        for m in lag.members:
            lines += [f"interface {m.interface}", "undo eth-trunk", "quit"]
        lines.append(f"undo interface Eth-Trunk {trunk_id}")
        await self.configure(slot, lines)

    # ------------------------------------------------------------------ snapshot
    async def snapshot(self, slot: int, *, export: bool = True) -> SwitchSnapshot:
        """The running configuration text (VRP) and, with ``export``, the HMM's
        ``swiconfexport`` tarball fetched over SFTP. Never served from the cache."""
        check_switch_slot(slot, "switch.snapshot")
        self.invalidate(slot)
        cli = await self._ch.vrp(slot)
        if export:
            hmm = await self._ch.hmm_cli()
            text, tar = await asyncio.gather(cli.current_configuration(),
                                             hmm.export_switch_config(slot))
        else:
            text, tar = await cli.current_configuration(), None
        self._ch.route("switch.snapshot", "ssh:vrp+hmm" if export else "ssh:vrp")
        return SwitchSnapshot(slot=slot, running_config=text,
                              running_sha256=hashlib.sha256(text.encode()).hexdigest(),
                              export_tar_gz=tar,
                              export_sha256=hashlib.sha256(tar).hexdigest() if tar else None)
