"""``vessel_compute_profile``: Stateless Computing → Profile (a policy template).

A profile gives every blade bound to it a boot order, BIOS settings, a power policy, one vNIC
per easyLink NIC profile and its MACs/UUID from the named pools. Changing a profile that blades
are bound to makes the HMM re-apply it to each of them: every powered-on one is power-cycled,
and the plan says so (a warning per blade and ``pending_disruption``) before anyone types yes.
"""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, custom, one_of, regex, requires_replace, timeouts_block, use_state_for_unknown
from tfprovider.vessel.resources._base import CollectionResource, sdk_model, session_of
from tfprovider.vessel.resources._stateless import BOOT_DEVICES, DISRUPTION, POWER_POLICIES, disruption, pool_exists

_BOOT_BACK = {v: k for k, v in BOOT_DEVICES.items()}
_POWER_BACK = {v: k for k, v in POWER_POLICIES.items()}
#: what the HMM does not push to the blades when it changes
_QUIET = ("description",)


def _boot_order(value: Any) -> str | None:
    bad = [d for d in value if d not in BOOT_DEVICES]
    if bad:
        return f"{', '.join(map(repr, bad))}: each entry must be one of {', '.join(BOOT_DEVICES)}"
    dup = sorted({d for d in value if value.count(d) > 1})
    return f"{', '.join(dup)} listed more than once" if dup else None


class ComputeProfile(CollectionResource):
    type_name = "vessel_compute_profile"
    model, key = sdk_model("ComputeProfile"), "name"
    attribute_of = {"boot_order": "bios_boot_order", "nodes": "bound_slots"}
    default_timeouts = {"update": 30 * 60.0}
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description="The profile name (known at plan time); also the import ID."),
            "name": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                              validators=[regex(r"^[A-Za-z0-9_.-]{1,32}$", "must be 1-32 letters, digits, _ . -")],
                              description="Profile name: 1-32 letters, digits, `_`, `.`, `-`. Changing it replaces the profile "
                                          "(unbind the blades first: a bound profile cannot be deleted)."),
            "description": Attribute(cty.String, optional=True, computed=True, default="",
                                     description="Free text (changing it alone is not pushed to the blades)."),
            "bios_boot_order": Attribute(cty.List(cty.String), optional=True, computed=True, default=["disk", "pxe", "cd"],
                                         validators=[custom(_boot_order, "boot devices")],
                                         description='Boot devices in order: "pxe", "disk", "cd", "usb", "floppy" '
                                                     '(default ["disk", "pxe", "cd"]).'),
            "vnic_profiles": Attribute(cty.List(cty.String), optional=True, computed=True, default=[],
                                       description="easyLink NIC profiles (`vessel_vnic_profile` ids), one vNIC each, "
                                                   "in order; at most 8."),
            "mac_pool": Attribute(cty.String, optional=True,
                                  description="`vessel_mac_pool` id the bound blades draw their MACs from "
                                              "(null: they keep their burned-in MACs)."),
            "uuid_pool": Attribute(cty.String, optional=True,
                                   description="`vessel_uuid_pool` id the bound blades draw their UUID from (null: burned-in)."),
            "power_policy": Attribute(cty.String, optional=True, computed=True, default="restore-last",
                                      validators=[one_of(*POWER_POLICIES)],
                                      description='What a bound blade does when power returns: "always-on", "always-off" '
                                                  'or "restore-last" (default).'),
            "bios": Attribute(cty.Map(cty.String), optional=True, computed=True, default={},
                              description='BIOS settings pushed to the bound blades, e.g. {"HyperThreading" = "Enabled"}.'),
            "bound_slots": Attribute(cty.List(cty.Number), computed=True,
                                     description="Slots of the blades bound to the profile (bind them with `vessel_blade`)."),
            "pending_disruption": Attribute(cty.List(DISRUPTION), computed=True,
                                            description="What the planned change disrupts: one entry per bound, powered-on "
                                                        "blade the HMM will power-cycle to re-apply the profile "
                                                        "(`slot`, `action`, `reason`); kept in state as the disruption of "
                                                        "the last change."),
        },
        blocks={"timeouts": timeouts_block("update")},
        description="A compute profile of the HMM's stateless computing (boot order, BIOS, power policy, vNICs, "
                    "MAC/UUID pools). Blades are bound to it with `vessel_blade`. Changing a bound profile re-applies "
                    "it to every bound blade (powered-on blades power-cycle: the plan warns per blade); the apply "
                    "waits until each is back and its iBMC answers, else the previous profile is restored.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.stateless.profiles

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k not in ("bios_boot_order", "power_policy")}
        if "bios_boot_order" in values:
            out["boot_order"] = [BOOT_DEVICES.get(d, d) for d in values["bios_boot_order"]]
        if "power_policy" in values:
            out["power_policy"] = POWER_POLICIES.get(values["power_policy"], values["power_policy"])
        return out

    def from_model(self, shown: dict[str, Any]) -> dict[str, Any]:
        return {**{k: v for k, v in shown.items() if k not in ("boot_order", "power_policy", "nodes")},
                "bios_boot_order": [_BOOT_BACK.get(d, str(d).lower()) for d in shown.get("boot_order") or []],
                "power_policy": _POWER_BACK.get(shown.get("power_policy", ""), shown.get("power_policy")),
                "bound_slots": list(shown.get("nodes") or [])}

    def _state(self, base: dict[str, Any], value: Any) -> dict[str, Any]:
        state = super()._state(base, value)
        if not cty.is_known(state.get("pending_disruption")) or state.get("pending_disruption") is None:
            state["pending_disruption"] = []
        return state

    async def modify_plan(self, req: Any, resp: Any) -> None:
        plan = resp.state
        if req.state is None:
            plan["bound_slots"], plan["pending_disruption"] = [], []
        await super().modify_plan(req, resp)

    async def check_plan(self, req: Any, resp: Any) -> None:
        plan, prior = resp.state, req.state
        session = session_of(self.provider_data)
        await self._check_refs(session, plan, resp)
        if prior is None:
            return
        changed = [k for k in ("bios_boot_order", "vnic_profiles", "mac_pool", "uuid_pool", "power_policy", "bios")
                   if plan.get(k) != prior.get(k)]
        if not changed and plan.get("description") == prior.get("description"):
            plan["pending_disruption"] = prior.get("pending_disruption") or []
            plan["bound_slots"] = prior.get("bound_slots") or []
            return
        plan["bound_slots"] = cty.UNKNOWN
        if not changed:
            plan["pending_disruption"] = []
            return
        have = await self._collection().get(plan["name"])
        nodes = {n.slot: n for n in await session.chassis.stateless.nodes()}
        hits = []
        for slot in (have.nodes if have is not None else []):
            node = nodes.get(slot)
            if node is None or not node.powered_on:
                continue
            reason = f"to re-apply compute profile {plan['name']!r} (changed: {', '.join(changed)})"
            hits.append(disruption(slot, "power-cycle", reason))
            resp.diagnostics.add_attribute_warning(
                AttributePath().attr(changed[0]), "Blade Will Be Power-Cycled",
                f"slot {slot} will be power-cycled {reason}.")
        plan["pending_disruption"] = hits

    async def _check_refs(self, session: Any, plan: dict[str, Any], resp: Any) -> None:
        """Every vNIC profile and pool the profile names exists, here or in this plan."""
        vnics = plan.get("vnic_profiles")
        if cty.is_wholly_known(vnics) and vnics:
            planned = session.noted("vessel_vnic_profile")
            have = {p.name for p in await session.chassis.easylink.nic_profiles.list()}
            for i, name in enumerate(vnics):
                if name not in planned and name not in have:
                    resp.diagnostics.add_attribute_error(
                        AttributePath().attr("vnic_profiles").index(i), "No Such vNIC Profile",
                        f"vnic_profiles[{i}] = {name!r}: the chassis has no easyLink NIC profile of that name and this "
                        "configuration does not create one (a vessel_vnic_profile).")
        for kind in ("mac", "uuid"):
            name = plan.get(f"{kind}_pool")
            if isinstance(name, str) and not await pool_exists(session, kind, name):
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr(f"{kind}_pool"), f"No Such {kind.upper()} Pool",
                    f"{kind}_pool = {name!r}: the chassis has no {kind.upper()} pool of that name and this "
                    f"configuration does not create one (a vessel_{kind}_pool).")

    async def read(self, req: Any, resp: Any) -> None:
        await super().read(req, resp)
        if resp.state is not None:
            resp.state["pending_disruption"] = req.state.get("pending_disruption") or []

    async def update(self, req: Any, resp: Any) -> None:
        self._collection().on_progress = lambda line: self.log.info("%s: %s", req.plan.get("name"), line)
        await super().update(req, resp)


RESOURCES = [ComputeProfile]
