"""Firmware as desired state: inventory, a pure wave planner, staged images and the guarded
rollout (``vessel_core.firmware``). The Terraform resource and the CLI share it.

    inv = await read_inventory(ch)
    plan = plan_waves(inv, {"ibmc": Desired("6.10")}, Policy(max_unavailable=2))
    report = await Rollout(ch, plan, images).run(on_event=print)
"""
from vessel_core.firmware.model import KINDS, Component, Desired, Inventory, Plan, Policy, Step, Wave  # noqa: I001
from vessel_core.firmware.model import compare_versions, norm_version
from vessel_core.firmware.planner import PlanError, plan_waves

__all__ = ["KINDS", "Component", "Desired", "Inventory", "Plan", "PlanError", "Policy", "Step", "Wave",
           "compare_versions", "norm_version", "plan_waves"]
