"""``vessel_vnic_profile``: an easyLink NIC profile (easyLink → NIC Profile)."""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Schema
from tfprovider.vessel.resources._base import CollectionResource, sdk_model
from tfprovider.vessel.resources._easylink import profile_attrs


class VnicProfile(CollectionResource):
    type_name = "vessel_vnic_profile"
    model, key = sdk_model("NicProfile"), "name"
    schema = Schema(
        {
            **profile_attrs("vNIC"),
            "native_vlan": Attribute(cty.Number, optional=True,
                                     description="The untagged VLAN: one of `vlans` (null: every VLAN tagged)."),
            "bandwidth_pct": Attribute(cty.Number, optional=True, computed=True, default=100,
                                       description="Share of the port's bandwidth the vNIC gets, 1-100 % (default 100)."),
        },
        description="An easyLink vNIC profile: the VLANs and bandwidth share of a virtual NIC. Compute profiles "
                    "name it (its id is its name, known at plan time); it binds no blades itself. The HMM "
                    "refuses to delete one that a compute profile still names.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.easylink.nic_profiles


RESOURCES = [VnicProfile]
