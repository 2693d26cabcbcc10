"""List resources (Terraform 1.14+ ``terraform query``): every object of a managed type the
chassis holds, with its identity and (on request) its full state, so
``terraform query -generate-config-out=...`` adopts an existing chassis. Each list is one batched
read: the same reads a refresh of those resources makes.
"""
from __future__ import annotations

from typing import Any, AsyncIterator

from tfprovider import cty
from tfprovider.framework import Attribute, Diagnostics, Schema
from tfprovider.framework.modern import Found, ListRequest, ListResource
from tfprovider.vessel.resources._switch import SWITCH_RE
from tfprovider.vessel.resources.alarm_subscription import AlarmSubscription
from tfprovider.vessel.resources.blade import Blade
from tfprovider.vessel.resources.compute_profile import ComputeProfile
from tfprovider.vessel.resources.pools import MacPool, UuidPool
from tfprovider.vessel.resources.switch_profile import SwitchProfile
from tfprovider.vessel.resources.user import User
from tfprovider.vessel.resources.vlan import Vlan, _values
from tfprovider.vessel.resources.vnic_profile import VnicProfile


def _resource(cls: type, provider_data: Any) -> Any:
    res = cls()
    res.provider_data = provider_data
    return res


async def _found(res: Any, state: dict[str, Any], name: str, req: ListRequest) -> Found:
    identity = await res.identity_of(state)
    return Found(identity=identity, display_name=name, state=state if req.include_resource_object else None)


def collection_list(resource: Any) -> type[ListResource]:
    """The list resource of a :class:`CollectionResource` type: every object of its collection."""

    class _List(ListResource):
        type_name = resource.type_name
        schema = Schema({}, description=f"Every {resource.type_name} on the chassis (no arguments).")

        async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
            res = _resource(resource, self.provider_data)
            for item in await res._collection().list():
                state = res._state(res.schema.null_value(), item)
                yield await _found(res, state, f"{resource.type_name} {state['id']}", req)

    _List.__name__ = f"{resource.__name__}List"
    return _List


class BladeList(ListResource):
    type_name = "vessel_blade"
    schema = Schema({}, description="Every blade present in the chassis (one HMM request).")

    async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
        res = _resource(Blade, self.provider_data)
        for node in await res.provider_data.chassis.stateless.nodes():
            state = await res._state(res.schema.null_value(), node.slot)
            if state is not None:
                label = f"slot {node.slot} {node.model}" + (f" ({node.profile})" if node.profile else "")
                yield await _found(res, state, label, req)


class VlanList(ListResource):
    type_name = "vessel_vlan"
    schema = Schema({"switch": Attribute(cty.String, required=True, description='Switch module label: "2X", "3X".')},
                    description="Every VLAN of one switch module (one read of its configuration).")

    def validate_config(self, config: Any, diags: Diagnostics) -> None:
        import re

        sw = (config or {}).get("switch")
        if isinstance(sw, str) and not re.fullmatch(SWITCH_RE, sw):
            from tfprovider.cty import AttributePath

            diags.add_attribute_error(AttributePath().attr("switch"), "Invalid Switch",
                                      f'switch = {sw!r}: must be a switch module label such as "2X" or "3X".')

    async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
        res = _resource(Vlan, self.provider_data)
        switch = req.config["switch"]
        view = await res._switch({"switch": switch}).view()
        for vid in sorted(view.vlans):
            state = _values({**res.schema.null_value(), "switch": switch, "vlan_id": vid}, view.vlans[vid])
            yield await _found(res, state, f"VLAN {vid} on {switch}" + (f" ({state['name']})" if state["name"] else ""),
                               req)


LIST_RESOURCES = [VlanList, BladeList, *(collection_list(r) for r in (ComputeProfile, MacPool, UuidPool, User,
                                                                        VnicProfile, SwitchProfile,
                                                                        AlarmSubscription))]
