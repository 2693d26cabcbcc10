"""HMM web API, Network Settings → MMs / Blades / Switch Modules (``networkhandler``)."""
from __future__ import annotations

import re

from aiohttp import web

from vessel_core.sim.hmm._common import SLOT_RE, SWI_RE, Call, _FieldError, _guard, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import IpSettings

IPTYPE = {"0": "blade", "1": "swi", "2": "smm"}  # [INF] meaning of ipType


def _ip_item(name: str, ip: IpSettings | None, fabric: str) -> str:
    ip = ip or IpSettings()
    return xml_el("item", children=xml_fields({
        "bladename": name, "ip": ip.ip, "mask": ip.mask if ip.ip else "", "gateway": ip.gateway,
        "mode": ip.mode, "fabricip": fabric}))


@verb("networkhandler", "getbmcipdata")
@_guard
async def net_getbmcipdata(call: Call) -> web.StreamResponse:
    """[INF] ipType 0 = blade iBMCs, 1 = switch modules, 2 = MMs; one ``<item>`` each."""
    st = call.emulator.state
    kind = IPTYPE.get(call.arg("ipType", "0"))
    if kind is None:
        raise _FieldError("Parameter ipType must be 0, 1 or 2.")
    items = []
    if kind == "blade":
        for b in st.blades.values():
            if b.present:
                items.append(_ip_item(f"Slot{b.slot}", st.network.blade_external.get(str(b.slot)),
                                      st.ibmc_ip(b.slot)))
    elif kind == "swi":
        for s in st.switches.values():
            if s.present:
                items.append(_ip_item(f"Swi{s.slot}", st.network.switch_external.get(str(s.slot)),
                                      f"{st.network.fabric_prefix}{160 + s.slot}"))
    else:
        for m in st.mms.values():
            items.append(_ip_item(m.name, st.network.hmm_static.get(m.name), m.eth2_ip))
        items.append(_ip_item("float", st.network.floating, ""))
    return xml_result(extra=[xml_el("total", len(items))] + items)


@verb("networkhandler", "setbmcipdata")
@_guard
async def net_setbmcipdata(call: Call) -> web.StreamResponse:
    """[INF] ``bladename`` (Slot<N>/Swi<N>/HMM1/HMM2/float), ``ip``, ``mask``, ``gateway``,
    ``mode`` (static/dhcp). An empty ``ip`` removes a blade's or switch's external address."""
    st = call.emulator.state
    name = call.arg("bladename")
    ip = IpSettings(ip=call.arg("ip"), mask=call.arg("mask", "255.255.255.0"),
                    gateway=call.arg("gateway"), mode=call.arg("mode", "static"))
    for field in ("ip", "mask", "gateway"):
        v = getattr(ip, field)
        if v and not re.match(r"^(\d{1,3})(\.\d{1,3}){3}$", v):
            raise _FieldError(f"Parameter {field} {v!r} is not an IPv4 address.")
    m, s = SLOT_RE.match(name), SWI_RE.match(name)
    if m and st.present_blade(int(m.group(1))):
        table = st.network.blade_external
        key = m.group(1)
    elif s and st.switches.get(int(s.group(1))) and st.switches[int(s.group(1))].present:
        table = st.network.switch_external
        key = s.group(1)
    elif name in ("HMM1", "HMM2"):
        st.network.hmm_static[name] = ip
        call.emulator.changed()
        return xml_result()
    elif name == "float":
        st.network.floating = ip
        call.emulator.changed()
        return xml_result()
    else:
        raise _FieldError(f"Parameter bladename {name!r} is not a present Slot<N>, Swi<N>, "
                          "HMM1, HMM2 or float.")
    if ip.ip:
        table[key] = ip
    else:
        table.pop(key, None)
    call.emulator.changed()
    return xml_result()


@verb("networkhandler", "list")
@_guard
async def net_list(call: Call) -> web.StreamResponse:
    """[INF] bladename=eth: the active MM's interfaces; mgmt: management addresses; fc: none."""
    st = call.emulator.state
    kind = call.arg("bladename")
    mm = st.active_mm()
    items: list[str] = []
    if kind == "eth":
        for ifname, ip in (("eth0", mm.eth0_ip), ("eth0:0", st.network.floating.ip),
                           ("eth1", mm.eth1_ip), ("eth2", mm.eth2_ip)):
            items.append(xml_el("item", children=xml_fields({"name": ifname, "ip": ip,
                                                             "mask": "255.255.255.0"})))
    elif kind == "mgmt":
        items.append(xml_el("item", children=xml_fields({
            "name": "float", "ip": st.network.floating.ip, "gateway": st.network.floating.gateway})))
        for name, static in st.network.hmm_static.items():
            items.append(xml_el("item", children=xml_fields({"name": name, "ip": static.ip,
                                                             "gateway": static.gateway})))
    elif kind != "fc":
        raise _FieldError("Parameter bladename must be eth, fc or mgmt.")
    return xml_result(extra=[xml_el("total", len(items))] + items)


@verb("networkhandler", "listpresentfru")
@_guard
async def net_listpresentfru(call: Call) -> web.StreamResponse:
    """[INF] One ``<fru>`` per present FRU of the class (swi, blade, fan, pem)."""
    st = call.emulator.state
    kind = call.arg("bladename")
    frus: list[tuple[str, str]]
    if kind == "swi":
        frus = [(f"Swi{s.slot}", s.model) for s in st.switches.values() if s.present]
    elif kind == "blade":
        frus = [(f"Slot{b.slot}", b.model) for b in st.blades.values() if b.present]
    elif kind == "fan":
        frus = [(f"Fan{f.slot}", "FAN") for f in st.fans.values() if f.present]
    elif kind == "pem":
        frus = [(f"PEM{p.slot}", p.model) for p in st.psus.values() if p.present]
    else:
        raise _FieldError("Parameter bladename must be swi, blade, fan or pem.")
    items = [xml_el("fru", children=xml_fields({"name": n, "type": t})) for n, t in frus]
    return xml_result(extra=[xml_el("total", len(items))] + items)
