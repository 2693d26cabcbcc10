"""``vessel_vlan``: one VLAN on a CX310 switch module."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Request, Response, Schema, composite_id, length, regex, requires_replace
from tfprovider.vessel.resources._base import chassis_identity
from tfprovider.vessel.resources._switch import (
    VLAN_ID,
    SwitchResource,
    _description,
    diagnose,
    id_attr,
    report_failure,
    switch_attr,
)
from vessel_core.chassis.switching import Change, VlanState


class Vlan(SwitchResource):
    type_name = "vessel_vlan"
    schema = Schema(
        {
            "id": id_attr(),
            "switch": switch_attr(),
            "vlan_id": Attribute(cty.Number, required=True, plan_modifiers=[requires_replace()], **VLAN_ID,
                                 description="VLAN ID, 1-4094. Changing it replaces the VLAN."),
            "name": Attribute(cty.String, optional=True, computed=True,
                              validators=[length(1, 31), regex(r"[\x21-\x7e][\x20-\x7e]*",
                                                              "must be printable ASCII without a leading space "
                                                              "(no newline, no tab)")],
                              description="VLAN name (VRP `name`, up to 31 characters). Left alone when null."),
            "description": Attribute(cty.String, optional=True, validators=[_description],
                                     description="VLAN description (null: none)."),
        },
        description="A VLAN on a CX310 switch module (snapshot, watchdog and audit on every change).",
    )
    import_id = composite_id("switch", "vlan_id")
    identity = chassis_identity(switch=cty.String, vlan_id=cty.Number)

    def claims(self, plan: dict) -> list[tuple[str, Any, str]]:
        return [("vlan", int(plan["vlan_id"]), "vlan_id")] if cty.is_known(plan.get("vlan_id")) else []

    def describe(self, plan: dict) -> str:
        name = plan.get("name")
        return f'vessel_vlan (vlan_id = {plan.get("vlan_id")}' + (f', name = "{name}")' if cty.is_known(name) and name
                                                                 else ")")


    async def _put(self, req: Request, resp: Response, op: str) -> None:
        plan = req.plan
        want = VlanState(int(plan["vlan_id"]), plan.get("name") if cty.is_known(plan.get("name")) else None,
                         plan.get("description"))
        try:
            result = await self._switch(plan).apply(Change("vlan", want.vid, want), op)
        except Exception as exc:  # noqa: BLE001 - reported as a diagnostic with what the switch shows
            report_failure(resp, f"VLAN {want.vid} on {plan['switch']} not changed", exc, plan, _values)
            return
        resp.state = {**plan, "id": f"{plan['switch']}/{want.vid}",
                      "name": plan.get("name") if cty.is_known(plan.get("name")) else result.after.name}
        resp.private["snapshot_id"] = result.snapshot_id

    async def create(self, req: Request, resp: Response) -> None:
        await self._put(req, resp, "vlan.create")

    async def update(self, req: Request, resp: Response) -> None:
        await self._put(req, resp, "vlan.update")

    async def read(self, req: Request, resp: Response) -> None:
        st = req.state
        v = await self._switch(st).get("vlan", int(st["vlan_id"]))
        if v is None:
            resp.state = None
            return
        resp.state = _values(st, v)

    async def delete(self, req: Request, resp: Response) -> None:
        st = req.state
        vid = int(st["vlan_id"])
        try:
            result = await self._switch(st).apply(Change("vlan", vid, None), "vlan.delete")
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"VLAN {vid} on {st['switch']} not deleted", exc)
            return
        resp.private["snapshot_id"] = result.snapshot_id


def _values(base: dict, v: VlanState) -> dict:
    return {**base, "id": f"{base['switch']}/{v.vid}", "name": v.name, "description": v.description}


RESOURCES = [Vlan]
