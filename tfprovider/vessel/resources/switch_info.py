"""``vessel_switch`` data source: what a CX310 switch module reports."""
from __future__ import annotations

from tfprovider import cty
from tfprovider.framework import Attribute, DataSource, Request, Response, Schema, regex
from tfprovider.vessel.resources._switch import SWITCH_RE, switch_ops

PORT = cty.Object({"name": cty.String, "link_up": cty.Bool, "link_type": cty.String, "default_vlan": cty.Number,
                   "allowed_vlans": cty.Set(cty.Number), "description": cty.String, "enabled": cty.Bool,
                   "lag_id": cty.Number})
VLAN = cty.Object({"vlan_id": cty.Number, "name": cty.String, "description": cty.String})
LLDP = cty.Object({"local_port": cty.String, "neighbor_device": cty.String, "neighbor_port": cty.String})
MAC = cty.Object({"mac": cty.String, "vlan": cty.Number, "port": cty.String, "type": cty.String})


class SwitchInfo(DataSource):
    type_name = "vessel_switch"
    schema = Schema(
        {
            "switch": Attribute(cty.String, required=True,
                                validators=[regex(SWITCH_RE, 'must be a switch module label such as "2X" or "3X"')],
                                description='Switch module label: "2X", "3X" (or "1E", "4E").'),
            "version": Attribute(cty.String, computed=True, description="VRP version (`display version`)."),
            "flavour": Attribute(cty.String, computed=True,
                                 description="vrp8 (two-stage commit) or vrp5 (immediate)."),
            "ports": Attribute(cty.List(PORT), computed=True,
                               description="Physical ports with link state and layer-2 settings."),
            "vlans": Attribute(cty.List(VLAN), computed=True, description="VLANs configured on the switch."),
            "lldp_neighbors": Attribute(cty.List(LLDP), computed=True, description="LLDP neighbours."),
            "mac_table": Attribute(cty.List(MAC), computed=True, description="Learned MAC addresses."),
        },
        description="Version, ports with link state, VLANs, LLDP neighbours and MAC table of a CX310 switch.",
    )

    async def read(self, req: Request, resp: Response) -> None:
        sw = switch_ops(self.provider_data).switch(req.config["switch"])
        f = await sw.facts()
        view = f["view"]
        links = {i.name: i.up for i in f["interfaces"]}
        ports = []
        for name, p in sorted(view.ports.items(), key=lambda kv: _port_key(kv[0])):
            p = p.normal()
            ports.append({"name": name, "link_up": bool(links.get(name, False)), "link_type": p.link_type,
                          "default_vlan": p.default_vlan, "allowed_vlans": sorted(p.allowed_vlans),
                          "description": p.description, "enabled": p.enabled, "lag_id": view.lag_of(name)})
        resp.state = {
            **req.config,
            "version": f["version"].vrp_version,
            "flavour": f["version"].flavour,
            "ports": ports,
            "vlans": [{"vlan_id": v.vid, "name": v.name, "description": v.description} for v in view.vlans.values()],
            "lldp_neighbors": [{"local_port": n.local_interface, "neighbor_device": n.neighbor_device,
                                "neighbor_port": n.neighbor_interface} for n in f["lldp"]],
            "mac_table": [{"mac": m.mac, "vlan": m.vlan, "port": m.interface, "type": m.type} for m in f["mac"]],
        }


def _port_key(name: str) -> tuple:
    import re
    m = re.match(r"^(\D+)(\d+)/(\d+)/(\d+)$", name)
    order = {"10GE": 0, "40GE": 1, "GE": 2}
    return (order.get(m.group(1), 9), int(m.group(2)), int(m.group(3)), int(m.group(4))) if m else (9, name)


DATA_SOURCES = [SwitchInfo]
