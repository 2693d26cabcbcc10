"""``vessel_switch_port``: layer-2 settings of one physical CX310 port."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Request, Response, Schema, regex, requires_replace
from tfprovider.vessel.resources._base import chassis_identity
from tfprovider.vessel.resources._switch import (
    L2Resource,
    diagnose,
    id_attr,
    l2_attrs,
    l2_values,
    port_state,
    report_failure,
    switch_attr,
)
from vessel_core.chassis.switching import PORT_RE, Change, PortState

PORT_HELP = ("a CX310 port name: 10GE<slot>/<blade 1-16>/<1|2>, 10GE<slot>/17/<1-16>, 40GE<slot>/18/1 "
             "or GE<slot>/19/<1|2>")


class SwitchPort(L2Resource):
    type_name = "vessel_switch_port"
    schema = Schema(
        {
            "id": id_attr(),
            "switch": switch_attr(),
            "port": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                              validators=[regex(PORT_RE.pattern.strip("^$"), f"must be {PORT_HELP}")],
                              description="Port name as the switch spells it, e.g. `10GE2/17/1`."),
            **l2_attrs("port"),
            "enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                 description="false shuts the port down (default true)."),
        },
        description="Link type, VLANs, description and admin state of a CX310 port. Destroying the "
                    "resource returns the port to its defaults (access, VLAN 1, no description, enabled).",
    )



    identity = chassis_identity(switch=cty.String, port=cty.String)

    def claims(self, plan: dict) -> list[tuple[str, Any, str]]:
        return [("port", plan["port"], "port")] if cty.is_known(plan.get("port")) else []

    def describe(self, plan: dict) -> str:
        return f'vessel_switch_port (port = "{plan.get("port")}")'

    async def check_plan(self, req: Request, resp: Response) -> None:
        plan = resp.state
        if self.provider_data is None or not cty.is_known(plan.get("switch")) or not cty.is_known(plan.get("port")):
            return
        view = await self._switch(plan).view()
        port = plan["port"]
        if port not in view.ports:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("port"), "Unknown Switch Port",
                f"switch {plan['switch']} has no port {port!r} (it has {len(view.ports)} ports, "
                f"e.g. {', '.join(sorted(view.ports)[:3])}).")
        elif (lag := view.lag_of(port)) is not None:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("port"), "Port Belongs To A LAG",
                f"{port} is a member of Eth-Trunk{lag} on switch {plan['switch']}; its VLANs are set on "
                "the vessel_lag, not on the member port.")

    async def _put(self, req: Request, resp: Response, op: str, want_obj: dict | None) -> None:
        obj = req.plan if want_obj is not None else req.state
        want = None if want_obj is None else port_state(want_obj, enabled=bool(want_obj.get("enabled", True)))
        try:
            result = await self._switch(obj).apply(Change("port", obj["port"], want), op)
        except Exception as exc:  # noqa: BLE001
            if want_obj is None:
                diagnose(resp.diagnostics, f"port {obj['port']} on {obj['switch']} not reset", exc)
            else:
                report_failure(resp, f"port {obj['port']} on {obj['switch']} not changed", exc, obj, _values)
            return
        resp.private["snapshot_id"] = result.snapshot_id
        if want_obj is not None:
            resp.state = {**req.plan, "id": f"{obj['switch']}/{obj['port']}"}

    async def create(self, req: Request, resp: Response) -> None:
        await self._put(req, resp, "port.update", req.plan)

    async def update(self, req: Request, resp: Response) -> None:
        await self._put(req, resp, "port.update", req.plan)

    async def delete(self, req: Request, resp: Response) -> None:
        await self._put(req, resp, "port.reset", None)

    async def read(self, req: Request, resp: Response) -> None:
        st = req.state
        view = await self._switch(st).view()
        p = view.ports.get(st["port"])
        if p is None:
            resp.state = None
            return
        resp.state = _values(st, p)

    async def import_state(self, req: Request, resp: Response) -> None:
        switch, _, port = req.id.partition("/")
        if not switch or not port:
            resp.diagnostics.add_error("Unexpected Import Identifier",
                                       f'Expected "<switch>/<port>" such as "2X/10GE2/17/1", got: "{req.id}"')
            return
        resp.state = {**self.schema.null_value(), "switch": switch, "port": port}


def _values(base: dict, p: PortState) -> dict:
    p = p.normal()
    return {**base, "id": f"{base['switch']}/{base['port']}", **l2_values(p), "enabled": p.enabled}


RESOURCES = [SwitchPort]
