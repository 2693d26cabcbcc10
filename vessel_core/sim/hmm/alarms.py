"""HMM web API, Alarm Monitoring: active alarms and the system event logs (``selhandler``,
``historyselhandler``)."""
from __future__ import annotations

from datetime import datetime

from aiohttp import web

from vessel_core.sim.hmm._common import OK, SLOT_RE, SWI_RE, Call, _absent, _guard, _page, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_response, xml_result
from vessel_core.sim.state import LEVEL_NAMES, SelEntry


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
