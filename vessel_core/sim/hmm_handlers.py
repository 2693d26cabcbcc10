"""The verbs of the HMM web dispatcher (fact sheet §2.4), one small function each.

Captured verbs answer with the documented shape. Verbs the sheet lists as called but with an
unknown body, and every write verb for menus with no captured handler, are marked ``[INF]``:
the shape is this emulator's choice, kept in the same style (``<result><retcode/><desp/>…``,
one element per field, list items as repeated elements, a ``<total>`` count), so drivers can
use them until a capture says otherwise.
"""
from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timezone
from typing import Iterable

from aiohttp import BodyPartReader, web
from pydantic import ValidationError

from vessel_core.sim.hmm_web import SLOT_RE, SWI_RE, Call, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_response, xml_result
from vessel_core.sim.state import (
    LEVEL_NAMES,
    Account,
    EasyLinkNicProfile,
    EasyLinkSwitchProfile,
    IpSettings,
    ProfileNic,
    SelEntry,
    StatelessProfile,
    UpgradeTarget,
    UploadedImage,
)

OK = "The operation succeeded"
HEALTH_CODE = {"OK": 0, "Warning": 2, "Critical": 3}


def _bad(desp: str, retcode: int = 4) -> web.Response:
    return xml_result(retcode, desp)


def _absent() -> web.Response:
    """Absent or invalid FRU: HTTP 400 with ``<result><retcode>5</retcode></result>`` [REPO]."""
    return xml_response("<result><retcode>5</retcode></result>", status=400)


def _int(call: Call, name: str, default: int | None = None, lo: int = 0, hi: int = 1 << 30) -> int:
    raw = call.arg(name, "" if default is None else str(default))
    if not raw.lstrip("-").isdigit() or not lo <= int(raw) <= hi:
        raise _FieldError(f"Parameter {name} must be an integer in {lo}..{hi}, got {raw!r}.")
    return int(raw)


class _FieldError(Exception):
    pass


def _guard(fn):
    """Turn bad parameters into ``retcode 4`` answers that name the field."""
    async def wrapper(call: Call) -> web.StreamResponse:
        try:
            return await fn(call)
        except _FieldError as exc:
            return _bad(str(exc))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            return _bad(f"Invalid value for {loc}: {err['msg']}.")
    wrapper.__name__ = fn.__name__
    return wrapper


def _page(call: Call, items: list) -> tuple[list, int]:
    page = _int(call, "page", 1, lo=1)
    perpage = _int(call, "perpage", 10, lo=1, hi=1000)
    return items[(page - 1) * perpage: page * perpage], len(items)


# ============================================================================ versions

def _version_block(lines: Iterable[tuple[str, str, str]]) -> str:
    """``<Label> <Kind>: value`` lines joined by ``<br>``, parentheses as ``&#40;``/``&#41;``.

    The caller XML-escapes the result once more, which yields the sheet's double escaping
    (``&lt;br&gt;`` and ``&amp;#40;``).
    """
    out = []
    for label, kind, value in lines:
        value = value.replace("(", "&#40;").replace(")", "&#41;")
        out.append(f"{label:<15}{kind + ':':<19}{value}")
    return "<br>".join(out)


def _versions_for(call: Call, name: str) -> list[tuple[str, str, str]] | None:
    st = call.emulator.state
    if name in ("smm", "othersmm", "SMM1", "SMM2"):
        mm = {"smm": st.active_mm(), "othersmm": st.standby_mm()}.get(name) or st.mms[int(name[3])]
        if not mm.present or mm.health == "Critical" and mm.firmware.software == "":
            return None
        mf = mm.firmware
        return [("Uboot", "Version", mf.uboot), ("CPLD", "Version", mf.cpld),
                ("PCB", "Version", mf.pcb), ("BOM", "Version", mf.bom),
                ("FPGA", "Version", mf.fpga), ("Software", "Version", mf.software),
                ("IPMI Module", "Built", mf.ipmi_built)]
    m = SLOT_RE.match(name)
    if m:
        b = st.present_blade(int(m.group(1)))
        if b is None or b.bricked:
            return None
        bf = b.firmware
        return [("IPMC", "CPU", bf.ipmc_cpu), ("BIOS", "Version", bf.bios),
                ("Active iMana", "Version", bf.imana), ("Backup iMana", "Version", bf.backup_imana),
                ("CPLD", "Version", bf.cpld)]
    m = SWI_RE.match(name)
    if m:
        sw = st.switch(int(m.group(1)))
        if sw is None or not sw.present:
            return None
        sf = sw.firmware
        return [("IPMC", "CPU", sf.ipmc_cpu), ("Active iMana", "Version", sf.imana),
                ("CPLD", "Version", sf.cpld), ("Uboot", "Version", sf.uboot),
                ("Software", "Version", sf.software), ("IPMB", "Address", sf.ipmb_address)]
    return None   # Fan<N>, PEM<N>: not versionable [REPO]


@verb("versionhandler", "get")
async def version_get(call: Call) -> web.StreamResponse:
    lines = _versions_for(call, call.arg("bladename"))
    if lines is None:
        return _absent()
    return xml_result(extra=[xml_el("version", _version_block(lines))])


@verb("mezzhandler", "deviceinfo")
async def mezz_deviceinfo(call: Call) -> web.StreamResponse:
    """[INF] One ``<mezz>`` element per mezzanine card."""
    m = SLOT_RE.match(call.arg("bladename"))
    b = call.emulator.state.present_blade(int(m.group(1))) if m else None
    if b is None:
        return _absent()
    items = []
    for mz in b.mezz:
        macs = b.macs[(mz.position - 1) * mz.ports: mz.position * mz.ports]
        items.append(xml_el("mezz", children=xml_fields({
            "position": mz.position, "name": mz.model, "type": mz.kind, "ports": mz.ports,
            "present": 1}) + [xml_el(f"mac{i + 1}", mac) for i, mac in enumerate(macs)]))
    return xml_result(extra=[xml_el("total", len(items))] + items)


# ============================================================================ queryhandler

@verb("queryhandler", "isupdate")
async def query_isupdate(call: Call) -> web.StreamResponse:
    busy = any(not t.applied for t in call.emulator.state.upgrade.targets)
    return xml_result(extra=[xml_el("state", 1 if busy else 0)])


@verb("queryhandler", "status")
async def query_status(call: Call) -> web.StreamResponse:
    """[INF] Presence, health and readings of every PSU and fan, plus total power."""
    st = call.emulator.state
    frus = []
    for p in st.psus.values():
        frus.append(xml_el("fru", children=xml_fields({
            "name": f"PEM{p.slot}", "present": p.present, "health": HEALTH_CODE[p.health],
            "power": p.output_w, "ratedpower": p.rated_w})))
    for f in st.fans.values():
        frus.append(xml_el("fru", children=xml_fields({
            "name": f"Fan{f.slot}", "present": f.present, "health": HEALTH_CODE[f.health],
            "speed": f.speed_rpm, "speedpct": f.speed_pct})))
    total = sum(p.output_w for p in st.psus.values())
    return xml_result(extra=[xml_el("status", children=frus), xml_el("powerconsumption", total)])


@verb("queryhandler", "isstack")
async def query_isstack(call: Call) -> web.StreamResponse:
    """[INF] ``<isstack>1</isstack>`` when the 2X/3X pair is stacked."""
    stacked = any(s.stacked for s in call.emulator.state.switches.values())
    return xml_result(extra=[xml_el("isstack", 1 if stacked else 0)])


@verb("queryhandler", "getServerTime")
async def query_servertime(call: Call) -> web.StreamResponse:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return xml_result(extra=[xml_el("servertime", now),
                             xml_el("timezone", call.emulator.state.ntp.timezone)])


def _profile_xml(call: Call, p: StatelessProfile) -> str:
    nodes = [f"Slot{b.slot}" for b in call.emulator.state.blades.values() if b.profile == p.name]
    nics = ";".join(f"{n.port}:{'' if n.vlan is None else n.vlan}:{int(n.boot)}" for n in p.nics)
    bios = ";".join(f"{k}={v}" for k, v in sorted(p.bios.items()))
    return xml_el("template", children=xml_fields({
        "name": p.name, "description": p.description, "bootorder": ",".join(p.boot_order),
        "usemacpool": p.use_mac_pool, "useuuidpool": p.use_uuid_pool, "nics": nics,
        "bios": bios, "nodes": ",".join(nodes)}))


@verb("queryhandler", "query_policytemplate_list2")
async def query_templates(call: Call) -> web.StreamResponse:
    """[INF] element layout: ``<template>`` with one child per field (the GUI accepts it)."""
    items, total = _page(call, call.emulator.state.profiles)
    return xml_result(extra=[xml_el("total", total)] + [_profile_xml(call, p) for p in items])


@verb("queryhandler", "query_nodepool_list")
async def query_nodepool(call: Call) -> web.StreamResponse:
    """[INF] One ``<node>`` per present blade, with its bound profile and pool identities."""
    st = call.emulator.state
    blades = [b for b in st.blades.values() if b.present]
    items, total = _page(call, blades)
    out = []
    for b in items:
        out.append(xml_el("node", children=xml_fields({
            "slot": b.slot, "bladename": f"Slot{b.slot}", "model": b.model,
            "profile": b.profile or "", "mac": ",".join(st.mac_pool.allocations.get(str(b.slot), [])),
            "uuid": st.uuid_pool.allocations.get(str(b.slot), ""),
            "power": 1 if b.power_state == "On" else 0})))
    return xml_result(extra=[xml_el("total", total)] + out)


# ============================================================================ userhandler

@verb("userhandler", "getassettag")
async def user_getassettag(call: Call) -> web.StreamResponse:
    return xml_result(extra=[xml_el("assettag", call.emulator.state.chassis.asset_tag)])


@verb("userhandler", "setassettag")
@_guard
async def user_setassettag(call: Call) -> web.StreamResponse:
    """[INF] write verb for Chassis Settings → Basic."""
    tag = call.arg("assettag")
    if len(tag) > 48:
        raise _FieldError("Parameter assettag is longer than 48 characters.")
    call.emulator.state.chassis.asset_tag = tag
    call.emulator.changed()
    return xml_result()


@verb("userhandler", "getslotalias")
async def user_getslotalias(call: Call) -> web.StreamResponse:
    alias = call.emulator.state.chassis.slot_alias
    return xml_result(extra=[xml_el(f"slot{n}", alias.get(str(n), "")) for n in range(1, 17)])


@verb("userhandler", "setslotalias")
@_guard
async def user_setslotalias(call: Call) -> web.StreamResponse:
    """[INF] ``slot=<1..16>``, ``alias=<text>``."""
    slot = _int(call, "slot", lo=1, hi=16)
    alias = call.arg("alias")
    if len(alias) > 32:
        raise _FieldError("Parameter alias is longer than 32 characters.")
    call.emulator.state.chassis.slot_alias[str(slot)] = alias
    call.emulator.changed()
    return xml_result()


def _user_xml(a: Account) -> str:
    return xml_el("user", children=xml_fields({
        "id": a.id, "username": a.username, "role": a.role, "enabled": a.enabled,
        "locked": a.locked, "interfaces": ",".join(a.interfaces)}))


@verb("userhandler", "getuserlist")
async def user_list(call: Call) -> web.StreamResponse:
    """[INF] HMM local accounts (never the password)."""
    accts = call.emulator.state.accounts
    return xml_result(extra=[xml_el("total", len(accts))] + [_user_xml(a) for a in accts])


ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$")


def _check_password(pw: str) -> None:
    if len(pw) < 8 or not (re.search(r"[A-Za-z]", pw) and re.search(r"\d", pw)):
        raise _FieldError("Parameter userpasswd must have at least 8 characters with letters "
                          "and digits.")


@verb("userhandler", "adduser")
@_guard
async def user_add(call: Call) -> web.StreamResponse:
    """[INF] ``username``, ``userpasswd``, ``role``; ids are given from 3 up (root is 2)."""
    st = call.emulator.state
    name = call.arg("username")
    if not USERNAME_RE.match(name):
        raise _FieldError(f"Parameter username {name!r} is not 1-16 letters, digits, _ . -.")
    if st.account(name):
        return _bad(f"The user {name} already exists.", 6)
    if len(st.accounts) >= 15:
        return _bad("The number of users has reached the upper limit.", 7)
    _check_password(call.arg("userpasswd"))
    role = call.arg("role", "Operator")
    if role not in ROLES:
        raise _FieldError(f"Parameter role must be one of {', '.join(ROLES)}.")
    used = {a.id for a in st.accounts}
    new_id = next(i for i in range(3, 100) if i not in used)
    st.accounts.append(Account(id=new_id, username=name, password=call.arg("userpasswd"),
                               role=role))
    call.emulator.changed()
    return xml_result(extra=[xml_el("id", new_id)])


def _find_user(call: Call) -> Account:
    uid = _int(call, "id", lo=1, hi=99)
    acct = next((a for a in call.emulator.state.accounts if a.id == uid), None)
    if acct is None:
        raise _FieldError(f"Parameter id: no user with id {uid}.")
    return acct


@verb("userhandler", "modifyuser")
@_guard
async def user_modify(call: Call) -> web.StreamResponse:
    """[INF] ``id`` plus any of ``userpasswd``, ``role``, ``enabled`` (0/1)."""
    acct = _find_user(call)
    if "userpasswd" in call.form:
        _check_password(call.arg("userpasswd"))
        acct.password = call.arg("userpasswd")
    if "role" in call.form:
        if call.arg("role") not in ROLES:
            raise _FieldError(f"Parameter role must be one of {', '.join(ROLES)}.")
        if acct.id == 2 and call.arg("role") != "Administrator":
            return _bad("The role of the default administrator cannot be changed.", 8)
        acct.role = call.arg("role")  # type: ignore[assignment]
    if "enabled" in call.form:
        acct.enabled = bool(_int(call, "enabled", lo=0, hi=1))
    call.emulator.changed()
    return xml_result()


@verb("userhandler", "deluser")
@_guard
async def user_delete(call: Call) -> web.StreamResponse:
    """[INF] ``id``; the default administrator (id 2) cannot be deleted."""
    acct = _find_user(call)
    if acct.id == 2:
        return _bad("The default administrator cannot be deleted.", 8)
    call.emulator.state.accounts.remove(acct)
    call.emulator.changed()
    return xml_result()


# ============================================================================ networkhandler

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


# ============================================================================ flattened / easyLink

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


def _int_list(call: Call, name: str, lo: int, hi: int) -> list[int]:
    raw = call.arg(name)
    out = []
    for tok in filter(None, re.split(r"[,\s]+", raw)):
        if not tok.isdigit() or not lo <= int(tok) <= hi:
            raise _FieldError(f"Parameter {name}: {tok!r} is not in {lo}..{hi}.")
        out.append(int(tok))
    return sorted(set(out))


def _str_list(call: Call, name: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", call.arg(name)) if t]


def _named(items: list, name: str):
    return next((p for p in items if p.name == name), None)


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


def _profile_name(call: Call) -> str:
    name = call.arg("name")
    if not re.match(r"^[A-Za-z0-9_.-]{1,32}$", name):
        raise _FieldError(f"Parameter name {name!r} is not 1-32 letters, digits, _ . -.")
    return name


async def _upsert(call: Call, items: list, build, create: bool) -> web.StreamResponse:
    name = _profile_name(call)
    existing = _named(items, name)
    if create and existing is not None:
        return _bad(f"The profile {name} already exists.", 6)
    if not create and existing is None:
        return _bad(f"The profile {name} does not exist.", 5)
    new = build(name)
    if existing is not None:
        items[items.index(existing)] = new
    else:
        items.append(new)
    call.emulator.changed()
    return xml_result()


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


async def _delete_named(call: Call, items: list) -> web.StreamResponse:
    p = _named(items, call.arg("name"))
    if p is None:
        return _bad(f"The profile {call.arg('name')} does not exist.", 5)
    items.remove(p)
    call.emulator.changed()
    return xml_result()


@verb("easylinkhandler", "deleteswitchprofile")
async def easylink_del_sw(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _delete_named(call, call.emulator.state.easylink_switch_profiles)


@verb("easylinkhandler", "deletenicprofile")
async def easylink_del_nic(call: Call) -> web.StreamResponse:
    """[INF]"""
    return await _delete_named(call, call.emulator.state.easylink_nic_profiles)


# ============================================================================ stateless computing

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


# ============================================================================ power, NTP, LDAP

@verb("powerhandler", "getpowercapping")
async def power_getcapping(call: Call) -> web.StreamResponse:
    """[INF]"""
    pc = call.emulator.state.power_capping
    return xml_result(extra=xml_fields({"enabled": pc.enabled, "limit": pc.limit_w,
                                        "failaction": pc.failure_action,
                                        "hibernate": pc.hibernate_enabled}))


@verb("powerhandler", "setpowercapping")
@_guard
async def power_setcapping(call: Call) -> web.StreamResponse:
    """[INF] enabled (0/1), limit (1000..30000 W), failaction (none/poweroff), hibernate (0/1)."""
    pc = call.emulator.state.power_capping.model_copy()
    if "enabled" in call.form:
        pc.enabled = bool(_int(call, "enabled", lo=0, hi=1))
    if "limit" in call.form:
        pc.limit_w = _int(call, "limit", lo=1000, hi=30000)
    if "failaction" in call.form:
        if call.arg("failaction") not in ("none", "poweroff"):
            raise _FieldError("Parameter failaction must be none or poweroff.")
        pc.failure_action = call.arg("failaction")  # type: ignore[assignment]
    if "hibernate" in call.form:
        pc.hibernate_enabled = bool(_int(call, "hibernate", lo=0, hi=1))
    call.emulator.state.power_capping = pc
    call.emulator.changed()
    return xml_result()


@verb("powerhandler", "getpowermeter")
async def power_getmeter(call: Call) -> web.StreamResponse:
    """[INF] current chassis input power."""
    total = sum(p.output_w for p in call.emulator.state.psus.values())
    return xml_result(extra=xml_fields({"power": total, "peak": int(total * 1.2)}))


@verb("ntphandler", "get")
async def ntp_get(call: Call) -> web.StreamResponse:
    """[INF]"""
    n = call.emulator.state.ntp
    return xml_result(extra=xml_fields({"enabled": n.enabled, "preferredserver": n.preferred_server,
                                        "alternateserver": n.alternate_server,
                                        "timezone": n.timezone, "interval": n.sync_interval_min}))


HOST_RE = re.compile(r"^$|^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^[0-9a-fA-F:]+$")


@verb("ntphandler", "set")
@_guard
async def ntp_set(call: Call) -> web.StreamResponse:
    """[INF] enabled, preferredserver, alternateserver, timezone (GMT±H[:MM]), interval (min)."""
    n = call.emulator.state.ntp.model_copy()
    if "enabled" in call.form:
        n.enabled = bool(_int(call, "enabled", lo=0, hi=1))
    for field, attr in (("preferredserver", "preferred_server"), ("alternateserver", "alternate_server")):
        if field in call.form:
            if not HOST_RE.match(call.arg(field)):
                raise _FieldError(f"Parameter {field} {call.arg(field)!r} is not a host name or address.")
            setattr(n, attr, call.arg(field))
    if "timezone" in call.form:
        if not re.match(r"^GMT[+-]\d{1,2}(:\d{2})?$", call.arg("timezone")):
            raise _FieldError(f"Parameter timezone {call.arg('timezone')!r} is not GMT+H or GMT-H:MM.")
        n.timezone = call.arg("timezone")
    if "interval" in call.form:
        n.sync_interval_min = _int(call, "interval", lo=1, hi=1440)
    if n.enabled and not n.preferred_server:
        raise _FieldError("Parameter preferredserver is required when NTP is enabled.")
    call.emulator.state.ntp = n
    call.emulator.changed()
    return xml_result()


@verb("ldaphandler", "get")
async def ldap_get(call: Call) -> web.StreamResponse:
    """[INF] the bind password is never returned."""
    x = call.emulator.state.ldap
    return xml_result(extra=xml_fields({"enabled": x.enabled, "server": x.server, "port": x.port,
                                        "domain": x.domain, "binddn": x.bind_dn,
                                        "usergroupdn": x.user_group_dn, "ssl": x.ssl}))


@verb("ldaphandler", "set")
@_guard
async def ldap_set(call: Call) -> web.StreamResponse:
    """[INF] enabled, server, port, domain, binddn, bindpasswd, usergroupdn, ssl."""
    x = call.emulator.state.ldap.model_copy()
    for field, attr in (("server", "server"), ("domain", "domain"), ("binddn", "bind_dn"),
                        ("bindpasswd", "bind_password"), ("usergroupdn", "user_group_dn")):
        if field in call.form:
            setattr(x, attr, call.arg(field))
    if "server" in call.form and not HOST_RE.match(x.server):
        raise _FieldError(f"Parameter server {x.server!r} is not a host name or address.")
    if "port" in call.form:
        x.port = _int(call, "port", lo=1, hi=65535)
    for flag in ("enabled", "ssl"):
        if flag in call.form:
            setattr(x, flag, bool(_int(call, flag, lo=0, hi=1)))
    if x.enabled and not x.server:
        raise _FieldError("Parameter server is required when LDAP is enabled.")
    call.emulator.state.ldap = x
    call.emulator.changed()
    return xml_result()


# ============================================================================ alarms and logs

def _sel_xml(e: SelEntry) -> str:
    return xml_el("sel", children=xml_fields({
        "level": e.level, "leveldesp": e.leveldesp, "datetime": e.datetime, "source": e.source,
        "sensorname": e.sensorname, "eventdesp": e.eventdesp,
        "assert": "Asserted" if e.asserted else "Deasserted"}))


@verb("selhandler", "alarm")
async def sel_alarm(call: Call) -> web.StreamResponse:
    st = call.emulator.state
    who = call.arg("bladename", "all")
    active = [a for a in st.alarms if not a.cleared
              and (who == "all" or a.source.lower() == who.lower())]
    if not active:
        return xml_result(desp=OK)
    items, total = _page(call, active)
    counts = {lvl: sum(1 for a in active if a.level == lvl) for lvl in (1, 2, 3)}
    children = xml_fields({"sum": total, "critical": counts[3], "major": counts[2],
                           "minor": counts[1]})
    for a in items:
        children.append(xml_el("alarm", children=xml_fields({
            "level": a.level, "leveldesp": LEVEL_NAMES[a.level], "source": a.source,
            "sensorname": a.sensorname, "datetime": a.datetime, "eventdesp": a.eventdesp,
            "eventcode": a.eventcode, "cleartag": 1 if a.cleared else 0})))
    return xml_response(xml_el("result", children=[xml_el("retcode", 0),
                                                   xml_el("alarms", children=children)]))


def _sel_source(call: Call, name: str) -> list[SelEntry] | None:
    st = call.emulator.state
    if name == "smm":
        return st.active_mm().sel
    if name == "othersmm":
        return st.standby_mm().sel
    m, s = SLOT_RE.match(name), SWI_RE.match(name)
    if m:
        b = st.present_blade(int(m.group(1)))
        return b.sel if b else None
    if s:
        sw = st.switches.get(int(s.group(1)))
        return sw.sel if sw and sw.present else None
    return None


@verb("selhandler", "sel")
@_guard
async def sel_list(call: Call) -> web.StreamResponse:
    entries = _sel_source(call, call.arg("bladename"))
    if entries is None:
        return _absent()
    items, total = _page(call, list(reversed(entries)))   # newest first [INF]
    return xml_response(xml_el("result", children=[xml_el("retcode", 0), xml_el("sum", total)]
                               + [_sel_xml(e) for e in items]))


@verb("historyselhandler", "list")
@_guard
async def historysel_list(call: Call) -> web.StreamResponse:
    """[INF] the same shape as ``selhandler sel``, over every component, newest first."""
    st = call.emulator.state
    entries = [e for m in st.mms.values() for e in m.sel] + \
        [e for b in st.blades.values() for e in b.sel] + \
        [e for s in st.switches.values() for e in s.sel]
    entries.sort(key=lambda e: datetime.strptime(e.datetime, "%a %b %d %H:%M:%S %Y"), reverse=True)
    items, total = _page(call, entries)
    return xml_response(xml_el("result", children=[xml_el("retcode", 0), xml_el("sum", total)]
                               + [_sel_xml(e) for e in items]))


# ============================================================================ firmware upgrade

UPLOAD_PAGES = {"/system_manage_smm.html": "smm", "/system_manage_swi.html": "swi",
                "/system_manage_blade.html": "blade"}
KIND_HINTS = (("smm", ("smm", "mm910", "hmm")), ("swi", ("cx310", "swi", "switch")),
              ("blade", ("ch121", "ch222", "bios", "imana", "ibmc", "blade", "cpld")))
MAX_UPLOAD = 256 * 1024 * 1024


def image_kind(filename: str) -> str | None:
    """[INF] Which component an image is for, from its file name (no .hpm parsing)."""
    low = filename.lower()
    for kind, hints in KIND_HINTS:
        if any(h in low for h in hints):
            return kind
    return None


def image_version(filename: str) -> str:
    """[INF] The version an image installs: the last ``N.NN`` in its name, else ``9.99``."""
    found = re.findall(r"(\d+\.\d+)", filename)
    return found[-1] if found else "9.99"


@verb("smmupgradehandler", "upload")
async def upgrade_upload(call: Call) -> web.StreamResponse:
    """Multipart ``uploadfile``; the Referer page must match the image's kind (else HTTP 400,
    empty body [HW])."""
    page_kind = UPLOAD_PAGES.get(call.referer_path())
    if page_kind is None:
        return web.Response(status=400)
    reader = await call.request.multipart()
    filename, size, digest = None, 0, hashlib.sha256()
    async for part in reader:
        if part is None:  # never: __anext__ stops at None, but its annotation keeps Optional
            continue
        if isinstance(part, BodyPartReader) and part.name == "uploadfile":
            filename = part.filename or "image.hpm"
            while chunk := await part.read_chunk():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return _bad("The file is too large.", 11)
                digest.update(chunk)
        else:
            await part.release()
    if filename is None:
        return _bad("Parameter uploadfile is missing.")
    kind = image_kind(filename) or page_kind
    if kind != page_kind:
        return web.Response(status=400)
    if any(not t.applied for t in call.emulator.state.upgrade.targets):
        return _bad("An upgrade is in progress.", 12)
    call.emulator.state.upgrade.uploaded = UploadedImage(
        filename=filename, size=size, kind=kind, sha256=digest.hexdigest())
    call.emulator.state.upgrade.targets = []
    call.emulator.changed()
    return xml_result()


def _bladelist(call: Call, kind: str) -> list[str]:
    raw = call.arg("bladelist").strip()
    if raw == "bothsmm":
        if kind != "smm":
            raise _FieldError("Parameter bladelist: bothsmm needs an SMM image.")
        return ["smm", "othersmm"]
    if not raw:
        raise _FieldError("Parameter bladelist is empty.")
    if not raw.endswith(";"):
        raise _FieldError("Parameter bladelist: every <name>:fru<id> token must end with ';'.")
    names = []
    st = call.emulator.state
    for tok in raw[:-1].split(";"):
        m = re.match(r"^(Slot(\d+)|Swi(\d)):fru([01])$", tok)
        if not m:
            raise _FieldError(f"Parameter bladelist: {tok!r} is not Slot<N>:fru<id> or Swi<N>:fru<id>.")
        if m.group(2):
            if kind != "blade":
                raise _FieldError(f"Parameter bladelist: {tok} does not match the uploaded {kind} image.")
            b = st.present_blade(int(m.group(2)))
            if b is None:
                raise _FieldError(f"Parameter bladelist: Slot{m.group(2)} is not present.")
        else:
            if kind != "swi":
                raise _FieldError(f"Parameter bladelist: {tok} does not match the uploaded {kind} image.")
            sw = st.switches.get(int(m.group(3)))
            if sw is None or not sw.present:
                raise _FieldError(f"Parameter bladelist: Swi{m.group(3)} is not present.")
        names.append(tok)
    return names


@verb("smmupgradehandler", "update")
@_guard
async def upgrade_update(call: Call) -> web.StreamResponse:
    up = call.emulator.state.upgrade
    if up.uploaded is None:
        return _bad("No upgrade file has been uploaded.", 13)
    if any(not t.applied for t in up.targets):
        return _bad("An upgrade is in progress.", 12)
    names = _bladelist(call, up.uploaded.kind)
    outcome = call.emulator.faults.firmware_flash
    duration = call.emulator.timing.flash_duration(outcome)
    now = time.time()
    version = image_version(up.uploaded.filename)
    up.targets = [UpgradeTarget(name=n, started=now, duration_s=duration,
                                outcome="ok" if outcome == "slow" else outcome,
                                new_version=version) for n in names]
    call.emulator.changed()
    return xml_result()


FAIL_DESP = {"fail": "Upgrade failed: the image verification failed.",
             "brick": "Upgrade failed: the component does not respond."}


@verb("smmupgradehandler", "get")
async def upgrade_get(call: Call) -> web.StreamResponse:
    now = time.time()
    blades = []
    for t in call.emulator.state.upgrade.targets:
        frac = 1.0 if t.duration_s <= 0 else min(1.0, (now - t.started) / t.duration_s)
        if t.outcome == "ok":
            progress = 100 if t.applied else min(99, int(frac * 100))
            retcode, desp = 0, OK
            pdesp = "Done" if t.applied else "Upgrading..."
        else:
            progress = min(60, int(frac * 60))
            retcode, desp = (0, OK) if not t.applied else (1 if t.outcome == "fail" else 2, FAIL_DESP[t.outcome])
            pdesp = "Upgrading..." if not t.applied else "Failed"
        blades.append(xml_el("blade", attrs={"name": t.name}, children=xml_fields({
            "retcode": retcode, "desp": desp, "progress": progress, "progressdesp": pdesp})))
    if not blades:
        return xml_response("<upgrade/>")
    return xml_response(xml_el("upgrade", children=blades))


@verb("smmupgradehandler", "delete")
async def upgrade_delete(call: Call) -> web.StreamResponse:
    """Cancel what has not finished and drop the uploaded image."""
    up = call.emulator.state.upgrade
    up.uploaded = None
    up.targets = []
    call.emulator.changed()
    return xml_result()


@verb("smmupgradehandler", "checkupgrade")
@_guard
async def upgrade_check(call: Call) -> web.StreamResponse:
    st = call.emulator.state
    which = _int(call, "smmtype", lo=1, hi=2)
    mm = st.mms[which]
    if not mm.present or mm.health == "Critical":
        return _bad(f"SMM{which} is not ready for an upgrade.", 14)
    if any(not t.applied for t in st.upgrade.targets):
        return _bad("An upgrade is in progress.", 12)
    return xml_result()
