"""Huawei VRP (CX310 switch) CLI: output parsing and the typed switch client.

The client (``cli``: the SSH stack) is imported on first use of its names. The parsers stay
eager: the function ``parse`` shares its name with the submodule, and only binding it here,
after the submodule is loaded, keeps ``vessel_core.drivers.vrp.parse`` the function.
"""
from typing import TYPE_CHECKING

from vessel_core._lazy import lazy_exports
from vessel_core.drivers.vrp.parse import (
    normalise_command,
    parse,
    parse_running_config,
    parse_vlans,
)

__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(["DirectPath", "HmmHopPath", "VrpCli"], "cli"))
__all__ = ["DirectPath", "HmmHopPath", "VrpCli", "normalise_command", "parse",
           "parse_running_config", "parse_vlans"]

if TYPE_CHECKING:
    from vessel_core.drivers.vrp.cli import DirectPath, HmmHopPath, VrpCli
