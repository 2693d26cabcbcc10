"""Attribute plan modifiers: run in order on each attribute during PlanResourceChange.

A modifier sees the attribute's config, prior state and planned value and may change
``req.plan_value`` or set ``req.requires_replace``. Guard clauses first, then one move.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from tfprovider import cty
from tfprovider.framework.diag import Diagnostics


@dataclass
class PlanModifierRequest:
    path: Any
    config_value: Any
    state_value: Any
    plan_value: Any
    type: Any
    resource_created: bool  # True when there is no prior state (create, or create half of a replace)
    private: dict
    diagnostics: Diagnostics
    requires_replace: bool = False


class PlanModifier:
    description = ""

    def modify(self, req: PlanModifierRequest) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class _UseStateForUnknown(PlanModifier):
    description = "Once set, the value of this attribute in state will not change."

    def modify(self, req: PlanModifierRequest) -> None:
        if req.resource_created or req.state_value is None:
            return
        if cty.is_known(req.plan_value):
            return
        if not cty.is_known(req.config_value):
            return
        req.plan_value = req.state_value


def use_state_for_unknown() -> PlanModifier:
    """Keep the prior value instead of "(known after apply)" on updates."""
    return _UseStateForUnknown()


class _RequiresReplaceIf(PlanModifier):
    def __init__(self, cond: Callable[[PlanModifierRequest], bool] | None, description: str) -> None:
        self.cond = cond
        self.description = description

    def modify(self, req: PlanModifierRequest) -> None:
        if req.resource_created:
            return
        if not cty.is_known(req.plan_value):
            # unknown in the plan: the value may change, and the config asks for it
            if cty.is_known(req.config_value) and req.config_value is None:
                return
        elif cty.values_equal(req.plan_value, req.state_value, req.type):
            return
        if self.cond is None or self.cond(req):
            req.requires_replace = True


def requires_replace() -> PlanModifier:
    """Changing this attribute destroys and re-creates the resource."""
    return _RequiresReplaceIf(None, "If the value of this attribute changes, the resource will be replaced.")


def requires_replace_if(cond: Callable[[PlanModifierRequest], bool], description: str) -> PlanModifier:
    """Replace only when ``cond(req)`` says so (``req`` has config/state/plan values)."""
    return _RequiresReplaceIf(cond, description)
