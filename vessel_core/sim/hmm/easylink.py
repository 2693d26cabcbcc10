"""HMM web API, easyLink → Switch Profile / NIC Profile and the flattened-network view
(``flattenedhandler``, ``easylinkhandler``)."""
from __future__ import annotations

from aiohttp import web

from vessel_core.sim.hmm._common import (
    SWI_RE,
    Call,
    _bad,
    _delete_named,
    _FieldError,
    _guard,
    _int,
    _int_list,
    _str_list,
    _upsert,
    verb,
)
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import SWITCH_PAIR, EasyLinkNicProfile, EasyLinkSwitchProfile
from vessel_core.sim.vrp.state import external_port

#: [INF] easyLink profile names: 1-15 letters, digits, _ (not first), as the HMM's pools
NAME_RULE = (r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$", "1-15 letters, digits or _ (not starting with _)")
#: [INF] profiles of each kind, VLANs per profile, characters of a description
MAX_PROFILES, MAX_VLANS, MAX_DESCRIPTION = 64, 64, 64


def _swprofile_xml(p: EasyLinkSwitchProfile) -> str:
    return xml_el("switchprofile", children=xml_fields({
        "name": p.name, "switches": ",".join(p.switches), "uplinkports": ",".join(p.uplink_ports),
        "vlans": ",".join(map(str, p.vlans)), "description": p.description}))


def _nicprofile_xml(p: EasyLinkNicProfile) -> str:
    return xml_el("nicprofile", children=xml_fields({
        "name": p.name, "vlans": ",".join(map(str, p.vlans)),
        "nativevlan": "" if p.native_vlan is None else p.native_vlan,
        "bandwidth": p.bandwidth_pct, "description": p.description}))


@verb("flattenedhandler", "getflattened")
async def flattened_get(call: Call) -> web.StreamResponse:
    """[INF] easyLink / flattened-network view: switches with their VLANs, plus profiles."""
    st = call.emulator.state
    parts = []
    for s in st.switches.values():
        if not s.present:
            continue
        vlans = sorted(s.vrp.running.vlans) if s.vrp is not None else []
        parts.append(xml_el("switch", children=xml_fields({
            "name": f"Swi{s.slot}", "label": s.label, "model": s.model, "vrp": s.vrp_flavour,
            "vlans": ",".join(map(str, vlans))})))
    parts += [_swprofile_xml(p) for p in st.easylink_switch_profiles]
    parts += [_nicprofile_xml(p) for p in st.easylink_nic_profiles]
    return xml_result(extra=[xml_el("flattened", children=parts)])


@verb("easylinkhandler", "listswitchprofile")
async def easylink_list_sw(call: Call) -> web.StreamResponse:
    """[INF]"""
    items = call.emulator.state.easylink_switch_profiles
    return xml_result(extra=[xml_el("total", len(items))] + [_swprofile_xml(p) for p in items])


@verb("easylinkhandler", "listnicprofile")
async def easylink_list_nic(call: Call) -> web.StreamResponse:
    """[INF]"""
    items = call.emulator.state.easylink_nic_profiles
    return xml_result(extra=[xml_el("total", len(items))] + [_nicprofile_xml(p) for p in items])


def _vlans(call: Call) -> list[int]:
    vlans = _int_list(call, "vlans", 1, 4094)
    if len(vlans) > MAX_VLANS:
        raise _FieldError(f"Parameter vlans: at most {MAX_VLANS} VLANs per profile, got {len(vlans)}.")
    return vlans


def _description(call: Call) -> str:
    text = call.arg("description")
    if len(text) > MAX_DESCRIPTION:
        raise _FieldError(f"Parameter description is longer than {MAX_DESCRIPTION} characters.")
    return text


def _switches(call: Call) -> list[str]:
    """[INF] One switch, or the two of one stacking pair (Swi1 + Swi4, Swi2 + Swi3)."""
    switches = sorted(set(_str_list(call, "switches")))
    for s in switches:
        m = SWI_RE.match(s)
        if not m or int(m.group(1)) not in SWITCH_PAIR:
            raise _FieldError(f"Parameter switches: {s!r} is not Swi1..Swi4.")
    slots = [int(s[3:]) for s in switches]
    if not slots:
        raise _FieldError("Parameter switches: a switch profile needs one switch or one stacking pair.")
    if len(slots) > 2 or (len(slots) == 2 and SWITCH_PAIR[slots[0]] != slots[1]):
        raise _FieldError(f"Parameter switches: {', '.join(switches)} is not one stacking pair.")
    return switches


def _uplinks(call: Call, switches: list[str]) -> list[str]:
    """[INF] Uplinks are external ports (``10GE<slot>/17/<1..16>``) of the profile's switches."""
    ports = sorted(set(_str_list(call, "uplinkports")))
    allowed = {external_port(int(s[3:]), n) for s in switches for n in range(1, 17)}
    for p in ports:
        if p not in allowed:
            raise _FieldError(f"Parameter uplinkports: {p!r} is not an external port of {', '.join(switches)}.")
    return ports


def _build_swprofile(call: Call):
    def build(name: str) -> EasyLinkSwitchProfile:
        switches = _switches(call)
        return EasyLinkSwitchProfile(name=name, switches=switches, uplink_ports=_uplinks(call, switches),
                                     vlans=_vlans(call), description=_description(call))
    return build


def _build_nicprofile(call: Call):
    def build(name: str) -> EasyLinkNicProfile:
        vlans = _vlans(call)
        native = _int(call, "nativevlan", lo=1, hi=4094) if call.arg("nativevlan") else None
        if native is not None and native not in vlans:
            raise _FieldError(f"Parameter nativevlan: {native} is not one of vlans.")
        return EasyLinkNicProfile(name=name, vlans=vlans, native_vlan=native,
                                  bandwidth_pct=_int(call, "bandwidth", 100, lo=1, hi=100),
                                  description=_description(call))
    return build


async def _put(call: Call, items: list, build, create: bool) -> web.StreamResponse:
    return await _upsert(call, items, build, create, name_rule=NAME_RULE, limit=MAX_PROFILES)


@verb("easylinkhandler", "addswitchprofile")
@_guard
async def easylink_add_sw(call: Call) -> web.StreamResponse:
    """[INF] name, switches (Swi2,Swi3), uplinkports (10GE2/17/1), vlans (10,20), description."""
    return await _put(call, call.emulator.state.easylink_switch_profiles, _build_swprofile(call), True)


@verb("easylinkhandler", "modifyswitchprofile")
@_guard
async def easylink_mod_sw(call: Call) -> web.StreamResponse:
    """[INF] same fields as add; replaces the whole profile."""
    return await _put(call, call.emulator.state.easylink_switch_profiles, _build_swprofile(call), False)


@verb("easylinkhandler", "addnicprofile")
@_guard
async def easylink_add_nic(call: Call) -> web.StreamResponse:
    """[INF] name, vlans, nativevlan (one of vlans or empty), bandwidth (1..100), description."""
    return await _put(call, call.emulator.state.easylink_nic_profiles, _build_nicprofile(call), True)


@verb("easylinkhandler", "modifynicprofile")
@_guard
async def easylink_mod_nic(call: Call) -> web.StreamResponse:
    """[INF] same fields as add; replaces the whole profile."""
    return await _put(call, call.emulator.state.easylink_nic_profiles, _build_nicprofile(call), False)


@verb("easylinkhandler", "deleteswitchprofile")
async def easylink_del_sw(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _delete_named(call, call.emulator.state.easylink_switch_profiles)


@verb("easylinkhandler", "deletenicprofile")
async def easylink_del_nic(call: Call) -> web.StreamResponse:
    """[INF] refused (retcode 9) while a compute profile names the NIC profile."""
    name = call.arg("name")
    users = [p.name for p in call.emulator.state.profiles if name in getattr(p, "vnic_profiles", [])]
    if users:
        return _bad(f"The NIC profile {name} is used by the compute profile {', '.join(users)}.", 9)
    return await _delete_named(call, call.emulator.state.easylink_nic_profiles)
