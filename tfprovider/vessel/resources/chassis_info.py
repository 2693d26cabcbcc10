"""``vessel_chassis`` data source: the whole chassis at a glance, from one batch of HMM reads."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, DataSource, Request, Response, Schema
from tfprovider.vessel.resources._base import session_of

MODULE = cty.Object({"name": cty.String, "present": cty.Bool, "version": cty.String,
                     "versions": cty.Map(cty.String)})
PSU = cty.Object({"name": cty.String, "present": cty.Bool, "health": cty.String, "rated_w": cty.Number,
                  "output_w": cty.Number})
FAN = cty.Object({"name": cty.String, "present": cty.Bool, "health": cty.String, "speed_rpm": cty.Number})
TEMPERATURE = cty.Object({"name": cty.String, "reading_c": cty.Number, "upper_critical_c": cty.Number,
                          "health": cty.String})
METER = cty.Object({"consumed_w": cty.Number, "peak_w": cty.Number})


def _module(m: Any) -> dict[str, Any]:
    return {"name": m.name, "present": m.present, "version": m.version, "versions": dict(m.versions)}


class Chassis(DataSource):
    type_name = "vessel_chassis"
    schema = Schema(
        {
            "model": Attribute(cty.String, computed=True, description='Enclosure model ("E9000").'),
            "serial_number": Attribute(cty.String, computed=True,
                                       description="Enclosure serial number (null without HMM Redfish: the web API "
                                                   "has no verb for it)."),
            "health": Attribute(cty.String, computed=True,
                                description='Enclosure health ("OK", "Warning", "Critical"; null when the HMM '
                                            "does not say: no HMM Redfish)."),
            "asset_tag": Attribute(cty.String, computed=True, description="Asset tag (see `vessel_chassis_settings`)."),
            "hmm_active": Attribute(MODULE, computed=True,
                                    description='The active management module: `name` ("HMM1"/"HMM2"; null when only '
                                                "the web API answers), `present`, software `version` and every "
                                                "`versions` key (\"Uboot Version\", \"CPLD Version\", ...)."),
            "hmm_standby": Attribute(MODULE, computed=True, description="The standby management module, likewise."),
            "switch_modules": Attribute(cty.List(MODULE), computed=True,
                                        description="Swi1..Swi4 in order: `present`, software `version`, `versions`."),
            "power_supplies": Attribute(cty.List(PSU), computed=True,
                                        description="Every PSU: `present`, `health`, `rated_w`, `output_w`."),
            "fans": Attribute(cty.List(FAN), computed=True, description="Every fan: `present`, `health`, `speed_rpm`."),
            "temperatures": Attribute(cty.List(TEMPERATURE), computed=True,
                                      description="Chassis temperature sensors: `reading_c`, `upper_critical_c`, `health`."),
            "power_meter": Attribute(METER, computed=True,
                                     description="Chassis input power now (`consumed_w`) and its peak (`peak_w`; null "
                                                 "over HMM Redfish)."),
        },
        description="The chassis at a glance: identity, management modules and their versions, switch modules, "
                    "PSUs and fans with their health, temperatures and the power meter. Read in one concurrent "
                    "batch of HMM requests (HMM Redfish where offered, else the web API).",
    )

    async def read(self, req: Request, resp: Response) -> None:
        o = await session_of(self.provider_data).chassis.basic.overview()
        resp.state = {
            **(req.config or {}), "model": o.model, "serial_number": o.serial_number, "health": o.health,
            "asset_tag": o.asset_tag, "hmm_active": _module(o.hmm_active), "hmm_standby": _module(o.hmm_standby),
            "switch_modules": [_module(s) for s in o.switches],
            "power_supplies": [{"name": p.name, "present": p.present, "health": p.health, "rated_w": p.rated_w,
                                "output_w": p.output_w} for p in o.power.supplies],
            "fans": [{"name": f.name, "present": f.present, "health": f.health, "speed_rpm": f.speed_rpm}
                     for f in o.fans],
            "temperatures": [t.model_dump() for t in o.temperatures],
            "power_meter": {"consumed_w": o.power.consumed_w, "peak_w": o.power.peak_w},
        }


DATA_SOURCES = [Chassis]
