"""``vessel_ldap_domain``: System Mgmt → LDAP, a chassis singleton, with a plan-time guard
against LDAP-only login that nobody could use."""
from __future__ import annotations

import asyncio
from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    LIST,
    Attribute,
    NestedAttribute,
    Schema,
    int_range,
    length,
    one_of,
    use_state_for_unknown,
)
from tfprovider.vessel.resources._base import SettingResource, sdk_model, session_of, write_only_value

ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")
#: attribute -> model field, where the resource says it the way LDAP users do
RENAMED = {"tls": "ssl", "base_dn": "domain", "user_folder": "user_group_dn"}
#: [INF] how long the plan-time probe waits for the LDAP server's TCP port
PROBE_TIMEOUT_S = 3.0
#: the HMM's default administrator (id 2), which LDAP-only login leaves able to log in
DEFAULT_ADMIN_ID = 2


async def reachable(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """None when a TCP connection to ``host:port`` opens within ``timeout``, else why not."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else f"no answer within {timeout:g} s"
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return None


class LdapDomain(SettingResource):
    type_name = "vessel_ldap_domain"
    model = sdk_model("LdapSettings")
    attribute_of = {v: k for k, v in RENAMED.items()}
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='Always "hmm" (the HMM has one LDAP configuration); also the import ID.'),
            "enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                 description="Whether LDAP users may log in (default true)."),
            "server": Attribute(cty.String, required=True,
                                description="The LDAP server: a host name, an IP address or an `ldap://` / `ldaps://` "
                                            "URL with a host (`ldaps://dc1.example.com:636`; its port wins over "
                                            "`port`)."),
            "port": Attribute(cty.Number, optional=True, computed=True, default=389, validators=[int_range(1, 65535)],
                              description="TCP port of the server, 1-65535 (default 389)."),
            "tls": Attribute(cty.Bool, optional=True, computed=True, default=False,
                             description="Whether the HMM talks to the server over TLS (default false)."),
            "base_dn": Attribute(cty.String, optional=True, computed=True, default="", validators=[length(hi=255)],
                                 description='The base DN (domain) users are searched under, e.g. "DC=example,DC=com".'),
            "bind_dn": Attribute(cty.String, optional=True, computed=True, default="", validators=[length(hi=255)],
                                 description='The DN the HMM binds as to search ("": anonymous bind).'),
            "user_folder": Attribute(cty.String, optional=True, computed=True, default="",
                                     validators=[length(hi=255)],
                                     description='The folder (OU) of the users below the base DN, e.g. "OU=Staff".'),
            "groups": NestedAttribute(LIST, {
                "name": Attribute(cty.String, required=True, validators=[length(1, 255)],
                                  description='Group name or DN, e.g. "CN=hmm-ops,OU=Groups,DC=example,DC=com".'),
                "role": Attribute(cty.String, required=True, validators=[one_of(*ROLES)],
                                  description='"Administrator", "Operator", "ReadOnly" or "Commonuser".'),
            }, optional=True, computed=True, default=[],
                description="The LDAP groups whose members may log in, with the role they get; at most 5."),
            "local_login_enabled": Attribute(
                cty.Bool, optional=True, computed=True, default=True,
                description="Whether local HMM accounts may log in (default true). false is LDAP-only login: only "
                            "LDAP users and the default administrator (the HMM's recovery account) get in. Turning it "
                            "off is refused at plan unless LDAP is enabled, the provider does not log in with "
                            "another local account, and the server's TCP port answers the provider (probed at plan "
                            f"time, {PROBE_TIMEOUT_S:g} s timeout)."),
            "bind_password_wo": Attribute(cty.String, optional=True, write_only=True, sensitive=True,
                                          validators=[length(hi=128)],
                                          description="Password of `bind_dn` (write-only: never stored in state or "
                                                      "plan, nor written to logs, the audit log or snapshots; "
                                                      "Terraform/OpenTofu 1.11+). Sent on create and when "
                                                      "`bind_password_wo_version` changes."),
            "bind_password_wo_version": Attribute(cty.Number, optional=True,
                                                  description="Change this to send `bind_password_wo` again."),
        },
        description="The HMM's LDAP login. A singleton: destroying it resets LDAP to the factory setting (off, no "
                    "server, no groups, local login on; the write-only bind password stays on the HMM, unreadable, "
                    "until another replaces it). Every change is snapshotted (never the bind password), verified by reading it back, "
                    "rolled back when that fails, and audited.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.system.ldap_settings

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        return {RENAMED.get(k, k): v for k, v in values.items()}

    def from_model(self, shown: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        return {self.attribute_of.get(k, k): v for k, v in shown.items()}

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        password = write_only_value(req, "bind_password_wo", "bind_password_wo_version", creating=creating)
        return {"bind_password": password} if password else {}

    async def check_plan(self, req: Any, resp: Any) -> None:
        plan, prior = resp.state, req.state or {}
        if plan.get("local_login_enabled") is not False:
            return
        where = AttributePath().attr("local_login_enabled")
        keys = ("server", "port", "tls", "enabled", "local_login_enabled")
        if prior and all(prior.get(k) == plan.get(k) for k in keys):
            return  # LDAP-only login is in effect already, with this server
        if not all(cty.is_known(plan.get(k)) for k in ("server", "port", "enabled")):
            resp.diagnostics.add_attribute_error(where, "Would Lock Everyone Out",
                                                 "LDAP-only login needs `server`, `port` and `enabled` known at plan "
                                                 "time, so the provider can check the server answers first.")
            return
        from vessel_core.chassis.models import ldap_endpoint

        host, port = ldap_endpoint(plan["server"], int(plan["port"]), bool(plan.get("tls")))
        why = await reachable(host, port)
        if why is not None:
            resp.diagnostics.add_attribute_error(where, "Would Lock Everyone Out",
                                                 f"LDAP-only login with the LDAP server {host}:{port}, which does not "
                                                 f"answer the provider ({why}): nobody but the default administrator "
                                                 "could log in. Make the server reachable first.")
            return
        session = session_of(self.provider_data)
        me = session.settings.username or "root"
        local = next((u for u in await session.chassis.system.list_users() if u.username == me), None)
        if local is not None and local.id != DEFAULT_ADMIN_ID:
            resp.diagnostics.add_attribute_error(where, "Would Lock The Provider Out",
                                                 f"The provider logs in as the local account {me!r}, which LDAP-only "
                                                 "login shuts out (only the default administrator keeps logging in).")


RESOURCES = [LdapDomain]
