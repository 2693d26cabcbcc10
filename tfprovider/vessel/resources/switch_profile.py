"""``vessel_switch_profile``: an easyLink switch profile (easyLink → Switch Profile)."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Schema
from tfprovider.vessel.resources._base import CollectionResource, sdk_model
from tfprovider.vessel.resources._easylink import profile_attrs


class SwitchProfile(CollectionResource):
    type_name = "vessel_switch_profile"
    model, key = sdk_model("SwitchProfile"), "name"
    schema = Schema(
        {
            **profile_attrs("switch"),
            "switches": Attribute(cty.Set(cty.String), required=True,
                                  description='"Swi1".."Swi4": one switch, or one stacking pair '
                                              '(["Swi2", "Swi3"] or ["Swi1", "Swi4"]).'),
            "uplink_ports": Attribute(cty.Set(cty.String), optional=True, computed=True, default=[],
                                      description='Uplink interfaces by their VRP names ("10GE2/17/1"); the HMM '
                                                  "takes external ports of the profile's switches (default none)."),
        },
        description="An easyLink switch profile: the uplinks and VLANs of one switch or one stacking pair.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.easylink.switch_profiles


RESOURCES = [SwitchProfile]
