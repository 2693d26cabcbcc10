"""What the switch resources share: the session's SwitchOps, schema pieces, conversions.

Resources never speak CLI: they build :class:`vessel_core.switchops.Change` objects and read
:class:`vessel_core.switchops.SwitchView` objects.
"""
from __future__ import annotations

import re
from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    Attribute,
    Diagnostics,
    Request,
    Resource,
    Response,
    int_range,
    one_of,
    regex,
    requires_replace,
    use_state_for_unknown,
)
from tfprovider.vessel.resources._base import ChassisIdentity, claimed_twice, diagnose, partial_state, session_of
from vessel_core.chassis.switching import DEFAULT_PORT, LINK_TYPES, PORT_RE, PortState
from vessel_core.errors import VesselError

SWITCH_RE = r"[1-4][EX]"
#: a VLAN id attribute's validators: whole numbers 1-4094 (``vlan_id = 30.5`` is refused)
VLAN_ID: dict[str, Any] = dict(validators=[int_range(1, 4094)])


def switch_attr() -> Attribute:
    return Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                     validators=[regex(SWITCH_RE, 'must be a switch module label such as "2X" or "3X"')],
                     description='Switch module label as the HMM shows it: "2X", "3X" (or "1E", "4E").')


def id_attr() -> Attribute:
    return Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                     description="`<switch>/<key>`, also the import ID.")


def l2_attrs(what: str) -> dict[str, Attribute]:
    """link_type / default_vlan / allowed_vlans / description, as on a port."""
    return {
        "link_type": Attribute(cty.String, optional=True, computed=True, default="access",
                               validators=[one_of(*LINK_TYPES)],
                               description=f"Link type of the {what}: access, trunk or hybrid (default access)."),
        "default_vlan": Attribute(cty.Number, optional=True, computed=True, default=1, **VLAN_ID,
                                  description="PVID: the access VLAN, or the untagged VLAN of a trunk/hybrid (default 1)."),
        "allowed_vlans": Attribute(cty.Set(cty.Number), optional=True, computed=True, default=[],
                                   validators=[_vlan_set],
                                   description="Trunk: the exact allow-pass list (VLAN 1 only when listed). "
                                               "Hybrid: the tagged VLANs. Must be empty for access. "
                                               "`provider::vessel::vlan_range(\"10-20,30\")` builds it."),
        "description": Attribute(cty.String, optional=True, validators=[_description],
                                 description=f"Description of the {what} (null: none)."),
    }


def _vlan_set(values: Any) -> str | None:
    bad = [v for v in values if not (isinstance(v, int) or float(v).is_integer()) or not 1 <= int(v) <= 4094]
    if bad:
        return f"VLAN ids must be whole numbers 1-4094, got {', '.join(str(b) for b in bad)}"
    return None


def _description(text: str) -> str | None:
    if not text or text != text.strip() or not re.fullmatch(r"[\x20-\x7e]{1,80}", text):
        return "must be 1-80 printable ASCII characters without leading or trailing spaces"
    return None


def validate_l2(config: Any, diags: Diagnostics) -> None:
    t, pvid, allowed = config.get("link_type"), config.get("default_vlan"), config.get("allowed_vlans")
    if not cty.is_known(t) or not cty.is_wholly_known(allowed):
        return
    if (t or "access") == "access" and allowed:
        diags.add_attribute_error(AttributePath().attr("allowed_vlans"), "Invalid Attribute Combination",
                                  "allowed_vlans must be empty when link_type is access (use default_vlan).")
    if t == "hybrid" and cty.is_known(pvid) and allowed and int(pvid or 1) in {int(v) for v in allowed}:
        diags.add_attribute_error(AttributePath().attr("allowed_vlans"), "Invalid Attribute Combination",
                                  f"a hybrid port carries default_vlan {pvid} untagged; it cannot also be tagged "
                                  "in allowed_vlans.")


def port_state(obj: dict, *, enabled: bool = True) -> PortState:
    return PortState(
        link_type=obj.get("link_type") or "access",
        default_vlan=int(obj.get("default_vlan") or 1),
        allowed_vlans=frozenset(int(v) for v in (obj.get("allowed_vlans") or [])),
        description=obj.get("description"),
        enabled=enabled,
    ).normal()


def l2_values(st: PortState) -> dict[str, Any]:
    return {
        "link_type": st.link_type,
        "default_vlan": st.default_vlan,
        "allowed_vlans": sorted(st.allowed_vlans),
        "description": st.description,
    }


def is_port_name(name: str) -> bool:
    return bool(PORT_RE.match(name or ""))


# ------------------------------------------------------------------------ the session's ops

def switch_ops(data: Any) -> Any:
    """The session's guarded, batched switch operations (opened on first use)."""
    return session_of(data).switches


def report_failure(resp: Any, summary: str, exc: Exception, base: dict, values: Any) -> None:
    """Error diagnostic; when the switch was read back after the failure, the state becomes what
    it shows (``values(base, obj)``; None when absent) so Terraform records partial results."""
    diagnose(resp.diagnostics, summary, exc)
    known, state = partial_state(exc, lambda obj: values(base, obj))
    if known:
        resp.state = state


class SwitchResource(ChassisIdentity, Resource):
    """Base of the switch resources: the session's SwitchOps handle of the object's switch, and
    the plan-time refusal of two resources claiming one switch object."""

    def _switch(self, obj: dict):  # noqa: ANN202
        return switch_ops(self.provider_data).switch(obj["switch"])

    def claims(self, plan: dict) -> list[tuple[str, Any, str]]:
        """(object kind, key, attribute) of every switch object this planned resource manages."""
        return []

    def describe(self, plan: dict) -> str:
        """How a diagnostic names this resource (Terraform does not tell providers addresses)."""
        return self.type_name

    async def check_plan(self, req: Request, resp: Response) -> None:
        """Resource-specific plan checks against the switch."""

    async def modify_plan(self, req: Request, resp: Response) -> None:
        plan = resp.state
        if self.provider_data is None or not cty.is_known(plan.get("switch")):
            return
        try:  # the one switch read every resource of the switch shares (cached for the walk)
            await self._switch(plan).view()
        except VesselError as exc:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("switch"), "Switch Module Not Reachable",
                f"switch {plan['switch']}: {exc}. Is the module installed and powered (the HMM's Switch "
                "Modules page lists the installed ones)?")
            return
        for kind, key, attr in self.claims(plan):
            what = f"{kind} {key} on switch {plan['switch']}"

            def detail(owners: list[str], what: str = what) -> str:
                return (f"{what} is claimed by {len(owners)} resources of this configuration: "
                        f"{'; '.join(owners)}. They would undo each other on every apply: keep one.")

            claimed_twice(self, req, resp, f"switch.{kind}", f"{plan['switch']}/{key}", who=self.describe(plan),
                          summary="Switch Object Managed Twice", attribute=attr, detail=detail)
        if not resp.diagnostics.has_error():
            await self.check_plan(req, resp)


class L2Resource(SwitchResource):
    """A switch resource carrying port VLAN settings (ports and LAGs)."""

    def validate_config(self, config, diags: Diagnostics) -> None:  # noqa: ANN001
        validate_l2(config, diags)


__all__ = ["DEFAULT_PORT", "L2Resource", "SwitchResource", "diagnose", "report_failure", "id_attr", "is_port_name",
           "l2_attrs", "l2_values", "port_state",
           "switch_attr", "switch_ops", "validate_l2"]
