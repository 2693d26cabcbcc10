"""Batched, safety-wrapped CX310 switch changes: VLANs, ports and LAGs.

Resources call :class:`SwitchOps` / :class:`Switch`; nothing above this package speaks CLI.
"""
from vessel_core.switchops.model import (
    DEFAULT_PORT,
    LAG_MODES,
    LINK_TYPES,
    PORT_RE,
    LagState,
    PortState,
    SwitchView,
    VlanState,
    lag_name,
    parse_view,
    switch_slot,
)
from vessel_core.switchops.plan import Change, plan_lines, restore_changes, satisfied
from vessel_core.switchops.service import ChangeResult, Switch, SwitchChangeError, SwitchOps

__all__ = ["DEFAULT_PORT", "LAG_MODES", "LINK_TYPES", "PORT_RE", "Change", "ChangeResult", "LagState",
           "PortState", "Switch", "SwitchChangeError", "SwitchOps", "SwitchView", "VlanState", "lag_name",
           "parse_view", "plan_lines", "restore_changes", "satisfied", "switch_slot"]
