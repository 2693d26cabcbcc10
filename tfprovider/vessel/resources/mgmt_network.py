"""``vessel_mgmt_network``: one management address of the chassis (Network Settings → MMs /
Blades / Switch Modules): an MM's static address, the floating address, a blade iBMC's or a
switch module's external address.

One resource per target, keyed by ``target``: each target is its own setting of the HMM (one
row of its table, written by one verb call, verified and restored on its own), so a plan that
changes Slot3 never rewrites Slot4, two resources claiming one target are refused at plan, and
the lock-out guard concerns only the target the provider's ``endpoint`` points at.

**Lock-out guard.** Changing the address the provider is connected to (the floating address,
or the MM static address the ``endpoint`` names) is refused at plan unless
``confirm_new_endpoint`` names the new address. When allowed, the apply follows the HMM to the
new address and reads the setting back there until the watchdog deadline; when the HMM does not
answer there, the old address is written back through another of its addresses (audit outcome
``rollback``). After a successful move, point the provider's ``endpoint`` at the new address.
"""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, regex, requires_replace, use_state_for_unknown
from tfprovider.vessel.resources._base import (
    SettingResource,
    chassis_identity,
    claimed_twice,
    diagnose,
    report_change_failure,
    sdk_model,
    session_of,
)

TARGET = r"^(HMM1|HMM2|float|Slot([1-9]|1[0-6])|Swi[1-4])$"


class MgmtNetwork(SettingResource):
    type_name = "vessel_mgmt_network"
    model = sdk_model("MgmtNetwork")
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description="The target; also the import ID."),
            "target": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                                validators=[regex(TARGET, 'must be "HMM1", "HMM2", "float", "Slot<1-16>" or "Swi<1-4>"')],
                                description='Whose address: "HMM1" / "HMM2" (an MM\'s static address), "float" (the '
                                            'floating address of the active MM), "Slot<N>" (the blade\'s iBMC external '
                                            'address) or "Swi<N>" (the switch module\'s management port).'),
            "ip": Attribute(cty.String, required=True,
                            validators=[regex(r".+", "must not be empty (destroy the resource to remove an external "
                                                    "address)")],
                            description="IPv4 address."),
            "mask": Attribute(cty.String, optional=True, computed=True, default="255.255.255.0",
                              description='IPv4 network mask (default "255.255.255.0").'),
            "gateway": Attribute(cty.String, optional=True, computed=True, default="",
                                 description='IPv4 default gateway, inside the subnet of ip/mask ("": none).'),
            "ipv6_address": Attribute(cty.String, optional=True, computed=True, default="",
                                      description='IPv6 address with its prefix length, "2001:db8::30/64" (MMs and '
                                                  'float only; "": none).'),
            "ipv6_gateway": Attribute(cty.String, optional=True, computed=True, default="",
                                      description='IPv6 gateway inside that prefix ("": none).'),
            "confirm_new_endpoint": Attribute(cty.String, optional=True,
                                              description="Required to change the address the provider's `endpoint` "
                                                          "points at: the new address, written once more here. Not "
                                                          "sent to the chassis."),
        },
        description="A management address of the chassis: an MM's static address (`HMM1`, `HMM2`), the floating "
                    "address (`float`), a blade iBMC's (`Slot<N>`) or a switch module's (`Swi<N>`) external address. "
                    "Changing the address the provider is connected to is refused at plan unless "
                    "`confirm_new_endpoint` names the new address; then the apply must reach the HMM at the new "
                    "address within the watchdog deadline, else the old address is restored. Destroying the resource "
                    "removes a blade's or switch module's external address and leaves an MM's address as it is.",
    )

    identity = chassis_identity(target=cty.String)

    def identity_keys(self, state: Any) -> dict[str, Any]:
        return dict(state)  # one per target, not the singleton's "hmm"

    def bind(self, session: Any) -> Any:  # pragma: no cover - per target, see _target
        raise NotImplementedError

    def _target(self, name: str) -> Any:
        return session_of(self.provider_data).chassis.network.target(name)

    def _state(self, base: dict[str, Any], value: Any) -> dict[str, Any]:
        shown = value.model_dump(mode="json", exclude={"mode"})
        return {**base, **shown, "id": value.target}

    async def modify_plan(self, req: Any, resp: Any) -> None:
        plan = resp.state
        if self.provider_data is None or plan is None or not cty.is_known(plan.get("target")):
            return
        target = plan["target"]
        plan["id"] = target
        if claimed_twice(self, req, resp, self.type_name, target, attribute="target", summary="Address Managed Twice",
                         detail=lambda owners: f"target = {target!r}: {len(owners)} {self.type_name} resources of this "
                         "configuration manage this address; they would undo each other on every apply. Keep one."):
            return
        setting = self._target(target)
        try:
            have = await setting.read()
        except Exception as exc:  # noqa: BLE001 - an absent blade or switch module
            diagnose(resp.diagnostics, "Unknown Management Address", exc, schema=self.schema)
            return
        await self._endpoint_guard(setting, have, plan, resp)

    async def _endpoint_guard(self, setting: Any, have: Any, plan: dict[str, Any], resp: Any) -> None:
        """The lock-out guard: moving the endpoint's address needs confirm_new_endpoint."""
        if not await setting.is_endpoint(have):
            return
        ip, confirm = plan.get("ip"), plan.get("confirm_new_endpoint")
        endpoint = session_of(self.provider_data).settings.endpoint
        if not cty.is_known(ip) or not cty.is_known(confirm):
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("ip"), "Endpoint Address Not Known At Plan",
                f"{plan['target']} holds the address the provider is connected to ({endpoint}); its new ip and "
                "confirm_new_endpoint must be known at plan time.")
            return
        if ip == have.ip:
            return
        if confirm is None:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("ip"), "Would Move The Provider's Endpoint",
                f"{plan['target']}'s address {have.ip} is the one the provider is connected to ({endpoint}); "
                f"changing it to {ip} could cut the provider off the chassis. To do it anyway, set "
                f"confirm_new_endpoint = {ip!r}, then point the provider's endpoint at the new address.")
        elif confirm != ip:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("confirm_new_endpoint"), "Confirmation Does Not Match",
                f"confirm_new_endpoint = {confirm!r} but ip = {ip!r}: they must name the same new address.")
        else:
            resp.diagnostics.add_attribute_warning(
                AttributePath().attr("ip"), "The Provider's Endpoint Will Move",
                f"{plan['target']} moves from {have.ip} to {ip}: the apply follows the HMM there (and restores "
                f"{have.ip} if the HMM does not answer at {ip} within the watchdog deadline). Point the provider's "
                "endpoint at the new address afterwards.")

    async def _put(self, req: Any, resp: Any, what: str) -> None:
        from vessel_core.chassis.managed import build
        from vessel_core.chassis.models import MgmtNetwork as Model

        plan = req.plan
        chassis = session_of(self.provider_data).chassis
        setting = self._target(plan["target"])
        moved_from = chassis.target
        try:
            want = build(Model, {k: v for k, v in plan.items() if k in Model.model_fields and v is not None},
                         f"{self.type_name}.{what}")
            after = await setting.set(want, confirm_new_endpoint=plan.get("confirm_new_endpoint"))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            report_change_failure(self, req, resp, what, exc)
            return
        if chassis.target != moved_from:
            resp.diagnostics.add_warning(
                "The Provider's Endpoint Moved",
                f"the HMM answers at {after.ip} now, no more at {moved_from}: set the provider's endpoint to "
                f"{chassis.endpoint} before the next plan.")
        resp.state = self._state(plan, after)

    async def read(self, req: Any, resp: Any) -> None:
        resp.state = self._state(req.state, await self._target(req.state["target"]).read())

    async def delete(self, req: Any, resp: Any) -> None:
        try:
            await self._target(req.state["target"]).reset()
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"{self.type_name} not reset", exc, schema=self.schema)

    async def import_state(self, req: Any, resp: Any) -> None:
        import re

        if not re.match(TARGET, req.id):
            resp.diagnostics.add_error("Invalid Import ID", f'import a {self.type_name} by its target ("HMM1", "float", '
                                                            f'"Slot3", "Swi2"), not {req.id!r}.')
            return
        resp.state = {**self.schema.null_value(), "id": req.id, "target": req.id}


RESOURCES = [MgmtNetwork]
