"""HMM web API, Alarm Monitoring: active alarms and the system event logs (``selhandler``,
``historyselhandler``), and the notification destinations (``alarmconfighandler`` [INF])."""
from __future__ import annotations

import re
from datetime import datetime

from aiohttp import web

from vessel_core.sim.hmm._common import (
    OK,
    SLOT_RE,
    SWI_RE,
    Call,
    _absent,
    _bad,
    _FieldError,
    _guard,
    _int,
    _page,
    verb,
)
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_response, xml_result
from vessel_core.sim.state import ALARM_DEST_SLOTS, LEVEL_NAMES, AlarmDestination, SelEntry


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


# ---------------------------------------------------------------------- notification destinations
# [INF] Alarm Monitoring → Settings (alarm_config.html) was not captured: the handler, its verbs
# and fields are this emulator's, in the dispatcher's style. A fixed number of slots per type
# (ALARM_DEST_SLOTS); a full type answers retcode 12, a second destination with the same type
# and address retcode 6. The community string and the SNMPv3 keys are never returned.

_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9.-]+$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$|^[0-9a-fA-F:]+$")


def _dest_xml(d: AlarmDestination) -> str:
    return xml_el("dest", children=xml_fields({
        "type": d.type, "slot": d.slot, "address": d.address, "port": d.port, "severity": d.severity,
        "enabled": 1 if d.enabled else 0, "snmpversion": d.snmp_version, "snmpuser": d.snmp_user,
        "authprotocol": d.auth_protocol, "privprotocol": d.priv_protocol}))


@verb("alarmconfighandler", "getdestlist")
@_guard
async def alarm_getdestlist(call: Call) -> web.StreamResponse:
    st = call.emulator.state
    dests = sorted(st.alarm_destinations, key=lambda d: (d.type, d.slot))
    limits = xml_fields({f"max{t.replace('_', '')}": n for t, n in ALARM_DEST_SLOTS.items()})
    return xml_result(extra=[xml_el("total", len(dests)), *limits] + [_dest_xml(d) for d in dests])


def _dest_fields(call: Call, d: AlarmDestination) -> AlarmDestination:
    """``d`` with the fields the call carries (an absent field keeps its value)."""
    data = d.model_dump()
    for form, name in (("address", "address"), ("severity", "severity"), ("snmpversion", "snmp_version"),
                       ("snmpuser", "snmp_user"), ("authprotocol", "auth_protocol"),
                       ("privprotocol", "priv_protocol"), ("community", "community"), ("authkey", "auth_key"),
                       ("privkey", "priv_key")):
        if form in call.form:
            data[name] = call.arg(form)
    if "port" in call.form:
        data["port"] = _int(call, "port", lo=1, hi=65535)
    if "enabled" in call.form:
        data["enabled"] = call.arg("enabled") == "1"
    new = AlarmDestination.model_validate(data)
    if new.type == "email" and not _EMAIL.match(new.address):
        raise _FieldError(f"Parameter address {new.address!r} is not an email address.")
    if new.type != "email" and not _HOST.match(new.address):
        raise _FieldError(f"Parameter address {new.address!r} is not a host name or IP address.")
    if new.type == "snmp_trap":
        if new.snmp_version not in ("v2c", "v3"):
            raise _FieldError("Parameter snmpversion must be v2c or v3.")
        if new.snmp_version == "v2c" and not new.community:
            raise _FieldError("Parameter community is required for an SNMPv2c trap receiver.")
        if new.snmp_version == "v3":
            if not new.snmp_user:
                raise _FieldError("Parameter snmpuser is required for an SNMPv3 trap receiver.")
            if new.auth_protocol not in ("SHA", "MD5") or new.priv_protocol not in ("AES", "DES"):
                raise _FieldError("Parameter authprotocol must be SHA or MD5, privprotocol AES or DES.")
            for form, key in (("authkey", new.auth_key), ("privkey", new.priv_key)):
                if len(key) < 8:
                    raise _FieldError(f"Parameter {form} must have at least 8 characters.")
    elif new.snmp_version or new.snmp_user or new.community or new.auth_key or new.priv_key:
        raise _FieldError(f"Parameter snmpversion: a {new.type} destination has no SNMP settings.")
    return new


def _find_dest(call: Call) -> AlarmDestination:
    slot = _int(call, "slot", lo=1, hi=64)
    d = next((d for d in call.emulator.state.alarm_destinations
              if d.type == call.arg("type") and d.slot == slot), None)
    if d is None:
        raise _Missing(f"No {call.arg('type')} destination in slot {slot}.")
    return d


class _Missing(Exception):
    pass


@verb("alarmconfighandler", "adddest")
@_guard
async def alarm_adddest(call: Call) -> web.StreamResponse:
    st = call.emulator.state
    kind = call.arg("type")
    if kind not in ALARM_DEST_SLOTS:
        raise _FieldError("Parameter type must be snmp_trap, syslog or email.")
    used = {d.slot for d in st.alarm_destinations if d.type == kind}
    free = next((n for n in range(1, ALARM_DEST_SLOTS[kind] + 1) if n not in used), None)
    if free is None:
        return _bad(f"All {ALARM_DEST_SLOTS[kind]} {kind} destinations are in use.", 12)
    if any(d.type == kind and d.address == call.arg("address") for d in st.alarm_destinations):
        return _bad(f"A {kind} destination {call.arg('address')!r} exists already.", 6)
    if "port" not in call.form:
        raise _FieldError("Parameter port is required.")
    d = _dest_fields(call, AlarmDestination(type=kind, slot=free, address="", port=1))
    st.alarm_destinations.append(d)
    call.emulator.changed()
    return xml_result(extra=[xml_el("slot", free)])


async def _change_dest(call: Call, *, delete: bool) -> web.StreamResponse:
    st = call.emulator.state
    try:
        d = _find_dest(call)
    except _Missing as exc:
        return _bad(str(exc), 5)
    if delete:
        st.alarm_destinations.remove(d)
    else:
        new = _dest_fields(call, d)
        if any(o is not d and o.type == new.type and o.address == new.address for o in st.alarm_destinations):
            return _bad(f"A {new.type} destination {new.address!r} exists already.", 6)
        st.alarm_destinations[st.alarm_destinations.index(d)] = new
    call.emulator.changed()
    return xml_result()


@verb("alarmconfighandler", "modifydest")
@_guard
async def alarm_modifydest(call: Call) -> web.StreamResponse:
    """[INF] ``type`` + ``slot`` name the destination; an absent field keeps its value."""
    return await _change_dest(call, delete=False)


@verb("alarmconfighandler", "deldest")
@_guard
async def alarm_deldest(call: Call) -> web.StreamResponse:
    return await _change_dest(call, delete=True)
