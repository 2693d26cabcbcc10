"""``vessel_lag``: an Eth-Trunk (link aggregation group) on a CX310 switch module."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    Attribute,
    Request,
    Response,
    Schema,
    composite_id,
    int_range,
    one_of,
    requires_replace,
)
from tfprovider.vessel.resources._base import chassis_identity
from tfprovider.vessel.resources._switch import (
    L2Resource,
    diagnose,
    id_attr,
    is_port_name,
    l2_attrs,
    l2_values,
    port_state,
    report_failure,
    switch_attr,
)
from vessel_core.chassis.switching import LAG_MODES, Change, LagState


def _member_names(values) -> str | None:  # noqa: ANN001
    bad = [v for v in values if not is_port_name(v)]
    if bad:
        return f"not CX310 port names: {', '.join(repr(b) for b in bad)}"
    return None



class Lag(L2Resource):
    type_name = "vessel_lag"
    schema = Schema(
        {
            "id": id_attr(),
            "switch": switch_attr(),
            "lag_id": Attribute(cty.Number, required=True, plan_modifiers=[requires_replace()],
                                validators=[int_range(0, 127)],
                                description="Eth-Trunk number, 0-127 (`interface Eth-Trunk <lag_id>`)."),
            "mode": Attribute(cty.String, optional=True, computed=True, default="manual",
                              validators=[one_of(*LAG_MODES)],
                              description="manual (static load balancing) or lacp (default manual)."),
            "members": Attribute(cty.Set(cty.String), optional=True, computed=True, default=[],
                                 validators=[_member_names],
                                 description="Member ports; each must keep its factory settings and belong to "
                                             "no other LAG."),
            **l2_attrs("Eth-Trunk"),
        },
        description="An Eth-Trunk with its members and VLAN settings (snapshot, watchdog and audit on every change).",
    )
    import_id = composite_id("switch", "lag_id")
    identity = chassis_identity(switch=cty.String, lag_id=cty.Number)



    def claims(self, plan: dict) -> list[tuple[str, Any, str]]:
        out: list[tuple[str, Any, str]] = []
        if cty.is_known(plan.get("lag_id")):
            out.append(("Eth-Trunk", int(plan["lag_id"]), "lag_id"))
        if cty.is_wholly_known(plan.get("members")):
            out += [("port", m, "members") for m in sorted(plan.get("members") or [])]
        return out

    def describe(self, plan: dict) -> str:
        return f"vessel_lag (lag_id = {plan.get('lag_id')})"

    async def check_plan(self, req: Request, resp: Response) -> None:
        plan = resp.state
        if self.provider_data is None or not all(cty.is_wholly_known(plan.get(k)) for k in ("switch", "lag_id", "members")):
            return
        view = await self._switch(plan).view()
        lag_id = int(plan["lag_id"])
        path = AttributePath().attr("members")
        for m in sorted(plan["members"] or []):
            if m not in view.ports:
                resp.diagnostics.add_attribute_error(
                    path, "Unknown Switch Port", f"switch {plan['switch']} has no port {m!r}.")
            elif (other := view.lag_of(m)) not in (None, lag_id):
                resp.diagnostics.add_attribute_error(
                    path, "Port Already In Another LAG",
                    f"{m} is already a member of Eth-Trunk{other} on switch {plan['switch']}; remove it there first.")

    def _want(self, obj: dict) -> LagState:
        return LagState(int(obj["lag_id"]), obj.get("mode") or "manual", frozenset(obj.get("members") or []),
                        port_state(obj))

    async def _apply(self, obj: dict, want: LagState | None, resp: Response, op: str) -> bool:
        try:
            result = await self._switch(obj).apply(Change("lag", int(obj["lag_id"]), want), op)
        except Exception as exc:  # noqa: BLE001
            summary = f"Eth-Trunk{int(obj['lag_id'])} on {obj['switch']} not changed"
            if want is None:
                diagnose(resp.diagnostics, summary, exc)
            else:
                report_failure(resp, summary, exc, obj, _values)
            return False
        resp.private["snapshot_id"] = result.snapshot_id
        return True

    async def create(self, req: Request, resp: Response) -> None:
        if await self._apply(req.plan, self._want(req.plan), resp, "lag.create"):
            resp.state = {**req.plan, "id": f"{req.plan['switch']}/{int(req.plan['lag_id'])}"}

    async def update(self, req: Request, resp: Response) -> None:
        if await self._apply(req.plan, self._want(req.plan), resp, "lag.update"):
            resp.state = {**req.plan, "id": f"{req.plan['switch']}/{int(req.plan['lag_id'])}"}

    async def delete(self, req: Request, resp: Response) -> None:
        await self._apply(req.state, None, resp, "lag.delete")

    async def read(self, req: Request, resp: Response) -> None:
        st = req.state
        lag = await self._switch(st).get("lag", int(st["lag_id"]))
        if lag is None:
            resp.state = None
            return
        resp.state = _values(st, lag)


def _values(base: dict, lag: LagState) -> dict:
    return {**base, "id": f"{base['switch']}/{lag.lag_id}", "mode": lag.mode, "members": sorted(lag.members),
            **l2_values(lag.l2.normal())}


RESOURCES = [Lag]
