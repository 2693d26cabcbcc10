"""Huawei VRP (CX310 switch) CLI: output parsing and the typed switch client."""
from vessel_core.drivers.vrp.parse import (
    normalise_command,
    parse,
    parse_running_config,
    parse_vlans,
)
from vessel_core.drivers.vrp.cli import DirectPath, HmmHopPath, VrpCli

__all__ = ["DirectPath", "HmmHopPath", "VrpCli", "normalise_command", "parse",
           "parse_running_config", "parse_vlans"]
