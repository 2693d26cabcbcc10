"""``vessel_blades`` and ``vessel_mac_pool_usage``: read-only views of the compute nodes and of
the MAC pools' allocations, one HMM request each whatever the number of blades."""
from __future__ import annotations

from tfprovider import cty
from tfprovider.framework import Attribute, DataSource, Request, Response, Schema
from tfprovider.vessel.resources._base import session_of

SLOTS = range(1, 17)
BLADE = cty.Object({"slot": cty.Number, "present": cty.Bool, "model": cty.String, "serial_number": cty.String,
                    "power_state": cty.String, "health": cty.String, "profile": cty.String,
                    "macs": cty.List(cty.String), "uuid": cty.String})
USAGE = cty.Object({"mac": cty.String, "pool": cty.String, "slot": cty.Number})


class Blades(DataSource):
    type_name = "vessel_blades"
    schema = Schema(
        {
            "blades": Attribute(cty.List(BLADE), computed=True,
                                description="Every slot 1-16 in order: `present`, and for a present blade its `model`, "
                                            '`serial_number`, `power_state` ("on"/"off"), `health`, bound `profile` '
                                            "(null: none), the `macs` and `uuid` it presents."),
            "present_slots": Attribute(cty.List(cty.Number), computed=True, description="Slots that hold a blade."),
        },
        description="Every blade slot of the chassis from the HMM's node list (one request for all of them).",
    )

    async def read(self, req: Request, resp: Response) -> None:
        nodes = {n.slot: n for n in await session_of(self.provider_data).chassis.stateless.nodes()}
        out = []
        for slot in SLOTS:
            n = nodes.get(slot)
            out.append({"slot": slot, "present": n is not None, "model": n.model if n else None,
                        "serial_number": n.serial_number if n else None,
                        "power_state": None if n is None or n.powered_on is None else "on" if n.powered_on else "off",
                        "health": n.health if n else None, "profile": n.profile if n else None,
                        "macs": n.macs if n else [], "uuid": n.uuid if n else None})
        resp.state = {**(req.config or {}), "blades": out, "present_slots": sorted(nodes)}


class MacPoolUsage(DataSource):
    type_name = "vessel_mac_pool_usage"
    schema = Schema(
        {
            "pool": Attribute(cty.String, optional=True, description="Only this pool (null: every pool)."),
            "allocations": Attribute(cty.List(USAGE), computed=True,
                                     description="Every MAC given to a blade: `mac`, the `pool` it came from, the `slot`."),
        },
        description="Which pool MAC each blade holds (one HMM request).",
    )

    async def read(self, req: Request, resp: Response) -> None:
        only = (req.config or {}).get("pool")
        pools = await session_of(self.provider_data).chassis.stateless.mac_pools.list()
        out = [{"mac": mac, "pool": p.name, "slot": slot}
               for p in pools if only in (None, p.name)
               for slot, macs in sorted(p.allocations.items()) for mac in macs]
        resp.state = {**(req.config or {}), "allocations": out}


DATA_SOURCES = [Blades, MacPoolUsage]
