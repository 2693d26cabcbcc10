"""``vessel_alarms`` and ``vessel_network_info``: read-only views of Alarm Monitoring and of
easyLink Network Info, each one batch of HMM reads made concurrently."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, DataSource, Request, Response, Schema, int_range, one_of, regex
from tfprovider.vessel.resources._base import diagnose, session_of

SEVERITY = {0: "normal", 1: "minor", 2: "major", 3: "critical"}  # levels per the sheet (1 and 0 [INF])
RANK = {name: level for level, name in SEVERITY.items()}
SEL_TIME = "%a %b %d %H:%M:%S %Y"
ALARM = cty.Object({"severity": cty.String, "source": cty.String, "sensor": cty.String, "time": cty.String,
                    "description": cty.String, "event_code": cty.String})
SEL = cty.Object({"severity": cty.String, "source": cty.String, "sensor": cty.String, "time": cty.String,
                  "description": cty.String, "asserted": cty.Bool})


def rfc3339(text: str | None) -> str:
    """The HMM's "Wed Mar 11 06:42:52 2026" as RFC 3339 [INF: the HMM's clock is taken as UTC]."""
    try:
        return datetime.strptime(text or "", SEL_TIME).replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return text or ""


def _since(text: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


class Alarms(DataSource):
    type_name = "vessel_alarms"
    schema = Schema(
        {
            "sel_source": Attribute(cty.String, optional=True,
                                    validators=[regex(r"^(smm|othersmm|Slot([1-9]|[12]\d|3[0-2])|Swi[1-4])$",
                                                      'must be "smm", "othersmm", "Slot<N>" or "Swi<N>"')],
                                    description='Whose system event log to read: "smm" (the active MM, default), '
                                                '"othersmm", "Slot<N>" or "Swi<N>".'),
            "sel_min_severity": Attribute(cty.String, optional=True, validators=[one_of(*RANK)],
                                          description='Only SEL entries of this severity or worse: "critical", '
                                                      '"major", "minor" or "normal" (default: all).'),
            "sel_since": Attribute(cty.String, optional=True,
                                   description='Only SEL entries at or after this RFC 3339 time, "2026-03-11T00:00:00Z".'),
            "sel_limit": Attribute(cty.Number, optional=True, validators=[int_range(1, 5000)],
                                   description="Read at most this many newest SEL entries (default 200)."),
            "alarms": Attribute(cty.List(ALARM), computed=True,
                                description="Active alarms of the whole chassis: `severity`, `source`, `sensor`, `time` "
                                            "(RFC 3339), `description`, `event_code`."),
            "critical": Attribute(cty.Number, computed=True, description="Number of active critical alarms."),
            "major": Attribute(cty.Number, computed=True, description="Number of active major alarms."),
            "minor": Attribute(cty.Number, computed=True, description="Number of active minor alarms."),
            "sel": Attribute(cty.List(SEL), computed=True,
                             description="The filtered SEL entries, newest first: `severity`, `source`, `sensor`, "
                                         "`time`, `description`, `asserted`."),
        },
        description="The chassis' active alarms and one component's system event log (filtered by severity and "
                    "time), read together in one batch.",
    )

    def validate_config(self, config: Any, diags: Any) -> None:
        since = (config or {}).get("sel_since")
        if isinstance(since, str) and _since(since) is None:
            diags.add_attribute_error(AttributePath().attr("sel_since"), "Invalid Attribute Value",
                                      f"sel_since: {since!r} is not an RFC 3339 time (2026-03-11T00:00:00Z).")

    async def read(self, req: Request, resp: Response) -> None:
        cfg = req.config or {}
        alarms = session_of(self.provider_data).chassis.alarms
        try:
            active, entries = await asyncio.gather(
                alarms.list(), alarms.sel(cfg.get("sel_source") or "smm", limit=int(cfg.get("sel_limit") or 200)))
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, "Alarms not read", exc, schema=self.schema)
            return
        floor = RANK.get(cfg.get("sel_min_severity") or "normal", 0)
        since = _since(cfg["sel_since"]) if cfg.get("sel_since") else None
        sel = []
        for e in entries:
            when = rfc3339(e.datetime)
            if (e.level or 0) < floor or (since is not None and (_since(when) or since) < since):
                continue
            sel.append({"severity": SEVERITY.get(e.level or 0, str(e.level)), "source": e.source or "",
                        "sensor": e.sensorname or "", "time": when, "description": e.eventdesp or "",
                        "asserted": e.asserted})
        resp.state = {**cfg, "critical": active.critical, "major": active.major, "minor": active.minor, "sel": sel,
                      "alarms": [{"severity": SEVERITY.get(a.level or 0, str(a.level)), "source": a.source or "",
                                  "sensor": a.sensorname or "", "time": rfc3339(a.datetime),
                                  "description": a.eventdesp or "", "event_code": a.eventcode or ""}
                                 for a in active.alarms if a.active]}


IFACE = cty.Object({"name": cty.String, "ip": cty.String, "mask": cty.String, "gateway": cty.String})
SWITCH = cty.Object({"name": cty.String, "label": cty.String, "model": cty.String, "vrp": cty.String,
                     "vlans": cty.List(cty.Number)})
MEZZ = cty.Object({"slot": cty.Number, "position": cty.Number, "name": cty.String, "type": cty.String,
                   "ports": cty.Number, "macs": cty.List(cty.String)})


class NetworkInfo(DataSource):
    type_name = "vessel_network_info"
    schema = Schema(
        {
            "switches": Attribute(cty.List(SWITCH), computed=True,
                                  description="easyLink overview: each switch module's `name`, `label`, `model`, `vrp` "
                                              "and its `vlans`."),
            "ethernet": Attribute(cty.List(IFACE), computed=True,
                                  description="The active MM's Ethernet interfaces (`name`, `ip`, `mask`, `gateway`)."),
            "fc": Attribute(cty.List(IFACE), computed=True, description="The FC table (empty on an Ethernet-only chassis)."),
            "mgmt": Attribute(cty.List(IFACE), computed=True,
                              description="The management addresses table (floating and the MMs' static addresses)."),
            "mezz": Attribute(cty.List(MEZZ), computed=True,
                              description="Every present blade's mezzanine cards: `slot`, `position`, `name`, `type`, "
                                          "`ports` and the port `macs` (the MAC table)."),
        },
        description="easyLink Network Info: the overview, the Ethernet / FC / management tables and the mezzanine "
                    "cards (with their MACs) of every present blade, read together in one batch.",
    )

    async def read(self, req: Request, resp: Response) -> None:
        ch = session_of(self.provider_data).chassis
        info = ch.network_info
        try:
            overview, eth, fc, mgmt, mezz = await asyncio.gather(
                info.overview(), info.interfaces("eth"), info.interfaces("fc"), info.interfaces("mgmt"), info.macs())
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, "Network info not read", exc, schema=self.schema)
            return

        def rows(items: list[Any]) -> list[dict[str, Any]]:
            return [i.model_dump() for i in items]

        resp.state = {**(req.config or {}), "ethernet": rows(eth), "fc": rows(fc), "mgmt": rows(mgmt),
                      "mezz": rows(mezz), "switches": rows(overview.switches)}


DATA_SOURCES = [Alarms, NetworkInfo]
