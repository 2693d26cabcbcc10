"""``vessel_user``: an HMM local account (System Mgmt → Account)."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, one_of, requires_replace, use_state_for_unknown
from tfprovider.vessel.resources._base import CollectionResource, sdk_model, session_of

ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")


class User(CollectionResource):
    type_name = "vessel_user"
    model, key = sdk_model("Account"), "name"
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description="The account name; also the import ID."),
            "name": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                              description="User name: 1-16 letters, digits, `_`, `.`, `-`. Changing it replaces the account."),
            "role": Attribute(cty.String, optional=True, computed=True, default="Operator", validators=[one_of(*ROLES)],
                              description='"Administrator", "Operator", "ReadOnly" or "Commonuser" (default "Operator").'),
            "enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                 description="Whether the account may log in (default true)."),
            "password_wo": Attribute(cty.String, optional=True, write_only=True, sensitive=True,
                                     description="Password (write-only: never stored in state or plan; Terraform 1.11+). "
                                                 "Required to create the account; sent again when `password_wo_version` changes."),
            "password_wo_version": Attribute(cty.Number, optional=True,
                                             description="Change this to send `password_wo` again (rotate the password)."),
        },
        description="An HMM local account. Refused at plan: demoting, disabling or deleting the account the "
                    "provider logs in with, and removing the last enabled administrator.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.system.users

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        rotated = req.state is None or req.state.get("password_wo_version") != req.plan.get("password_wo_version")
        password = (req.config or {}).get("password_wo")
        return {"password": password} if password and (creating or rotated) else {}

    def _own(self, name: str) -> bool:
        return name == (session_of(self.provider_data).settings.username or "root")

    async def _last_admin(self, name: str) -> bool:
        users = await self._collection().list()
        return not any(u.role == "Administrator" and u.enabled and u.name != name for u in users)

    async def check_plan(self, req: Any, resp: Any) -> None:
        plan = resp.state
        demoted = plan.get("role") != "Administrator" or plan.get("enabled") is False
        if req.state is None or not demoted or not cty.is_wholly_known(plan):
            return
        attr = "role" if plan.get("role") != "Administrator" else "enabled"
        if self._own(plan["name"]):
            resp.diagnostics.add_attribute_error(AttributePath().attr(attr), "Would Lock The Provider Out",
                                                 f"{plan['name']!r} is the account the provider logs in with.")
        elif req.state.get("role") == "Administrator" and await self._last_admin(plan["name"]):
            resp.diagnostics.add_attribute_error(AttributePath().attr(attr), "Would Remove The Last Administrator",
                                                 f"{plan['name']!r} is the last enabled administrator of the HMM.")

    async def check_destroy(self, req: Any, resp: Any) -> None:
        name = req.state["name"]
        if self._own(name):
            resp.diagnostics.add_attribute_error(AttributePath().attr("name"), "Would Lock The Provider Out",
                                                 f"{name!r} is the account the provider logs in with; it cannot be destroyed.")
        elif req.state.get("role") == "Administrator" and await self._last_admin(name):
            resp.diagnostics.add_attribute_error(AttributePath().attr("name"), "Would Remove The Last Administrator",
                                                 f"{name!r} is the last enabled administrator of the HMM.")


RESOURCES = [User]
