"""``vessel_user``: an HMM local account (System Mgmt → Account)."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, conflicts_with, custom, one_of, requires_replace, use_state_for_unknown
from tfprovider.vessel.resources._base import CollectionResource, sdk_model, session_of, write_only_value

ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")
#: the login interfaces of an HMM account, as the HMM's Redfish account lists them (sheet §3.2)
INTERFACES = ("WEB", "SNMP", "SSH/TELNET", "SFTP", "KVM", "REDFISH")
#: what the provider itself logs in over: the web API always, HMM Redfish and SSH where it reads or runs
PROVIDER_INTERFACES = ("WEB", "REDFISH", "SSH/TELNET")


def _interfaces(value: Any) -> str | None:
    bad = sorted(v for v in value if v not in INTERFACES)
    return f"{', '.join(map(repr, bad))}: each interface must be one of {', '.join(INTERFACES)}" if bad else None


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
            "interfaces": Attribute(cty.Set(cty.String), optional=True, computed=True, default=list(INTERFACES),
                                    validators=[custom(_interfaces, "HMM login interfaces")],
                                    description=f'The interfaces the account may log in over: {", ".join(map(repr, INTERFACES))} '
                                                "(default: all of them)."),
            "password_wo": Attribute(cty.String, optional=True, write_only=True, sensitive=True,
                                     validators=[conflicts_with("password")],
                                     description="Password (write-only: never stored in state or plan; Terraform/OpenTofu "
                                                 "1.11+). Set it or `password` to create the account; sent again when "
                                                 "`password_wo_version` changes."),
            "password": Attribute(cty.String, optional=True, sensitive=True, validators=[conflicts_with("password_wo")],
                                  description="Password, for Terraform/OpenTofu older than 1.11 (no write-only "
                                              "attributes): sensitive, so kept out of plan output, logs, the audit log "
                                              "and snapshots, but **stored in the state** like any attribute. Prefer "
                                              "`password_wo`; set one of the two. Sent again whenever it changes."),
            "password_wo_version": Attribute(cty.Number, optional=True,
                                             description="Change this to send `password_wo` again (rotate the password)."),
        },
        description="An HMM local account. Refused at plan: demoting, disabling or deleting the account the "
                    "provider logs in with, taking from it an interface the provider logs in over (WEB, REDFISH, "
                    "SSH/TELNET), and removing the last enabled administrator.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.system.users

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        config, state = req.config or {}, req.state or {}
        if config.get("password"):  # the state keeps it: sent when it differs from the one there
            changed = creating or state.get("password") != config["password"]
            return {"password": config["password"]} if changed else {}
        password = write_only_value(req, "password_wo", "password_wo_version", creating=creating)
        return {"password": password} if password else {}

    def _own(self, name: str) -> bool:
        return name == (session_of(self.provider_data).settings.username or "root")

    async def _last_admin(self, name: str) -> bool:
        users = await self._collection().list()
        return not any(u.role == "Administrator" and u.enabled and u.name != name for u in users)

    def _want(self, req: Any, what: str) -> Any:
        from vessel_core.errors import ValidationError

        try:
            return super()._want(req, what)
        except ValidationError as exc:  # the password came from password_wo: name that attribute
            if exc.field == "password" and (req.config or {}).get("password_wo") is not None:
                exc.field = "password_wo"
            raise

    async def check_plan(self, req: Any, resp: Any) -> None:
        plan, config = resp.state, req.config or {}
        if req.state is None and config.get("password") is None and config.get("password_wo") is None:
            resp.diagnostics.add_attribute_error(AttributePath().attr("password"), "Password Required",
                                                 f"account {plan['name']!r}: a new account needs a password: set "
                                                 "password_wo (Terraform/OpenTofu 1.11+) or password.")
            return
        interfaces = plan.get("interfaces")
        if self._own(plan["name"]) and cty.is_wholly_known(interfaces) and interfaces is not None:
            lost = [i for i in PROVIDER_INTERFACES if i not in interfaces]
            if lost:
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr("interfaces"), "Would Lock The Provider Out",
                    f"{plan['name']!r} is the account the provider logs in with, over {', '.join(PROVIDER_INTERFACES)}; "
                    f"it may not lose {', '.join(lost)}.")
                return
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
