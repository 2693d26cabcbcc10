"""HMM web API, Stateless Computing → Profile / MAC Pool / UUID / Node (``profilehandler``,
``poolhandler``).

None of these verbs was captured on a real HMM (the sheet lists the pages, not the handlers):
every name and rule here is [INF], chosen to match what the GUI pages offer and kept
consistent with the facade. The limits are the ones the HMM's pool pages state: at most 64
pools of each kind; MAC pools of 1-8192 unicast addresses; UUID pools of 1-128; pool names of
up to 15 letters, digits and ``_``, not starting with ``_``.

Binding a profile to a blade (``apply``) draws its MACs and UUID from the profile's pools and
pushes the profile to the blade's iBMC; a powered-on blade is power-cycled to take it (the node
list says ``applying`` until it is back on). Modifying a bound profile re-applies it to every
blade bound to it; unbinding returns the identities and power-cycles a powered-on blade too.
"""
from __future__ import annotations

import re
from typing import Callable

from aiohttp import web

from vessel_core.sim.hmm._common import (
    SLOT_RE,
    Call,
    _bad,
    _delete_named,
    _FieldError,
    _guard,
    _int,
    _named,
    _str_list,
    _upsert,
    verb,
)
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import (
    Blade,
    ChassisState,
    MacPool,
    ProfileNic,
    StatelessProfile,
    UuidPool,
    request_power,
    set_boot_order,
)

POOL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$")
MAX_POOLS = 64
MAC_POOL_MAX, UUID_POOL_MAX = 8192, 128
BOOT_DEVICES = ("Hdd", "Pxe", "Cd", "Usb", "Floppy")
POWER_POLICIES = {"AlwaysOn": "TurnOn", "AlwaysOff": "StayOff", "RestoreLast": "RestorePreviousState"}
APPLY_CAUSE = "ProfileApply"


# ---------------------------------------------------------------------------- identities
def mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


def mac_str(value: int) -> str:
    h = f"{value:012X}"
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))


def mac_range(p: MacPool) -> range:
    first = mac_int(p.start)
    return range(first, first + p.size)


def uuid_at(p: UuidPool, i: int) -> str:
    return f"{p.prefix}{i:012X}"


def macs_needed(st: ChassisState, b: Blade, p: StatelessProfile) -> int:
    """One MAC per vNIC of the profile, else one per physical port of the blade."""
    return len(p.vnic_profiles) or len(b.macs)


def effective_macs(st: ChassisState, b: Blade) -> tuple[list[str], str]:
    """The MACs a blade presents and where they come from ("pool" or "burned-in")."""
    for pool in st.mac_pools:
        if str(b.slot) in pool.allocations:
            return pool.allocations[str(b.slot)], "pool"
    return b.macs, "burned-in"


def effective_uuid(st: ChassisState, b: Blade) -> tuple[str, str]:
    for pool in st.uuid_pools:
        if str(b.slot) in pool.allocations:
            return pool.allocations[str(b.slot)], "pool"
    return b.uuid, "burned-in"


def apply_state(b: Blade) -> str:
    """``applying`` while the power cycle of a profile application runs, else ``applied`` (a
    bound blade) or ``none``."""
    if b.pending_power is not None and b.pending_power.cause == APPLY_CAUSE:
        return "applying"
    return "applied" if b.profile else "none"


def _release(st: ChassisState, slot: int) -> None:
    for pool in st.mac_pools:
        pool.allocations.pop(str(slot), None)
    for upool in st.uuid_pools:
        upool.allocations.pop(str(slot), None)


def _allocate(st: ChassisState, b: Blade, p: StatelessProfile) -> str | None:
    """Give ``b`` the identities ``p`` asks for, keeping what it holds already from the same
    pool (a re-apply never draws twice). Returns the refusal, or None."""
    key = str(b.slot)
    mac_pool = _named(st.mac_pools, p.mac_pool) if p.mac_pool else None
    uuid_pool = _named(st.uuid_pools, p.uuid_pool) if p.uuid_pool else None
    if p.mac_pool and mac_pool is None:
        return f"The MAC pool {p.mac_pool} does not exist."
    if p.uuid_pool and uuid_pool is None:
        return f"The UUID pool {p.uuid_pool} does not exist."
    need = macs_needed(st, b, p)
    new_macs: list[str] | None = None
    if mac_pool is not None and len(mac_pool.allocations.get(key, [])) != need:
        used = {m for s, macs in mac_pool.allocations.items() if s != key for m in macs}
        free = (mac_str(v) for v in mac_range(mac_pool) if mac_str(v) not in used)
        new_macs = [m for _, m in zip(range(need), free)]
        if len(new_macs) < need:
            return f"The MAC address pool {mac_pool.name} is exhausted."
    new_uuid: str | None = None
    if uuid_pool is not None and key not in uuid_pool.allocations:
        used_u = set(uuid_pool.allocations.values())
        new_uuid = next((uuid_at(uuid_pool, i) for i in range(uuid_pool.size)
                         if uuid_at(uuid_pool, i) not in used_u), None)
        if new_uuid is None:
            return f"The UUID pool {uuid_pool.name} is exhausted."
    # commit: drop what other pools hold for this blade, then take the new identities
    for pool in st.mac_pools:
        if pool is not mac_pool:
            pool.allocations.pop(key, None)
    for upool in st.uuid_pools:
        if upool is not uuid_pool:
            upool.allocations.pop(key, None)
    if mac_pool is not None and new_macs is not None:
        mac_pool.allocations[key] = new_macs
    if uuid_pool is not None and new_uuid is not None:
        uuid_pool.allocations[key] = new_uuid
    return None


def _cycle(call: Call, b: Blade) -> None:
    """A powered-on blade is power-cycled to take a new profile or identity."""
    if b.power_state == "On" or (b.pending_power is not None and b.pending_power.state == "On"):
        request_power(call.emulator.state, b.slot, "ForcePowerCycle", call.emulator.timing)
        assert b.pending_power is not None
        b.pending_power = b.pending_power.model_copy(update={"cause": APPLY_CAUSE})


def _hang_if_injected(call: Call, b: Blade, p: StatelessProfile) -> None:
    faults = call.emulator.faults
    for key in (p.name, "*"):
        left = faults.ibmc_hang_on_profile.get(key, 0)
        if left > 0:
            faults.ibmc_hang_on_profile = {**faults.ibmc_hang_on_profile, key: left - 1}
            call.emulator.state.ibmc_hung[str(b.slot)] = p.name
            b.bricked = True
            return


def _unhang(st: ChassisState, b: Blade) -> None:
    if st.ibmc_hung.pop(str(b.slot), None) is not None:
        b.bricked = False


def device_boot_order(order: list[str]) -> list[str]:
    """A profile's boot order as the iBMC's four device types ([INF] USB and floppy are "Others";
    devices the profile leaves out follow in the factory order)."""
    names: list[str] = []
    for o in order:
        n = {"Usb": "Others", "Floppy": "Others"}.get(o, o)
        if n not in names:
            names.append(n)
    return names + [d for d in ("Hdd", "Cd", "Pxe", "Others") if d not in names]


def _bind(call: Call, b: Blade, p: StatelessProfile) -> str | None:
    st = call.emulator.state
    refused = _allocate(st, b, p)
    if refused:
        return refused
    _unhang(st, b)
    set_boot_order(b, device_boot_order(p.boot_order))  # V3 at once; V5 at the power cycle below
    b.profile = p.name
    b.power_on_strategy = POWER_POLICIES[p.power_policy]  # type: ignore[assignment]
    _cycle(call, b)
    _hang_if_injected(call, b, p)
    return None


# ---------------------------------------------------------------------------- profiles
def _build_compute_profile(call: Call) -> Callable[[str], StatelessProfile]:
    st = call.emulator.state

    def build(name: str) -> StatelessProfile:
        nics = []
        for tok in filter(None, call.arg("nics").split(";")):
            parts = tok.split(":")
            if len(parts) != 3 or not parts[0].isdigit() or (parts[1] and not parts[1].isdigit()) \
                    or parts[2] not in ("0", "1"):
                raise _FieldError(f"Parameter nics: {tok!r} is not <port>:<vlan or empty>:<0|1>.")
            nics.append(ProfileNic(port=int(parts[0]), vlan=int(parts[1]) if parts[1] else None,
                                   boot=parts[2] == "1"))
        bios = {}
        for tok in filter(None, call.arg("bios").split(";")):
            if "=" not in tok:
                raise _FieldError(f"Parameter bios: {tok!r} is not key=value.")
            k, v = tok.split("=", 1)
            bios[k] = v
        order = _str_list(call, "bootorder") or ["Hdd", "Pxe", "Cd"]
        for o in order:
            if o not in BOOT_DEVICES:
                raise _FieldError(f"Parameter bootorder: {o!r} is not one of {', '.join(BOOT_DEVICES)}.")
        if len(set(order)) != len(order):
            raise _FieldError("Parameter bootorder: a device appears twice.")
        vnics = _str_list(call, "vnicprofiles")
        known = {n.name for n in st.easylink_nic_profiles}
        for v in vnics:
            if v not in known:
                raise _FieldError(f"Parameter vnicprofiles: the NIC profile {v} does not exist.")
        if len(vnics) > 8:
            raise _FieldError("Parameter vnicprofiles: at most 8 NIC profiles per compute profile.")
        mac_pool, uuid_pool = call.arg("macpool"), call.arg("uuidpool")
        if mac_pool and _named(st.mac_pools, mac_pool) is None:
            raise _FieldError(f"Parameter macpool: the MAC pool {mac_pool} does not exist.")
        if uuid_pool and _named(st.uuid_pools, uuid_pool) is None:
            raise _FieldError(f"Parameter uuidpool: the UUID pool {uuid_pool} does not exist.")
        policy = call.arg("powerpolicy", "RestoreLast")
        if policy not in POWER_POLICIES:
            raise _FieldError(f"Parameter powerpolicy: {policy!r} is not one of {', '.join(POWER_POLICIES)}.")
        old = _named(st.profiles, name)
        return StatelessProfile(name=name, description=call.arg("description"), boot_order=order,
                                bios=bios, nics=nics, vnic_profiles=vnics, mac_pool=mac_pool,
                                uuid_pool=uuid_pool, power_policy=policy,
                                revision=old.revision + 1 if old else 1)
    return build


@verb("profilehandler", "add")
@_guard
async def profile_add(call: Call) -> web.StreamResponse:
    """[INF] name, description, bootorder (Pxe,Hdd), nics (1:100:1;2::0), bios (k=v;…),
    vnicprofiles (NIC profile names), macpool, uuidpool (pool names), powerpolicy."""
    return await _upsert(call, call.emulator.state.profiles, _build_compute_profile(call), True)


@verb("profilehandler", "modify")
@_guard
async def profile_modify(call: Call) -> web.StreamResponse:
    """[INF] same fields as add; replaces the profile and re-applies it to every bound blade
    (each powered-on one power-cycles) unless only the description changed. Refused as a whole when a bound blade could not get its
    identities from the new pools."""
    st = call.emulator.state
    before = _named(st.profiles, call.arg("name"))
    saved = [pool.model_copy(deep=True) for pool in st.mac_pools], [u.model_copy(deep=True) for u in st.uuid_pools]
    answer = await _upsert(call, st.profiles, _build_compute_profile(call), False)
    p = _named(st.profiles, call.arg("name"))
    if before is None or p is None or p is before:
        return answer
    if p.model_dump(exclude={"description", "revision"}) == before.model_dump(exclude={"description", "revision"}):
        return answer  # a new description is not pushed to the blades
    for b in [b for b in st.blades.values() if b.present and b.profile == p.name]:
        refused = _bind(call, b, p)
        if refused:
            st.profiles[st.profiles.index(p)] = before
            st.mac_pools, st.uuid_pools = saved
            return _bad(refused, 10)
    call.emulator.changed()
    return answer


@verb("profilehandler", "delete")
async def profile_delete(call: Call) -> web.StreamResponse:
    """[INF] refused (retcode 9) while a node uses the profile."""
    if any(b.profile == call.arg("name") for b in call.emulator.state.blades.values()):
        return _bad(f"The profile {call.arg('name')} is applied to a node.", 9)
    return await _delete_named(call, call.emulator.state.profiles)


def _blade_arg(call: Call) -> Blade:
    m = SLOT_RE.match(call.arg("bladename"))
    b = call.emulator.state.present_blade(int(m.group(1))) if m else None
    if b is None:
        raise _FieldError(f"Parameter bladename {call.arg('bladename')!r} is not a present Slot<N>.")
    return b


@verb("profilehandler", "apply")
@_guard
async def profile_apply(call: Call) -> web.StreamResponse:
    """[INF] name, bladename=Slot<N>: bind the profile, drawing MACs/UUID from its pools; the
    blade power-cycles when it is on. Binding the profile a blade already runs changes nothing."""
    st = call.emulator.state
    st.settle()
    p = _named(st.profiles, call.arg("name"))
    if p is None:
        return _bad(f"The profile {call.arg('name')} does not exist.", 5)
    b = _blade_arg(call)
    if b.profile == p.name and str(b.slot) not in st.ibmc_hung:
        return xml_result()
    refused = _bind(call, b, p)
    if refused:
        return _bad(refused, 10)
    call.emulator.changed()
    return xml_result()


@verb("profilehandler", "unapply")
@_guard
async def profile_unapply(call: Call) -> web.StreamResponse:
    """[INF] bladename=Slot<N>: unbind and return its pool identities (a powered-on blade
    power-cycles to take its burned-in identities back)."""
    st = call.emulator.state
    st.settle()
    b = _blade_arg(call)
    if b.profile is None:
        return xml_result()
    b.profile = None
    _release(st, b.slot)
    _unhang(st, b)
    _cycle(call, b)
    call.emulator.changed()
    return xml_result()


# ---------------------------------------------------------------------------- pools
def _pool_name(call: Call) -> str:
    name = call.arg("name")
    if not POOL_NAME.match(name):
        raise _FieldError(f"Parameter name {name!r} is not 1-15 letters, digits or _ (not starting with _).")
    return name


def _mac_start(call: Call, default: str) -> str:
    start = call.arg("start", default).upper()
    if not re.match(r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$", start) or int(start[:2], 16) & 1:
        raise _FieldError(f"Parameter start {start!r} is not a unicast MAC address (first octet even).")
    return start


def _pools_xml(kind: str, pools: list, fields: Callable[[object], dict[str, object]],
               allocs: Callable[[object], list[str]]) -> list[str]:
    out = [xml_el("total", len(pools))]
    out += [xml_el(kind, children=xml_fields(fields(p))) for p in pools]
    out += [a for p in pools for a in allocs(p)]
    return out


@verb("poolhandler", "listmacpool")
async def pool_list_mac(call: Call) -> web.StreamResponse:
    """[INF] one ``<macpool>`` (name, start, size, used) per pool, then one ``<alloc>`` (pool,
    bladename, mac) per blade holding addresses: pools and their usage in one answer."""
    def fields(p: MacPool) -> dict[str, object]:
        return {"name": p.name, "start": p.start, "size": p.size,
                "used": sum(len(v) for v in p.allocations.values())}

    def allocs(p: MacPool) -> list[str]:
        return [xml_el("alloc", children=xml_fields({"pool": p.name, "bladename": f"Slot{k}", "mac": ",".join(v)}))
                for k, v in sorted(p.allocations.items(), key=lambda kv: int(kv[0]))]
    return xml_result(extra=_pools_xml("macpool", call.emulator.state.mac_pools, fields, allocs))  # type: ignore[arg-type]


def _check_mac_pool(st: ChassisState, new: MacPool) -> str | None:
    if mac_range(new).stop > 1 << 48:
        return "The MAC range runs past FF:FF:FF:FF:FF:FF."
    r = mac_range(new)
    for other in st.mac_pools:
        if other.name != new.name:
            o = mac_range(other)
            if r.start < o.stop and o.start < r.stop:
                return f"The MAC range overlaps the pool {other.name}."
    return None


async def _put_pool(call: Call, pools: list, what: str, build: Callable[[object | None], object],
                    keeps: Callable[[object, object], bool], check: Callable[[object], str | None],
                    create: bool) -> web.StreamResponse:
    """add / modify of a pool: the name rule, existence, the 64-pool limit, allocations the
    new range must keep (retcode 9) and overlaps (retcode 11)."""
    name = _pool_name(call)
    pool = _named(pools, name)
    if create and pool is not None:
        return _bad(f"The {what} pool {name} already exists.", 6)
    if not create and pool is None:
        return _bad(f"The {what} pool {name} does not exist.", 5)
    if create and len(pools) >= MAX_POOLS:
        return _bad(f"At most {MAX_POOLS} {what} pools can be defined.", 12)
    new = build(pool)
    if pool is not None and not keeps(pool, new):
        return _bad(f"The pool has allocated {what} identities outside the new range; unbind the profiles first.", 9)
    refused = check(new)
    if refused:
        return _bad(refused, 11)
    if pool is None:
        pools.append(new)
    else:
        pools[pools.index(pool)] = new
    call.emulator.changed()
    return xml_result()


def _build_mac_pool(call: Call) -> Callable[[object | None], object]:
    def build(old: object | None) -> MacPool:
        if isinstance(old, MacPool):
            return old.model_copy(update={"start": _mac_start(call, old.start),
                                          "size": _int(call, "size", old.size, lo=1, hi=MAC_POOL_MAX)})
        return MacPool(name=call.arg("name"), start=_mac_start(call, ""),
                       size=_int(call, "size", None, lo=1, hi=MAC_POOL_MAX))
    return build


def _mac_keeps(old: object, new: object) -> bool:
    assert isinstance(old, MacPool) and isinstance(new, MacPool)
    r = mac_range(new)
    return all(mac_int(m) in r for macs in old.allocations.values() for m in macs)


@verb("poolhandler", "addmacpool")
@_guard
async def pool_add_mac(call: Call) -> web.StreamResponse:
    """[INF] name, start (unicast MAC), size (1..8192); refused when it overlaps another pool
    (retcode 11) or 64 pools exist (retcode 12)."""
    st = call.emulator.state
    return await _put_pool(call, st.mac_pools, "MAC", _build_mac_pool(call), _mac_keeps,
                           lambda new: _check_mac_pool(st, new), True)  # type: ignore[arg-type]


@verb("poolhandler", "modifymacpool")
@_guard
async def pool_modify_mac(call: Call) -> web.StreamResponse:
    """[INF] name, start, size; refused (retcode 9) when it would drop allocated addresses."""
    st = call.emulator.state
    return await _put_pool(call, st.mac_pools, "MAC", _build_mac_pool(call), _mac_keeps,
                           lambda new: _check_mac_pool(st, new), False)  # type: ignore[arg-type]


def _pool_in_use(st: ChassisState, attr: str, name: str) -> str | None:
    users = [p.name for p in st.profiles if getattr(p, attr) == name]
    return f"The pool {name} is used by the profile {users[0]}." if users else None


@verb("poolhandler", "deletemacpool")
async def pool_delete_mac(call: Call) -> web.StreamResponse:
    """[INF] refused (retcode 9) while a compute profile names the pool."""
    st = call.emulator.state
    refused = _pool_in_use(st, "mac_pool", call.arg("name"))
    if refused:
        return _bad(refused, 9)
    return await _delete_named(call, st.mac_pools)


@verb("poolhandler", "listuuidpool")
async def pool_list_uuid(call: Call) -> web.StreamResponse:
    """[INF] like listmacpool: ``<uuidpool>`` (name, prefix, size, used) and ``<alloc>``."""
    def fields(p: UuidPool) -> dict[str, object]:
        return {"name": p.name, "prefix": p.prefix, "size": p.size, "used": len(p.allocations)}

    def allocs(p: UuidPool) -> list[str]:
        return [xml_el("alloc", children=xml_fields({"pool": p.name, "bladename": f"Slot{k}", "uuid": v}))
                for k, v in sorted(p.allocations.items(), key=lambda kv: int(kv[0]))]
    return xml_result(extra=_pools_xml("uuidpool", call.emulator.state.uuid_pools, fields, allocs))  # type: ignore[arg-type]


def _uuid_prefix(call: Call, default: str) -> str:
    prefix = call.arg("prefix", default).upper()
    if not re.match(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-$", prefix):
        raise _FieldError(f"Parameter prefix {prefix!r} is not 'XXXXXXXX-XXXX-XXXX-XXXX-'.")
    return prefix


def _check_uuid_pool(st: ChassisState, new: UuidPool) -> str | None:
    for other in st.uuid_pools:
        if other.name != new.name and other.prefix == new.prefix:
            return f"The UUID range overlaps the pool {other.name}."
    return None


def _build_uuid_pool(call: Call) -> Callable[[object | None], object]:
    def build(old: object | None) -> UuidPool:
        if isinstance(old, UuidPool):
            return old.model_copy(update={"prefix": _uuid_prefix(call, old.prefix),
                                          "size": _int(call, "size", old.size, lo=1, hi=UUID_POOL_MAX)})
        return UuidPool(name=call.arg("name"), prefix=_uuid_prefix(call, ""),
                        size=_int(call, "size", None, lo=1, hi=UUID_POOL_MAX))
    return build


def _uuid_keeps(old: object, new: object) -> bool:
    assert isinstance(old, UuidPool) and isinstance(new, UuidPool)
    inside = {uuid_at(new, i) for i in range(new.size)}
    return all(u in inside for u in old.allocations.values())


@verb("poolhandler", "adduuidpool")
@_guard
async def pool_add_uuid(call: Call) -> web.StreamResponse:
    """[INF] name, prefix (first 24 characters of a UUID, ending in '-'), size (1..128)."""
    st = call.emulator.state
    return await _put_pool(call, st.uuid_pools, "UUID", _build_uuid_pool(call), _uuid_keeps,
                           lambda new: _check_uuid_pool(st, new), True)  # type: ignore[arg-type]


@verb("poolhandler", "modifyuuidpool")
@_guard
async def pool_modify_uuid(call: Call) -> web.StreamResponse:
    """[INF] name, prefix, size; refused (retcode 9) when it would drop allocated UUIDs."""
    st = call.emulator.state
    return await _put_pool(call, st.uuid_pools, "UUID", _build_uuid_pool(call), _uuid_keeps,
                           lambda new: _check_uuid_pool(st, new), False)  # type: ignore[arg-type]


@verb("poolhandler", "deleteuuidpool")
async def pool_delete_uuid(call: Call) -> web.StreamResponse:
    """[INF] refused (retcode 9) while a compute profile names the pool."""
    st = call.emulator.state
    refused = _pool_in_use(st, "uuid_pool", call.arg("name"))
    if refused:
        return _bad(refused, 9)
    return await _delete_named(call, st.uuid_pools)
