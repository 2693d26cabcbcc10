"""Emulated CX310 VRP: switch state model and a transport-free CLI engine."""

from vessel_core.sim.vrp.state import SwitchConfig, SwitchState

__all__ = ["SwitchConfig", "SwitchState"]
