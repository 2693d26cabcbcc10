"""HMM web API, Stateless Computing → Profile / MAC Pool / UUID (``profilehandler``,
``poolhandler``)."""
from __future__ import annotations

import re

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
from vessel_core.sim.state import ProfileNic, StatelessProfile


def _build_compute_profile(call: Call):
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
            if o not in ("Hdd", "Pxe", "Cd", "Floppy"):
                raise _FieldError(f"Parameter bootorder: {o!r} is not Hdd, Pxe, Cd or Floppy.")
        return StatelessProfile(name=name, description=call.arg("description"), boot_order=order,
                                bios=bios, nics=nics,
                                use_mac_pool=call.arg("usemacpool", "1") == "1",
                                use_uuid_pool=call.arg("useuuidpool", "1") == "1")
    return build


@verb("profilehandler", "add")
@_guard
async def profile_add(call: Call) -> web.StreamResponse:
    """[INF] name, description, bootorder (Hdd,Pxe), nics (1:100:1;2::0), bios (k=v;…),
    usemacpool, useuuidpool (0/1)."""
    return await _upsert(call, call.emulator.state.profiles, _build_compute_profile(call), True)


@verb("profilehandler", "modify")
@_guard
async def profile_modify(call: Call) -> web.StreamResponse:
    """[INF] same fields as add; replaces the profile."""
    return await _upsert(call, call.emulator.state.profiles, _build_compute_profile(call), False)


@verb("profilehandler", "delete")
async def profile_delete(call: Call) -> web.StreamResponse:
    """[INF] refused (retcode 9) while a node uses the profile."""
    if any(b.profile == call.arg("name") for b in call.emulator.state.blades.values()):
        return _bad(f"The profile {call.arg('name')} is applied to a node.", 9)
    return await _delete_named(call, call.emulator.state.profiles)


def _mac_at(start: str, offset: int) -> str:
    v = int(start.replace(":", ""), 16) + offset
    h = f"{v:012X}"
    return ":".join(h[i:i + 2] for i in range(0, 12, 2))


@verb("profilehandler", "apply")
@_guard
async def profile_apply(call: Call) -> web.StreamResponse:
    """[INF] name, bladename=Slot<N>: bind the profile, drawing MACs/UUID from the pools."""
    st = call.emulator.state
    p = _named(st.profiles, call.arg("name"))
    if p is None:
        return _bad(f"The profile {call.arg('name')} does not exist.", 5)
    m = SLOT_RE.match(call.arg("bladename"))
    b = st.present_blade(int(m.group(1))) if m else None
    if b is None:
        raise _FieldError(f"Parameter bladename {call.arg('bladename')!r} is not a present Slot<N>.")
    key = str(b.slot)
    if p.use_mac_pool and key not in st.mac_pool.allocations:
        used = {mac for macs in st.mac_pool.allocations.values() for mac in macs}
        free = [_mac_at(st.mac_pool.start, i) for i in range(st.mac_pool.size)
                if _mac_at(st.mac_pool.start, i) not in used]
        if len(free) < len(b.macs):
            return _bad("The MAC address pool is exhausted.", 10)
        st.mac_pool.allocations[key] = free[: len(b.macs)]
    if p.use_uuid_pool and key not in st.uuid_pool.allocations:
        used_u = set(st.uuid_pool.allocations.values())
        free_u = [f"{st.uuid_pool.prefix}{i:012X}" for i in range(st.uuid_pool.size)
                  if f"{st.uuid_pool.prefix}{i:012X}" not in used_u]
        if not free_u:
            return _bad("The UUID pool is exhausted.", 10)
        st.uuid_pool.allocations[key] = free_u[0]
    b.profile = p.name
    call.emulator.changed()
    return xml_result()


@verb("profilehandler", "unapply")
@_guard
async def profile_unapply(call: Call) -> web.StreamResponse:
    """[INF] bladename=Slot<N>: unbind and return its pool identities."""
    st = call.emulator.state
    m = SLOT_RE.match(call.arg("bladename"))
    b = st.present_blade(int(m.group(1))) if m else None
    if b is None:
        raise _FieldError(f"Parameter bladename {call.arg('bladename')!r} is not a present Slot<N>.")
    b.profile = None
    st.mac_pool.allocations.pop(str(b.slot), None)
    st.uuid_pool.allocations.pop(str(b.slot), None)
    call.emulator.changed()
    return xml_result()


@verb("poolhandler", "getmacpool")
async def pool_getmac(call: Call) -> web.StreamResponse:
    """[INF] ``<start>``, ``<size>``, ``<used>`` and one ``<alloc>`` per node."""
    pool = call.emulator.state.mac_pool
    allocs = [xml_el("alloc", children=xml_fields({"bladename": f"Slot{k}", "mac": ",".join(v)}))
              for k, v in sorted(pool.allocations.items(), key=lambda kv: int(kv[0]))]
    used = sum(len(v) for v in pool.allocations.values())
    return xml_result(extra=xml_fields({"start": pool.start, "size": pool.size, "used": used}) + allocs)


@verb("poolhandler", "setmacpool")
@_guard
async def pool_setmac(call: Call) -> web.StreamResponse:
    """[INF] start (unicast MAC), size (1..4096); refused while addresses are allocated."""
    pool = call.emulator.state.mac_pool
    start = call.arg("start", pool.start).upper()
    if not re.match(r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$", start) or int(start[:2], 16) & 1:
        raise _FieldError(f"Parameter start {start!r} is not a unicast MAC address.")
    size = _int(call, "size", pool.size, lo=1, hi=4096)
    if pool.allocations and (start != pool.start or size < pool.size):
        return _bad("The pool has allocated addresses; unapply the profiles first.", 9)
    pool.start, pool.size = start, size
    call.emulator.changed()
    return xml_result()


@verb("poolhandler", "getuuidpool")
async def pool_getuuid(call: Call) -> web.StreamResponse:
    """[INF]"""
    pool = call.emulator.state.uuid_pool
    allocs = [xml_el("alloc", children=xml_fields({"bladename": f"Slot{k}", "uuid": v}))
              for k, v in sorted(pool.allocations.items(), key=lambda kv: int(kv[0]))]
    return xml_result(extra=xml_fields({"prefix": pool.prefix, "size": pool.size,
                                        "used": len(pool.allocations)}) + allocs)


@verb("poolhandler", "setuuidpool")
@_guard
async def pool_setuuid(call: Call) -> web.StreamResponse:
    """[INF] prefix (first 24 characters of a UUID, ending in '-'), size (1..4096)."""
    pool = call.emulator.state.uuid_pool
    prefix = call.arg("prefix", pool.prefix).upper()
    if not re.match(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-$", prefix):
        raise _FieldError(f"Parameter prefix {prefix!r} is not 'XXXXXXXX-XXXX-XXXX-XXXX-'.")
    size = _int(call, "size", pool.size, lo=1, hi=4096)
    if pool.allocations and (prefix != pool.prefix or size < pool.size):
        return _bad("The pool has allocated UUIDs; unapply the profiles first.", 9)
    pool.prefix, pool.size = prefix, size
    call.emulator.changed()
    return xml_result()
