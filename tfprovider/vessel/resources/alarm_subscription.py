"""``vessel_alarm_subscription``: one alarm notification destination of the HMM (Alarm
Monitoring → Settings): an SNMP trap receiver, a syslog server or an email recipient."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, int_range, one_of, requires_replace, use_state_for_unknown
from tfprovider.vessel.resources._base import CollectionResource, claimed_twice, sdk_model, session_of

TYPES = ("snmp_trap", "syslog", "email")
SEVERITIES = ("critical", "major", "minor", "normal")
#: the port of a destination whose port is not configured [INF: 25 = the SMTP port of the mail relay]
DEFAULT_PORT = {"snmp_trap": 162, "syslog": 514, "email": 25}
#: write-only attribute -> model field
SECRETS = {"community_wo": "community", "auth_key_wo": "auth_key", "priv_key_wo": "priv_key"}


def _secret(description: str) -> Attribute:
    return Attribute(cty.String, optional=True, write_only=True, sensitive=True,
                     description=description + " Write-only: never stored in state or plan (Terraform 1.11+); sent "
                                               "on create and again when its `_version` companion changes.")


def _version(name: str) -> Attribute:
    return Attribute(cty.Number, optional=True, description=f"Change this to send `{name}` again (rotate it).")


class AlarmSubscription(CollectionResource):
    type_name = "vessel_alarm_subscription"
    model, key = sdk_model("AlarmSubscription"), "address"
    attribute_of = {field: attr for attr, field in SECRETS.items()}
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='"<type>/<address>", e.g. "snmp_trap/10.0.0.5"; also the import ID.'),
            "type": Attribute(cty.String, required=True, validators=[one_of(*TYPES)], plan_modifiers=[requires_replace()],
                              description='"snmp_trap", "syslog" or "email". Changing it replaces the destination.'),
            "address": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                                 description="Host name or IP address of the trap receiver or syslog server; the "
                                             "recipient's email address for email. Changing it replaces the destination."),
            "port": Attribute(cty.Number, optional=True, computed=True, validators=[int_range(1, 65535)],
                              description="Destination port, 1-65535 (default 162 for snmp_trap, 514 for syslog, 25 for "
                                          "email: the mail relay's SMTP port)."),
            "severity": Attribute(cty.String, optional=True, computed=True, default="minor", validators=[one_of(*SEVERITIES)],
                                  description='Lowest severity sent: "critical", "major", "minor" (default) or "normal" '
                                              "(everything)."),
            "enabled": Attribute(cty.Bool, optional=True, computed=True, default=True,
                                 description="Whether alarms are sent to this destination (default true)."),
            "snmp_version": Attribute(cty.String, optional=True, computed=True, validators=[one_of("v2c", "v3")],
                                      description='snmp_trap only: "v2c" (default; needs `community_wo`) or "v3" (needs '
                                                  "`snmp_user`, `auth_key_wo`, `priv_key_wo`)."),
            "snmp_user": Attribute(cty.String, optional=True, computed=True,
                                   description="SNMPv3 user name (snmp_trap with v3 only)."),
            "auth_protocol": Attribute(cty.String, optional=True, computed=True, validators=[one_of("SHA", "MD5")],
                                       description='SNMPv3 authentication protocol, "SHA" (default) or "MD5".'),
            "priv_protocol": Attribute(cty.String, optional=True, computed=True, validators=[one_of("AES", "DES")],
                                       description='SNMPv3 privacy protocol, "AES" (default) or "DES".'),
            "community_wo": _secret("SNMPv2c community string, 1-32 characters."),
            "community_wo_version": _version("community_wo"),
            "auth_key_wo": _secret("SNMPv3 authentication key, 8-64 characters."),
            "auth_key_wo_version": _version("auth_key_wo"),
            "priv_key_wo": _secret("SNMPv3 privacy key, 8-64 characters."),
            "priv_key_wo_version": _version("priv_key_wo"),
        },
        description="An alarm notification destination of the HMM: an SNMP trap receiver, a syslog server or an email "
                    "recipient, with the lowest severity it receives. The HMM holds a fixed number per type (4 each on "
                    "the emulated HMM); a plan that needs more is refused. The community string and SNMPv3 keys are "
                    "write-only: never in state, plan, logs, audit records or snapshots (so a deleted SNMP destination "
                    "cannot be restored from a snapshot).",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.alarms.subscriptions

    @staticmethod
    def _defaults(values: dict[str, Any]) -> dict[str, Any]:
        """The type's defaults of the values not configured (port, SNMP version and protocols)."""
        kind = values.get("type")
        out = dict(values)
        if kind in DEFAULT_PORT and out.get("port") is None:
            out["port"] = DEFAULT_PORT[kind]
        snmp = kind == "snmp_trap"
        if kind in TYPES and out.get("snmp_version") is None:
            out["snmp_version"] = "v2c" if snmp else ""
        v3 = out.get("snmp_version") == "v3"
        for name, default in (("snmp_user", ""), ("auth_protocol", "SHA" if v3 else ""),
                              ("priv_protocol", "AES" if v3 else "")):
            if kind in TYPES and out.get(name) is None:
                out[name] = default
        return out

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        out = self._defaults(values)
        for attr, field in SECRETS.items():
            if attr in out:
                out[field] = out.pop(attr)
        return out

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        config, prior, plan = req.config or {}, req.state or {}, req.plan or {}
        out = {}
        for attr, field in SECRETS.items():
            value = config.get(attr)
            rotated = req.state is None or prior.get(f"{attr}_version") != plan.get(f"{attr}_version")
            if value and (creating or rotated):
                out[field] = value
        return out

    def _state(self, base: dict[str, Any], value: Any) -> dict[str, Any]:
        shown = value.model_dump(mode="json", exclude=set(SECRETS.values()))
        return {**base, **{k: v for k, v in shown.items() if k in self.schema.attributes}, "id": value.key}

    async def modify_plan(self, req: Any, resp: Any) -> None:
        plan = resp.state
        if plan is None:
            return
        config = req.config or {}
        known = {k: v for k, v in config.items() if cty.is_known(v) and v is not None}
        if cty.is_known(plan.get("type")):
            for name, value in self._defaults({**known, "type": plan["type"]}).items():
                if name in plan and config.get(name) is None and name != "type":
                    plan[name] = value
        if not (cty.is_known(plan.get("type")) and cty.is_known(plan.get("address"))):
            return
        key = f"{plan['type']}/{plan['address']}"
        plan["id"] = key
        if self.provider_data is None:
            return
        session = session_of(self.provider_data)
        session.note(self.type_name, key, plan)
        if claimed_twice(self, req, resp, self.type_name, key, attribute="address", summary="Destination Managed Twice",
                         detail=lambda owners: f"{key}: {len(owners)} {self.type_name} resources of this configuration "
                         "manage it; they would undo each other on every apply. Keep one."):
            return
        if req.state is None:
            self._check_secrets(plan, config, resp)
            await self._check_room(plan, key, resp)

    def _check_secrets(self, plan: dict[str, Any], config: dict[str, Any], resp: Any) -> None:
        """A new SNMP trap receiver needs its community (v2c) or its keys (v3)."""
        if plan["type"] != "snmp_trap" or not cty.is_known(plan.get("snmp_version")):
            return
        need = ("community_wo",) if plan["snmp_version"] == "v2c" else ("auth_key_wo", "priv_key_wo")
        for attr in need:
            if config.get(attr) is None:
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr(attr), "Missing Secret",
                    f"a new SNMP {plan['snmp_version']} trap receiver needs {attr} (write-only, sent on create).")

    async def _check_room(self, plan: dict[str, Any], key: str, resp: Any) -> None:
        """The HMM has room for every destination of this type the plan creates."""
        coll = self._collection()
        have = {d.key for d in await coll.list() if d.type == plan["type"]}
        limit = coll.limits.get(plan["type"]) or 0
        planned = {k for k, p in session_of(self.provider_data).noted(self.type_name).items()
                   if p.get("type") == plan["type"]}
        if limit and len(have | planned) > limit:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("type"), "No Free Destination Slot",
                f"{key}: the HMM holds at most {limit} {plan['type']} destinations; {len(have)} exist and this plan "
                f"would make {len(have | planned)} ({', '.join(sorted(have | planned))}).")

    async def read(self, req: Any, resp: Any) -> None:
        have = await self._collection().get(f"{req.state['type']}/{req.state['address']}")
        resp.state = None if have is None else self._state(req.state, have)

    async def delete(self, req: Any, resp: Any) -> None:
        from tfprovider.vessel.resources._base import diagnose

        try:
            await self._collection().delete(f"{req.state['type']}/{req.state['address']}")
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"{self.type_name} not deleted", exc, schema=self.schema)

    async def import_state(self, req: Any, resp: Any) -> None:
        kind, _, address = req.id.partition("/")
        if kind not in TYPES or not address:
            resp.diagnostics.add_error("Invalid Import ID", f'import a {self.type_name} as "<type>/<address>", e.g. '
                                                            f'"snmp_trap/10.0.0.5", not {req.id!r}.')
            return
        resp.state = {**self.schema.null_value(), "id": req.id, "type": kind, "address": address}


RESOURCES = [AlarmSubscription]
