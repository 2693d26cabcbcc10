"""``vessel_firmware_inventory``: every flashable component of the chassis and its version."""
from __future__ import annotations

from tfprovider import cty
from tfprovider.framework import Attribute, DataSource, Request, Response, Schema, one_of
from tfprovider.vessel.resources._base import session_of

COMPONENT = cty.Object({"id": cty.String, "component": cty.String, "target": cty.String, "version": cty.String,
                        "backup_version": cty.String, "details": cty.Map(cty.String)})


class FirmwareInventory(DataSource):
    type_name = "vessel_firmware_inventory"
    schema = Schema(
        {
            "component": Attribute(cty.String, optional=True,
                                   validators=[one_of("hmm", "switch", "ibmc", "bios", "cpld")],
                                   description="Only this component class (null: every one)."),
            "active_hmm": Attribute(cty.String, computed=True, description='"HMM1" or "HMM2".'),
            "components": Attribute(cty.List(COMPONENT), computed=True,
                                    description='Each component: `id` ("Slot3/ibmc"), `component`, `target`, '
                                                "`version` (no chip prefix), `backup_version` (an iBMC's backup "
                                                "image, else null), `details` (an HMM's U-Boot, CPLD, FPGA)."),
        },
        description="Firmware versions of both HMMs, each CX310, and each blade's iBMC (active and backup image), "
                    "BIOS and CPLD.",
    )

    async def read(self, req: Request, resp: Response) -> None:
        from vessel_core.firmware.inventory import read_inventory

        only = (req.config or {}).get("component")
        inv = await read_inventory(session_of(self.provider_data).chassis)
        resp.state = {**(req.config or {}), "active_hmm": inv.active_hmm,
                      "components": [{"id": c.id, "component": c.kind, "target": c.target, "version": c.version,
                                      "backup_version": c.backup, "details": dict(c.details)}
                                     for c in inv.components if only in (None, c.kind)]}


DATA_SOURCES = [FirmwareInventory]
