"""The vocabulary of guarded switch changes, as the facade offers it.

``session.switches.switch("2X").apply(Change("vlan", 30, VlanState(30, "web")), "vlan.create")``
takes these objects; callers above the SDK (the provider, a CLI) import them from here, never
from the batcher's package. Pure types and constants: importing this loads no driver.
"""
from vessel_core.switchops.model import DEFAULT_PORT, LAG_MODES, LINK_TYPES, PORT_RE, LagState, PortState, SwitchView, VlanState
from vessel_core.switchops.plan import Change

__all__ = ["Change", "DEFAULT_PORT", "LAG_MODES", "LINK_TYPES", "LagState", "PORT_RE", "PortState", "SwitchView",
           "VlanState"]
