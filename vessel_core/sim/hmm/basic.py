"""HMM web API, Chassis Settings → Basic and the summary queries: component versions, mezzanine
cards, ``queryhandler`` (upgrade busy flag, PSU/fan status, stacking, server time, profile
templates, node pool)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from aiohttp import web

from vessel_core.sim.hmm import stateless
from vessel_core.sim.hmm._common import SLOT_RE, SWI_RE, Call, _absent, _FieldError, _guard, _int, _page, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import StatelessProfile

HEALTH_CODE = {"OK": 0, "Warning": 2, "Critical": 3}


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
    for t in st.temperatures:   # [INF] the chassis temperature sensors, in the same answer
        frus.append(xml_el("sensor", children=xml_fields({
            "name": t.name, "reading": t.reading_c, "uppercritical": t.upper_critical_c})))
    total = sum(p.output_w for p in st.psus.values())
    return xml_result(extra=[xml_el("status", children=frus), xml_el("powerconsumption", total)])


@verb("cabinethandler", "get")
async def cabinet_get(call: Call) -> web.StreamResponse:
    """[INF] Chassis Settings → BIOS Boot (``biosbootmode`` Legacy/UEFI), Black Box
    (``blackbox`` 0/1) and Reminder (``reminder`` 0/1): no verb captured for these pages."""
    c = call.emulator.state.chassis
    return xml_result(extra=xml_fields({"biosbootmode": c.bios_boot_mode, "blackbox": c.blackbox_enabled,
                                        "reminder": c.reminder_enabled}))


@verb("cabinethandler", "set")
@_guard
async def cabinet_set(call: Call) -> web.StreamResponse:
    """[INF] any of ``biosbootmode`` (Legacy/UEFI), ``blackbox`` (0/1), ``reminder`` (0/1)."""
    c = call.emulator.state.chassis.model_copy()
    if "biosbootmode" in call.form:
        if call.arg("biosbootmode") not in ("Legacy", "UEFI"):
            raise _FieldError("Parameter biosbootmode must be Legacy or UEFI.")
        c.bios_boot_mode = call.arg("biosbootmode")  # type: ignore[assignment]
    if "blackbox" in call.form:
        c.blackbox_enabled = bool(_int(call, "blackbox", lo=0, hi=1))
    if "reminder" in call.form:
        c.reminder_enabled = bool(_int(call, "reminder", lo=0, hi=1))
    call.emulator.state.chassis = c
    call.emulator.changed()
    return xml_result()


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
        "vnicprofiles": ",".join(p.vnic_profiles), "macpool": p.mac_pool, "uuidpool": p.uuid_pool,
        "powerpolicy": p.power_policy, "revision": p.revision, "nics": nics,
        "bios": bios, "nodes": ",".join(nodes)}))


@verb("queryhandler", "query_policytemplate_list2")
async def query_templates(call: Call) -> web.StreamResponse:
    """[INF] element layout: ``<template>`` with one child per field (the GUI accepts it)."""
    items, total = _page(call, call.emulator.state.profiles)
    return xml_result(extra=[xml_el("total", total)] + [_profile_xml(call, p) for p in items])


@verb("queryhandler", "query_nodepool_list")
async def query_nodepool(call: Call) -> web.StreamResponse:
    """[INF] One ``<node>`` per present blade: model, serial, firmware, power, health, bound
    profile (and whether its application is still running), the MACs and UUID it presents and
    whether they come from a pool. Everything a blade list needs, in one request."""
    st = call.emulator.state
    st.settle()
    blades = [b for b in st.blades.values() if b.present]
    items, total = _page(call, blades)
    out = []
    for b in items:
        macs, mac_source = stateless.effective_macs(st, b)
        uuid, uuid_source = stateless.effective_uuid(st, b)
        out.append(xml_el("node", children=xml_fields({
            "slot": b.slot, "bladename": f"Slot{b.slot}", "model": b.model, "serialnumber": b.serial_number,
            "biosversion": b.firmware.bios, "ibmcversion": b.firmware.imana,
            "health": "Critical" if b.bricked else b.health,
            "profile": b.profile or "", "applystate": stateless.apply_state(b),
            "mac": ",".join(macs), "macsource": mac_source, "uuid": uuid, "uuidsource": uuid_source,
            "power": 1 if b.power_state == "On" else 0, "ports": len(b.macs)})))
    return xml_result(extra=[xml_el("total", total)] + out)
