"""Batched, safety-wrapped CX310 switch changes: VLANs, ports and LAGs.

Resources call :class:`SwitchOps` / :class:`Switch`; nothing above this package speaks CLI.
Names are imported on first use: the constants and state types (``model``, ``plan``) load no
driver, so a provider process that only serves schemas and plans never loads the SSH stack.
"""
from typing import TYPE_CHECKING

from vessel_core._lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["DEFAULT_PORT", "LAG_MODES", "LINK_TYPES", "PORT_RE", "LagState", "PortState", "SwitchView",
                     "VlanState", "lag_name", "parse_view", "switch_slot"], "model"),
    **dict.fromkeys(["Change", "plan_lines", "restore_changes", "satisfied"], "plan"),
    **dict.fromkeys(["ChangeResult", "Switch", "SwitchChangeError", "SwitchOps"], "service"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
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
