"""Stateless Computing → Profile / MAC Pool / UUID / Node.

* ``stateless.mac_pools`` / ``stateless.uuid_pools``: named pools (:class:`Collection`), each
  read with its allocations in one request;
* ``stateless.profiles``: compute profiles (:class:`Collection`); modifying a bound profile
  makes the HMM re-apply it to every blade bound to it, and the change waits for that;
* ``stateless.nodes()``: every present blade in one request (model, serial, firmware, power,
  health, bound profile, the MACs and UUID it presents);
* ``stateless.blade(slot)``: one blade's binding and power state as a :class:`Setting` whose
  scope is that blade (kind ``blade``, target ``Slot<N>``): the capture is the binding, power
  state and identities; a change binds/unbinds, waits until the HMM reports the profile applied
  and the blade back in its power state, then verifies the binding and that the blade's iBMC
  answers (the heartbeat); a failure restores the previous binding and power state.

The HMM's stateless verbs were never captured (chassis sheet §2.4.5): the handler names and
fields are [INF], shared with the emulator.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Literal

from vessel_core.chassis._util import as_int, check_blade_slot, flag, records, slot_of, split_list
from vessel_core.chassis.managed import Collection, TargetSetting
from vessel_core.chassis.models import BladeConfig, ComputeProfile, MacPool, Node, ProfileNic, UuidPool
from vessel_core.errors import DeviceTimeoutError, NotFoundError, TransientError, VesselError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

log = logging.getLogger(__name__)

PAGE = "computer_manage.html"
MAC_PAGE, UUID_PAGE = "computer_manage_mac_manage.html", "computer_manage_uuid_manage.html"
NODE_PAGE = "computer_manage_node_manage.html"
Progress = Callable[[str], None]


def _name_field(exc: VesselError, form_to_model: dict[str, str]) -> VesselError:
    """Name the model field an HMM refusal is about ("Parameter macpool: ...")."""
    if exc.field is None:
        text = (exc.device_message or "").lower()
        exc.field = next((m for f, m in form_to_model.items() if f"parameter {f}" in text), None)
    return exc


async def _write(ch: "Chassis", handler: str, verb: str, form: dict[str, Any], referer: str,
                 form_to_model: dict[str, str]) -> None:
    try:
        await ch.web_write(handler, verb, form, operation=f"{handler.split('.')[0]}.{verb}", referer=referer)
    except VesselError as exc:
        raise _name_field(exc, form_to_model) from None
    ch.route(f"stateless.{verb}", "web")


# ---------------------------------------------------------------------------- pools
class MacPools(Collection[str, MacPool]):
    """Stateless Computing → MAC Pool, keyed by name."""

    kind, model, key = "hmm.mac_pools", MacPool, "name"
    read_only = frozenset({"used", "allocations"})
    fields = {"name": "name", "start": "start", "size": "size"}

    async def read_all(self) -> list[MacPool]:
        doc = await self._ch.web_read("poolhandler.php", "listmacpool", referer=MAC_PAGE)
        self._ch.route("stateless.mac_pools", "web")
        allocs: dict[str, dict[int, list[str]]] = {}
        for r in records(doc, "alloc"):
            allocs.setdefault(r.get("pool", ""), {})[slot_of(r.get("bladename", "")) or 0] = split_list(r.get("mac"))
        return [MacPool.model_construct(name=r["name"], start=r.get("start", ""), size=as_int(r.get("size"), 0) or 0,
                                        used=as_int(r.get("used"), 0) or 0, allocations=allocs.get(r["name"], {}))
                for r in records(doc, "macpool") if r.get("name")]

    def _form(self, want: MacPool) -> dict[str, Any]:
        return {"name": want.name, "start": want.start.upper(), "size": want.size}

    async def write_create(self, want: MacPool) -> None:
        await _write(self._ch, "poolhandler.php", "addmacpool", self._form(want), MAC_PAGE, self.fields)

    async def write_update(self, want: MacPool, have: MacPool) -> None:
        await _write(self._ch, "poolhandler.php", "modifymacpool", self._form(want), MAC_PAGE, self.fields)

    async def write_delete(self, have: MacPool) -> None:
        await _write(self._ch, "poolhandler.php", "deletemacpool", {"name": have.name}, MAC_PAGE, self.fields)


class UuidPools(Collection[str, UuidPool]):
    """Stateless Computing → UUID, keyed by name."""

    kind, model, key = "hmm.uuid_pools", UuidPool, "name"
    read_only = frozenset({"used", "allocations"})
    fields = {"name": "name", "prefix": "prefix", "size": "size"}

    async def read_all(self) -> list[UuidPool]:
        doc = await self._ch.web_read("poolhandler.php", "listuuidpool", referer=UUID_PAGE)
        self._ch.route("stateless.uuid_pools", "web")
        allocs: dict[str, dict[int, str]] = {}
        for r in records(doc, "alloc"):
            allocs.setdefault(r.get("pool", ""), {})[slot_of(r.get("bladename", "")) or 0] = r.get("uuid", "")
        return [UuidPool.model_construct(name=r["name"], prefix=r.get("prefix", ""), size=as_int(r.get("size"), 0) or 0,
                                         used=as_int(r.get("used"), 0) or 0, allocations=allocs.get(r["name"], {}))
                for r in records(doc, "uuidpool") if r.get("name")]

    def _form(self, want: UuidPool) -> dict[str, Any]:
        return {"name": want.name, "prefix": want.prefix.upper(), "size": want.size}

    async def write_create(self, want: UuidPool) -> None:
        await _write(self._ch, "poolhandler.php", "adduuidpool", self._form(want), UUID_PAGE, self.fields)

    async def write_update(self, want: UuidPool, have: UuidPool) -> None:
        await _write(self._ch, "poolhandler.php", "modifyuuidpool", self._form(want), UUID_PAGE, self.fields)

    async def write_delete(self, have: UuidPool) -> None:
        await _write(self._ch, "poolhandler.php", "deleteuuidpool", {"name": have.name}, UUID_PAGE, self.fields)


# ---------------------------------------------------------------------------- profiles
def profile_from_row(row: dict[str, Any]) -> ComputeProfile:
    nics = []
    for tok in filter(None, str(row.get("nics", "")).split(";")):
        port, vlan, boot = (tok.split(":") + ["", ""])[:3]
        nics.append(ProfileNic(port=int(port), vlan=int(vlan) if vlan else None, boot=boot == "1"))
    bios = dict(t.split("=", 1) for t in str(row.get("bios", "")).split(";") if "=" in t)
    # what the device shows is taken as it is (not re-validated): a profile edited by hand into
    # something our model refuses must still be readable, so a plan can repair it
    return ComputeProfile.model_construct(
        name=row["name"], description=row.get("description", ""),
        boot_order=split_list(row.get("bootorder")) or ["Hdd", "Pxe", "Cd"],  # type: ignore[arg-type]
        bios=bios, nics=nics,
        vnic_profiles=split_list(row.get("vnicprofiles")), mac_pool=row.get("macpool") or None,
        uuid_pool=row.get("uuidpool") or None, power_policy=row.get("powerpolicy") or "RestoreLast",
        nodes=sorted(s for s in (slot_of(n) for n in split_list(row.get("nodes"))) if s),
        revision=as_int(row.get("revision"), 0) or 0)


def profile_fields(p: ComputeProfile) -> dict[str, str]:
    return {"name": p.name, "description": p.description, "bootorder": ",".join(p.boot_order),
            "nics": ";".join(f"{n.port}:{'' if n.vlan is None else n.vlan}:{int(n.boot)}" for n in p.nics),
            "bios": ";".join(f"{k}={v}" for k, v in sorted(p.bios.items())),
            "vnicprofiles": ",".join(p.vnic_profiles), "macpool": p.mac_pool or "",
            "uuidpool": p.uuid_pool or "", "powerpolicy": p.power_policy}


_PROFILE_FORM = {"name": "name", "description": "description", "bootorder": "boot_order", "nics": "nics",
                 "bios": "bios", "vnicprofiles": "vnic_profiles", "macpool": "mac_pool", "uuidpool": "uuid_pool",
                 "powerpolicy": "power_policy"}


class Profiles(Collection[str, ComputeProfile]):
    """Stateless Computing → Profile, keyed by name. An update of a profile bound to blades
    waits until the HMM has re-applied it to each of them (and they are back in their power
    state); the blades' iBMCs must answer afterwards, else the previous profile is restored."""

    kind, model, key = "hmm.profiles", ComputeProfile, "name"
    read_only = frozenset({"nodes", "revision"})

    def __init__(self, ch: "Chassis", stateless: "Stateless") -> None:
        super().__init__(ch)
        self._stateless = stateless
        self.checks.append(self._bound_blades_answer)
        #: called with a line of progress while bound blades take a changed profile
        self.on_progress: Progress | None = None

    async def read_all(self) -> list[ComputeProfile]:
        web = await self._ch.web()
        out: list[ComputeProfile] = []
        page = 1
        while True:
            lst = await web.policy_templates(page=page, perpage=100)
            out.extend(profile_from_row(r) for r in lst.templates if r.get("name"))
            if len(lst.templates) < 100 or (lst.total is not None and len(out) >= lst.total):
                break
            page += 1
        self._ch.route("stateless.profiles", "web")
        return out

    async def write_create(self, want: ComputeProfile) -> None:
        await _write(self._ch, "profilehandler.php", "add", profile_fields(want), PAGE, _PROFILE_FORM)

    async def write_update(self, want: ComputeProfile, have: ComputeProfile) -> None:
        await _write(self._ch, "profilehandler.php", "modify", profile_fields(want), PAGE, _PROFILE_FORM)
        self._stateless.writes += 1
        if have.nodes:
            await self._stateless.wait_applied(have.nodes, on_progress=self.on_progress)

    async def write_delete(self, have: ComputeProfile) -> None:
        await _write(self._ch, "profilehandler.php", "delete", {"name": have.name}, PAGE, _PROFILE_FORM)

    async def _bound_blades_answer(self, have: ComputeProfile | None) -> None:
        for slot in (have.nodes if have is not None else []):
            await self._stateless.heartbeat(slot)


# ---------------------------------------------------------------------------- one blade
class BladeBinding(TargetSetting[BladeConfig]):
    """One blade's bound profile and power state: a setting whose scope is the blade."""

    kind, model = "blade", BladeConfig

    def __init__(self, ch: "Chassis", stateless: "Stateless", slot: int, *,
                 on_progress: Progress | None = None, force_off_after: float | None = None) -> None:
        super().__init__(ch, f"Slot{check_blade_slot(slot, 'stateless.blade')}")
        self.slot = slot
        self._stateless = stateless
        self.on_progress = on_progress
        #: seconds a graceful shutdown may take before the blade is forced off (None: never)
        self.force_off_after = force_off_after
        self.checks.append(lambda have: stateless.heartbeat(slot))

    async def node(self) -> Node:
        """The blade's row of a node list read after this session's latest binding or power
        command (shared with every blade waiting in the same poll interval)."""
        n = (await self._stateless.polled()).get(self.slot)
        if n is None:
            raise NotFoundError(f"slot {self.slot} holds no blade", target=self._ch.target,
                                operation="stateless.blade", field="slot")
        return n

    async def read(self) -> BladeConfig:
        n = await self.node()
        return BladeConfig(slot=self.slot, profile=n.profile, power_state="On" if n.powered_on else "Off")

    async def _fresh(self) -> BladeConfig:
        return await self.read()

    async def power_action(self, action: str) -> BladeConfig:
        """One power action (``On``, ``ForceOff``, ``GracefulShutdown``, ``ForcePowerCycle``),
        guarded: waits for the state it leads to, verifies it and the iBMC, one audit record."""
        if action == "ForcePowerCycle":
            return await self.power_cycle("(requested)")
        before = await self._fresh()
        state: Literal["On", "Off"] = "On" if action == "On" else "Off"
        want = before.model_copy(update={"power_state": state})
        async with self._guarded(f"blade.power {action}", want=want, before=before) as ch:
            if before.power_state == state:
                if ch is not None:
                    ch.outcome, ch.after = "no-op", before
                return before
            self._note(f"power {action}")
            await self._ch.blade.power(self.slot, action)  # type: ignore[arg-type]
            self._stateless.writes += 1
            await self._await_power(state)
            after = await self._fresh()
            if ch is None:
                await self.verify_value(want, after)
            else:
                ch.after = after
        return after

    async def power_cycle(self, why: str) -> BladeConfig:
        """Power-cycle the blade (power it on when it is off), guarded: the change waits until the
        blade is on, then verifies it and its iBMC answering; one audit record."""
        before = await self._fresh()
        want = before.model_copy(update={"power_state": "On"})
        async with self._guarded("blade.power-cycle", want=want, before=before) as ch:
            self._note(f"power-cycling {why}")
            if before.power_state == "On":
                await self._ch.blade.power(self.slot, "ForcePowerCycle")
                await asyncio.sleep(self._stateless.poll_interval)
                self._stateless.writes += 1
                await self._await_power("On")
            else:
                await self._power("On")
            after = await self._fresh()
            if ch is None:
                await self.verify_value(want, after)
            else:
                ch.after, ch.evidence["why"] = after, why
        return after

    async def _captured(self) -> dict[str, bytes | str]:
        n = await self.node()
        return {"blade.json": json.dumps({**n.model_dump(mode="json"),
                                          "power_state": "On" if n.powered_on else "Off"},
                                         indent=2, sort_keys=True) + "\n"}

    async def restore(self, files: Any) -> None:
        data = json.loads(files["blade.json"])
        want = BladeConfig(slot=self.slot, profile=data.get("profile"), power_state=data["power_state"])
        await self._write(want)
        have = await self._fresh()
        bad = self._changed(want, have)
        if bad:
            raise TransientError(f"blade {self.target}: restore left {', '.join(bad)} different",
                                 target=self.target, operation="blade.restore")

    def _note(self, line: str) -> None:
        log.info("%s %s", self.target, line)
        if self.on_progress is not None:
            self.on_progress(line)

    async def write(self, want: BladeConfig) -> None:
        have = await self._fresh()
        if want.profile != have.profile:
            if want.profile is None:
                self._note(f"unbinding profile {have.profile!r}")
                await self._send("unapply", {"bladename": self.target}, want)
            else:
                self._note(f"binding profile {want.profile!r}")
                await self._send("apply", {"name": want.profile, "bladename": self.target}, want)
            await self._stateless.wait_applied([self.slot], on_progress=self.on_progress)
        if (await self._fresh()).power_state != want.power_state:
            await self._power(want.power_state)

    async def _send(self, verb: str, form: dict[str, Any], want: BladeConfig, attempts: int = 4) -> None:
        """A binding verb; an answer lost to a 5xx or a dropped session is re-read: made = done,
        not made = sent again (the HMM binds idempotently, so nothing is drawn twice)."""
        for attempt in range(1, attempts + 1):
            try:
                await _write(self._ch, "profilehandler.php", verb, form, NODE_PAGE, {"name": "profile"})
                return
            except TransientError as exc:
                have = await self._fresh()
                if have.profile == want.profile:
                    self._note(f"the answer to {verb} was lost ({exc.message}); the binding is made")
                    return
                if attempt == attempts:
                    raise
                self._note(f"{verb} not made ({exc.message}); sending it again ({attempt}/{attempts - 1})")
                await asyncio.sleep(min(2.0 ** attempt * 0.25, 5.0))
            finally:  # a binding changes the node list, the profile's slots and the pools' usage
                self._stateless.writes += 1
                for kind in ("nodes", Profiles.kind, MacPools.kind, UuidPools.kind):
                    self._ch.cache.invalidate(kind)

    async def _power(self, state: Literal["On", "Off"]) -> None:
        blades = self._ch.blade
        if state == "On":
            self._note("powering on")
            await blades.power(self.slot, "On")
        else:
            self._note("shutting down (graceful)")
            await blades.power(self.slot, "GracefulShutdown")
        self._stateless.writes += 1
        await self._await_power(state)

    async def _await_power(self, state: Literal["On", "Off"]) -> None:
        blades = self._ch.blade
        started = time.monotonic()
        forced = False
        while True:
            if (await self._fresh()).power_state == state:
                self._note(f"power {state.lower()} after {time.monotonic() - started:.1f}s")
                return
            if (state == "Off" and not forced and self.force_off_after is not None
                    and time.monotonic() - started > self.force_off_after):
                self._note(f"still on after {self.force_off_after:g}s: forcing off")
                await blades.power(self.slot, "ForceOff")
                forced = True
            await asyncio.sleep(self._stateless.poll_interval)


# ---------------------------------------------------------------------------- the menu
class Stateless:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        self.mac_pools = MacPools(ch)
        self.uuid_pools = UuidPools(ch)
        self.profiles = Profiles(ch, self)
        #: seconds between two reads of the node list while waiting for a blade
        self.poll_interval = 1.0
        #: binding verbs sent so far (a node list read before the latest one is stale)
        self.writes = 0
        self._ticks: set[tuple[int, int]] = set()

    def blade(self, slot: int, *, on_progress: Progress | None = None,
              force_off_after: float | None = None) -> BladeBinding:
        """The binding and power state of the blade in ``slot`` (a guarded setting)."""
        return BladeBinding(self._ch, self, slot, on_progress=on_progress, force_off_after=force_off_after)

    # ------------------------------------------------------------------ nodes
    async def _load_nodes(self) -> list[Node]:
        web = await self._ch.web()
        out: list[Node] = []
        page = 1
        while True:
            doc = await web.node_pool(page=page, perpage=100)
            rows = records(doc, "node")
            for r in rows:
                slot = as_int(r.get("slot")) or slot_of(r.get("bladename", ""))
                if slot is not None:
                    out.append(_node(slot, r))
            total = as_int(doc.fields.get("total"))
            if len(rows) < 100 or (total is not None and len(out) >= total):
                return out
            page += 1

    async def nodes(self) -> list[Node]:
        """Every present blade with its profile and identities (one request per 100)."""
        nodes = await self._ch.cached(("nodes",), self._load_nodes)
        self._ch.route("stateless.nodes", "web")
        return nodes

    async def polled(self) -> dict[int, Node]:
        """The node list read at most once per :attr:`poll_interval`, shared by every waiter:
        ten blades waiting for their profile cost one HMM request per interval, not ten."""
        tick = (self.writes, int(time.monotonic() / self.poll_interval))  # a read from before a write is never used
        nodes = await self._ch.cached(("nodes-poll", tick), self._load_nodes)
        for old in [k for k in self._ticks if k != tick]:
            self._ch.cache.invalidate("nodes-poll", old)
        self._ticks = {tick}
        return {n.slot: n for n in nodes}

    async def node(self, slot: int, *, fresh: bool = False) -> Node:
        if fresh:
            self._ch.cache.invalidate("nodes")
        for n in await self.nodes():
            if n.slot == slot:
                return n
        raise NotFoundError(f"slot {slot} holds no blade", target=self._ch.target,
                            operation="stateless.node", field="slot")

    async def wait_applied(self, slots: list[int], *, on_progress: Progress | None = None,
                           timeout: float | None = None) -> None:
        """Until the HMM reports the profile application of every slot done (a powered-on blade
        back on). Unbounded unless ``timeout``: the caller's deadline bounds it."""
        started = time.monotonic()
        waiting = set(slots)
        last = ""
        while True:
            nodes = await self.polled()
            waiting = {s for s in waiting if s in nodes and nodes[s].apply_state == "applying"}
            line = (f"profile applied on {len(slots) - len(waiting)}/{len(slots)} blade(s)"
                    + (f", waiting for slot(s) {', '.join(map(str, sorted(waiting)))}" if waiting else ""))
            if on_progress is not None and line != last:
                on_progress(line)
            last = line
            if not waiting:
                return
            if timeout is not None and time.monotonic() - started > timeout:
                raise DeviceTimeoutError(f"profile still being applied on slot(s) {sorted(waiting)} after "
                                         f"{timeout:g}s", target=self._ch.target, operation="stateless.wait_applied")
            await asyncio.sleep(self.poll_interval)

    async def heartbeat(self, slot: int) -> None:
        """The blade's own management controller answers (its iBMC, by Redfish or CLI)."""
        await self._ch.blade.power_state(slot)


def _node(slot: int, r: dict[str, Any]) -> Node:
    state = r.get("applystate") or ("applied" if r.get("profile") else "none")
    return Node(slot=slot, model=r.get("model", ""), serial_number=r.get("serialnumber", ""),
                bios_version=r.get("biosversion", ""), ibmc_version=r.get("ibmcversion", ""),
                health=r.get("health") or None, profile=r.get("profile") or None,
                apply_state=state if state in ("none", "applying", "applied", "failed") else "none",
                macs=split_list(r.get("mac")), mac_source="pool" if r.get("macsource") == "pool" else "burned-in",
                uuid=r.get("uuid") or None, uuid_source="pool" if r.get("uuidsource") == "pool" else "burned-in",
                powered_on=flag(r["power"]) if "power" in r else None, ports=as_int(r.get("ports"), 2) or 2)


__all__ = ["BladeBinding", "MacPools", "Profiles", "Stateless", "UuidPools", "profile_fields", "profile_from_row"]
