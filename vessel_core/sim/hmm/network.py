"""HMM web API, Network Settings → MMs / Blades / Switch Modules (``networkhandler``)."""
from __future__ import annotations

import ipaddress
import re

from aiohttp import web

from vessel_core.sim.hmm._common import SLOT_RE, SWI_RE, Call, _FieldError, _guard, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import IpSettings

IPTYPE = {"0": "blade", "1": "swi", "2": "smm"}  # [INF] meaning of ipType


def _ip_item(name: str, ip: IpSettings | None, fabric: str, ipv6: bool = False) -> str:
    ip = ip or IpSettings()
    fields: dict[str, object] = {"bladename": name, "ip": ip.ip, "mask": ip.mask if ip.ip else "", "gateway": ip.gateway,
              "mode": ip.mode, "fabricip": fabric}
    if ipv6:  # [INF] the MMs' IPv6 fields (not captured): "address/prefix" and the gateway
        fields |= {"ipv6": ip.ipv6, "ipv6gateway": ip.ipv6_gateway}
    return xml_el("item", children=xml_fields(fields))


def _ipv4(text: str) -> bool:
    if not re.match(r"^(\d{1,3})(\.\d{1,3}){3}$", text):
        return False
    return all(int(part) <= 255 for part in text.split("."))


def _check_ip(ip: IpSettings, mm: bool) -> None:
    """[INF] What the HMM refuses beyond a malformed address: a mask that is not contiguous, a
    gateway outside the address's subnet, IPv6 on a blade or switch, an MM without an address."""
    for field in ("ip", "mask", "gateway"):
        v = getattr(ip, field)
        if v and not _ipv4(v):
            raise _FieldError(f"Parameter {field} {v!r} is not an IPv4 address.")
    if not ip.ip:
        if mm:
            raise _FieldError("Parameter ip: a management module's address cannot be removed.")
        return
    try:
        net = ipaddress.IPv4Network(f"{ip.ip}/{ip.mask}", strict=False)
    except ValueError:
        raise _FieldError(f"Parameter mask {ip.mask!r} is not a network mask.") from None
    if ip.gateway and ipaddress.IPv4Address(ip.gateway) not in net:
        raise _FieldError(f"Parameter gateway {ip.gateway!r} is not in the subnet {net}.")
    if (ip.ipv6 or ip.ipv6_gateway) and not mm:
        raise _FieldError("Parameter ipv6: only the management modules have an IPv6 address.")
    if ip.ipv6:
        try:
            net6 = ipaddress.IPv6Interface(ip.ipv6).network
        except ValueError:
            raise _FieldError(f"Parameter ipv6 {ip.ipv6!r} is not an IPv6 address/prefix.") from None
        try:
            gw6 = ipaddress.IPv6Address(ip.ipv6_gateway) if ip.ipv6_gateway else None
        except ValueError:
            raise _FieldError(f"Parameter ipv6gateway {ip.ipv6_gateway!r} is not an IPv6 address.") from None
        if gw6 is not None and gw6 not in net6:
            raise _FieldError(f"Parameter ipv6gateway {ip.ipv6_gateway!r} is not in the subnet {net6}.")
    elif ip.ipv6_gateway:
        raise _FieldError("Parameter ipv6gateway: there is no IPv6 address.")


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
            items.append(_ip_item(m.name, st.network.hmm_static.get(m.name), m.eth2_ip, ipv6=True))
        items.append(_ip_item("float", st.network.floating, "", ipv6=True))
    return xml_result(extra=[xml_el("total", len(items))] + items)


@verb("networkhandler", "setbmcipdata")
@_guard
async def net_setbmcipdata(call: Call) -> web.StreamResponse:
    """[INF] ``bladename`` (Slot<N>/Swi<N>/HMM1/HMM2/float), ``ip``, ``mask``, ``gateway``,
    ``mode`` (static/dhcp), and for the MMs ``ipv6`` / ``ipv6gateway``. An empty ``ip`` removes a
    blade's or switch's external address. An MM's new address answers once the reply is sent
    (the emulator's ``mgmt_on_loopback``); the old one stops answering."""
    st = call.emulator.state
    name = call.arg("bladename")
    ip = IpSettings(ip=call.arg("ip"), mask=call.arg("mask", "255.255.255.0"),
                    gateway=call.arg("gateway"), mode=call.arg("mode", "static"),
                    ipv6=call.arg("ipv6"), ipv6_gateway=call.arg("ipv6gateway"))
    _check_ip(ip, name in ("HMM1", "HMM2", "float"))
    m, s = SLOT_RE.match(name), SWI_RE.match(name)
    if m and st.present_blade(int(m.group(1))):
        table = st.network.blade_external
        key = m.group(1)
    elif s and st.switches.get(int(s.group(1))) and st.switches[int(s.group(1))].present:
        table = st.network.switch_external
        key = s.group(1)
    elif name in ("HMM1", "HMM2", "float"):
        if name == "float":
            st.network.floating = ip
        else:
            st.network.hmm_static[name] = ip
        call.emulator.changed()
        await call.emulator.follow_mgmt_addresses()
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
