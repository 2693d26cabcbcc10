"""List resources (Terraform 1.14+ ``terraform query``): every object of a managed type the
chassis holds, with its identity and (on request) its full state, so
``terraform query -generate-config-out=...`` adopts an existing chassis. Each list is one batched
read: the same reads a refresh of those resources makes.
"""
from __future__ import annotations

import re
from typing import Any, AsyncIterator, Callable, Iterable

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Diagnostics, Schema
from tfprovider.framework.modern import Found, ListRequest, ListResource
from tfprovider.vessel.resources._switch import SWITCH_RE
from tfprovider.vessel.resources.alarm_subscription import AlarmSubscription
from tfprovider.vessel.resources.blade import Blade
from tfprovider.vessel.resources.chassis_settings import ChassisSettings
from tfprovider.vessel.resources.compute_profile import ComputeProfile
from tfprovider.vessel.resources.lag import Lag
from tfprovider.vessel.resources.lag import _values as lag_values
from tfprovider.vessel.resources.ldap_domain import LdapDomain
from tfprovider.vessel.resources.mgmt_network import MgmtNetwork
from tfprovider.vessel.resources.ntp_server import NtpServer
from tfprovider.vessel.resources.pools import MacPool, UuidPool
from tfprovider.vessel.resources.power_policy import PowerPolicy
from tfprovider.vessel.resources.switch_port import SwitchPort
from tfprovider.vessel.resources.switch_port import _values as port_values
from tfprovider.vessel.resources.switch_profile import SwitchProfile
from tfprovider.vessel.resources.user import User
from tfprovider.vessel.resources.vlan import Vlan
from tfprovider.vessel.resources.vlan import _values as vlan_values
from tfprovider.vessel.resources.vnic_profile import VnicProfile
from vessel_core.chassis.switching import DEFAULT_PORT, SwitchView


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


def switch_list(resource: Any, what: str, objects: Callable[[SwitchView, Any], Iterable[tuple[dict[str, Any], Any]]],
                values: Callable[[dict[str, Any], Any], dict[str, Any]], name: Callable[[dict[str, Any]], str],
                extra: dict[str, Attribute] | None = None) -> type[ListResource]:
    """The list resource of a per-switch type (config ``switch``): ``objects(view, config)`` gives
    each object's key attributes and model from one read of the switch's configuration,
    ``values(base, model)`` its state, ``name(state)`` what ``terraform query`` prints."""

    class _List(ListResource):
        type_name = resource.type_name
        schema = Schema({"switch": Attribute(cty.String, required=True, description='Switch module label: "2X", "3X".'),
                         **(extra or {})},
                        description=f"{what} of one switch module (one read of its configuration).")

        def validate_config(self, config: Any, diags: Diagnostics) -> None:
            sw = (config or {}).get("switch")
            if isinstance(sw, str) and not re.fullmatch(SWITCH_RE, sw):
                diags.add_attribute_error(AttributePath().attr("switch"), "Invalid Switch",
                                          f'switch = {sw!r}: must be a switch module label such as "2X" or "3X".')

        async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
            res = _resource(resource, self.provider_data)
            switch = req.config["switch"]
            view = await res._switch({"switch": switch}).view()
            for keys, obj in objects(view, req.config):
                state = values({**res.schema.null_value(), "switch": switch, **keys}, obj)
                yield await _found(res, state, name(state), req)

    _List.__name__ = f"{resource.__name__}List"
    return _List


def setting_list(resource: Any) -> type[ListResource]:
    """The list resource of a :class:`SettingResource` type: the chassis' one object."""

    class _List(ListResource):
        type_name = resource.type_name
        schema = Schema({}, description=f"The chassis' {resource.type_name} (a singleton: always one object).")

        async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
            res = _resource(resource, self.provider_data)
            state = res._state(res.schema.null_value(), await res._setting().get())
            yield await _found(res, state, f"{resource.type_name} {state['id']}", req)

    _List.__name__ = f"{resource.__name__}List"
    return _List


def _suffix(text: Any) -> str:
    return f" ({text})" if text else ""


def _ports(view: SwitchView, config: Any) -> Iterable[tuple[dict[str, Any], Any]]:
    """Physical ports outside every LAG (a member's settings belong to its vessel_lag); by default
    only those whose settings differ from the factory's (what destroying a vessel_switch_port
    returns a port to)."""
    every = bool((config or {}).get("include_defaults"))
    return [({"port": n}, p) for n, p in view.ports.items()
            if view.lag_of(n) is None and (every or p.normal() != DEFAULT_PORT.normal())]


VlanList = switch_list(
    Vlan, "Every VLAN", lambda view, _: [({"vlan_id": v}, view.vlans[v]) for v in sorted(view.vlans)], vlan_values,
    lambda st: f"VLAN {st['vlan_id']} on {st['switch']}{_suffix(st['name'])}")
LagList = switch_list(
    Lag, "Every Eth-Trunk (LAG)", lambda view, _: [({"lag_id": n}, view.lags[n]) for n in sorted(view.lags)],
    lag_values, lambda st: f"Eth-Trunk{st['lag_id']} on {st['switch']}{_suffix(', '.join(st['members']))}")
SwitchPortList = switch_list(
    SwitchPort, "The configured physical ports (not in a LAG)", _ports, port_values,
    lambda st: f"{st['port']} on {st['switch']} {st['link_type']}{_suffix(st['description'])}",
    extra={"include_defaults": Attribute(cty.Bool, optional=True,
                                         description="true lists every port outside a LAG, also those at the factory "
                                                     "settings (default: only the ports configured otherwise).")})


class MgmtNetworkList(ListResource):
    type_name = "vessel_mgmt_network"
    schema = Schema({}, description="Every management address set on the chassis: the MMs' and the floating one, "
                                    "blades' iBMC and switch modules' external addresses.")

    async def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:
        res = _resource(MgmtNetwork, self.provider_data)
        network = res.provider_data.chassis.network
        for kind in ("smm", "blade", "swi"):
            for addr in await network.list(kind):
                if not addr.ip:
                    continue
                state = res._state({**res.schema.null_value(), "target": addr.name}, await res._target(addr.name).get())
                yield await _found(res, state, f"{addr.name} {addr.ip}", req)


LIST_RESOURCES = [VlanList, LagList, SwitchPortList, BladeList, MgmtNetworkList,
                  *(setting_list(r) for r in (NtpServer, ChassisSettings, PowerPolicy, LdapDomain)),
                  *(collection_list(r) for r in (ComputeProfile, MacPool, UuidPool, User, VnicProfile, SwitchProfile,
                                                 AlarmSubscription))]
