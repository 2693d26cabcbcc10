"""``vessel_power_policy``: PSUs & Fans → Capping and Hibernation, a chassis singleton."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Schema, custom, int_range, one_of, use_state_for_unknown
from tfprovider.vessel.resources._base import SettingResource, sdk_model
from tfprovider.vessel.resources._slots import slot_map

LIMIT_W = (1000, 30000)  # the HMM's bounds (vessel_core.chassis.models.POWER_LIMIT_W)
PRIORITIES = ("high", "medium", "low")
MODES = {"n+1": "N+1", "n+n": "N+N"}
_MODES_BACK = {v: k for k, v in MODES.items()}


def _priorities(value: Any) -> str | None:
    bad = sorted({v for v in value.values() if v not in PRIORITIES})
    return f"{', '.join(map(repr, bad))}: each priority must be high, medium or low" if bad else None


class PowerPolicy(SettingResource):
    type_name = "vessel_power_policy"
    model = sdk_model("ChassisPowerPolicy")
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='Always "hmm" (the chassis has one power policy); also the import ID.'),
            "capping_enabled": Attribute(cty.Bool, optional=True, computed=True, default=False,
                                         description="Whether the HMM caps the chassis' input power (default false)."),
            "capping_limit_w": Attribute(cty.Number, optional=True, computed=True, default=6000,
                                         validators=[int_range(*LIMIT_W)],
                                         description=f"The cap in watts, {LIMIT_W[0]}-{LIMIT_W[1]} (default 6000)."),
            "slot_priority": Attribute(cty.Map(cty.String), optional=True, computed=True, default={},
                                       validators=[slot_map("medium", "medium"), custom(_priorities, "high, medium or low")],
                                       description='Capping priority per blade slot, e.g. {"1" = "high", "9" = "low"}: '
                                                   '"high", "medium" or "low"; under the cap low-priority blades are '
                                                   'throttled first. A slot left out is "medium" (so list only the '
                                                   "others)."),
            "hibernation_enabled": Attribute(cty.Bool, optional=True, computed=True, default=False,
                                             description="Whether PSUs the load does not need hibernate (default false)."),
            "hibernation_mode": Attribute(cty.String, optional=True, computed=True, default="n+1",
                                          validators=[one_of(*MODES)],
                                          description='Spares kept awake while hibernating: "n+1" (one, default) or '
                                                      '"n+n" (as many as the working PSUs).'),
        },
        description="The chassis power policy: power capping (limit and per-slot priority) and PSU hibernation. "
                    "A singleton: destroying it resets it to the factory value (capping off at 6000 W, every slot "
                    'medium, hibernation off in "n+1"). Every change is snapshotted, verified by reading it back, '
                    "rolled back when that fails, and audited.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.power.policy

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        mode = values.get("hibernation_mode")
        return {**values, "hibernation_mode": MODES.get(mode, mode)} if mode is not None else values

    def from_model(self, shown: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        return {**shown, "hibernation_mode": _MODES_BACK.get(shown["hibernation_mode"], shown["hibernation_mode"])}


RESOURCES = [PowerPolicy]
