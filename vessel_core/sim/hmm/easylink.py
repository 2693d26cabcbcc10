"""HMM web API, easyLink → Switch Profile / NIC Profile and the flattened-network view
(``flattenedhandler``, ``easylinkhandler``)."""
from __future__ import annotations

from aiohttp import web

from vessel_core.sim.hmm._common import (
    SWI_RE,
    Call,
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
from vessel_core.sim.state import EasyLinkNicProfile, EasyLinkSwitchProfile


def _swprofile_xml(p: EasyLinkSwitchProfile) -> str:
    return xml_el("switchprofile", children=xml_fields({
        "name": p.name, "switches": ",".join(p.switches), "uplinkports": ",".join(p.uplink_ports),
        "vlans": ",".join(map(str, p.vlans)), "description": p.description}))


def _nicprofile_xml(p: EasyLinkNicProfile) -> str:
    return xml_el("nicprofile", children=xml_fields({
        "name": p.name, "vlans": ",".join(map(str, p.vlans)),
        "nativevlan": "" if p.native_vlan is None else p.native_vlan,
        "bandwidth": p.bandwidth_pct, "slots": ",".join(map(str, p.slots))}))


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


def _build_swprofile(call: Call):
    def build(name: str) -> EasyLinkSwitchProfile:
        switches = _str_list(call, "switches")
        for s in switches:
            if not SWI_RE.match(s):
                raise _FieldError(f"Parameter switches: {s!r} is not Swi1..Swi4.")
        return EasyLinkSwitchProfile(name=name, switches=switches,
                                     uplink_ports=_str_list(call, "uplinkports"),
                                     vlans=_int_list(call, "vlans", 1, 4094),
                                     description=call.arg("description"))
    return build


def _build_nicprofile(call: Call):
    def build(name: str) -> EasyLinkNicProfile:
        native = call.arg("nativevlan")
        return EasyLinkNicProfile(name=name, vlans=_int_list(call, "vlans", 1, 4094),
                                  native_vlan=_int(call, "nativevlan", lo=1, hi=4094) if native else None,
                                  bandwidth_pct=_int(call, "bandwidth", 100, lo=1, hi=100),
                                  slots=_int_list(call, "slots", 1, 16))
    return build


@verb("easylinkhandler", "addswitchprofile")
@_guard
async def easylink_add_sw(call: Call) -> web.StreamResponse:
    """[INF] name, switches (Swi2,Swi3), uplinkports, vlans (10,20), description."""
    return await _upsert(call, call.emulator.state.easylink_switch_profiles, _build_swprofile(call), True)


@verb("easylinkhandler", "modifyswitchprofile")
@_guard
async def easylink_mod_sw(call: Call) -> web.StreamResponse:
    """[INF] same fields as add; replaces the whole profile."""
    return await _upsert(call, call.emulator.state.easylink_switch_profiles, _build_swprofile(call), False)


@verb("easylinkhandler", "addnicprofile")
@_guard
async def easylink_add_nic(call: Call) -> web.StreamResponse:
    """[INF] name, vlans, nativevlan, bandwidth (1..100), slots (1,2,3)."""
    return await _upsert(call, call.emulator.state.easylink_nic_profiles, _build_nicprofile(call), True)


@verb("easylinkhandler", "modifynicprofile")
@_guard
async def easylink_mod_nic(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _upsert(call, call.emulator.state.easylink_nic_profiles, _build_nicprofile(call), False)


@verb("easylinkhandler", "deleteswitchprofile")
async def easylink_del_sw(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _delete_named(call, call.emulator.state.easylink_switch_profiles)


@verb("easylinkhandler", "deletenicprofile")
async def easylink_del_nic(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _delete_named(call, call.emulator.state.easylink_nic_profiles)
