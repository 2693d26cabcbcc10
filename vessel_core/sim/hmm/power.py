"""HMM web API, PSUs & Fans → Power Meter / Capping (``powerhandler``)."""
from __future__ import annotations

from aiohttp import web

from vessel_core.sim.hmm._common import Call, _FieldError, _guard, _int, verb
from vessel_core.sim.httpcommon import xml_fields, xml_result


@verb("powerhandler", "getpowercapping")
async def power_getcapping(call: Call) -> web.StreamResponse:
    """[INF]"""
    pc = call.emulator.state.power_capping
    priorities = ",".join(f"{n}:{pc.slot_priority.get(str(n), 'medium')}" for n in range(1, 17))
    return xml_result(extra=xml_fields({"enabled": pc.enabled, "limit": pc.limit_w,
                                        "failaction": pc.failure_action,
                                        "hibernate": pc.hibernate_enabled, "priorities": priorities}))


PRIORITIES = ("high", "medium", "low")


def _priorities(call: Call) -> dict[str, str]:
    """[INF] ``priorities``: ``<slot>:<high|medium|low>`` comma-separated; an unlisted slot is medium."""
    out: dict[str, str] = {}
    for tok in filter(None, call.arg("priorities").split(",")):
        slot, _, prio = tok.partition(":")
        if not slot.isdigit() or not 1 <= int(slot) <= 16:
            raise _FieldError(f"Parameter priorities: slot {slot!r} is not 1..16.")
        if prio not in PRIORITIES:
            raise _FieldError(f"Parameter priorities: {prio!r} is not high, medium or low.")
        if prio != "medium":
            out[str(int(slot))] = prio
    return out


@verb("powerhandler", "setpowercapping")
@_guard
async def power_setcapping(call: Call) -> web.StreamResponse:
    """[INF] enabled (0/1), limit (1000..30000 W), failaction (none/poweroff), hibernate (0/1),
    priorities (see :func:`_priorities`; replaces every slot's priority)."""
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
    if "priorities" in call.form:
        pc.slot_priority = _priorities(call)  # type: ignore[assignment]
    call.emulator.state.power_capping = pc
    call.emulator.changed()
    return xml_result()


@verb("powerhandler", "getpowermeter")
async def power_getmeter(call: Call) -> web.StreamResponse:
    """[INF] current chassis input power."""
    total = sum(p.output_w for p in call.emulator.state.psus.values())
    return xml_result(extra=xml_fields({"power": total, "peak": int(total * 1.2)}))


@verb("powerhandler", "gethibernate")
async def power_gethibernate(call: Call) -> web.StreamResponse:
    """[INF] PSUs & Fans → Hibernation: ``enabled`` (0/1) and ``mode`` (N+1 / N+N)."""
    pc = call.emulator.state.power_capping
    return xml_result(extra=xml_fields({"enabled": pc.hibernate_enabled, "mode": pc.hibernate_mode}))


@verb("powerhandler", "sethibernate")
@_guard
async def power_sethibernate(call: Call) -> web.StreamResponse:
    """[INF] ``enabled`` (0/1), ``mode`` (N+1 / N+N)."""
    pc = call.emulator.state.power_capping.model_copy()
    if "enabled" in call.form:
        pc.hibernate_enabled = bool(_int(call, "enabled", lo=0, hi=1))
    if "mode" in call.form:
        if call.arg("mode") not in ("N+1", "N+N"):
            raise _FieldError("Parameter mode must be N+1 or N+N.")
        pc.hibernate_mode = call.arg("mode")  # type: ignore[assignment]
    call.emulator.state.power_capping = pc
    call.emulator.changed()
    return xml_result()
