"""parse() and the VRP models against real VRP outputs with ntc-templates' expected parses.

Fixtures are copied from ntc-templates (Apache-2.0, see fixtures/LICENSE-ntc-templates):
``<command with _ for spaces>/<name>.raw`` and ``<name>.yml`` holding ``parsed_sample``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vessel_core.drivers.vrp import normalise_command, parse, parse_running_config, parse_vlans
from vessel_core.errors import UnsupportedError, ValidationError
from vessel_core.models.vrp import (
    EthTrunk,
    InterfaceBrief,
    LldpNeighbor,
    MacEntry,
    PortVlan,
    VersionInfo,
    Vlan,
    compress_vlan_list,
    expand_vlan_list,
    vlan_batch_args,
)

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(FIXTURES.glob("*/*.raw"))


def _command(raw: Path) -> str:
    return raw.parent.name.replace("_", " ")


def _expected(raw: Path) -> list[dict]:
    return yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]


def test_fixture_set_is_complete():
    dirs = {p.parent.name for p in CASES}
    assert {"display_vlan", "display_interface_brief", "display_port_vlan", "display_eth-trunk",
            "display_lldp_neighbor", "display_mac-address", "display_version"} <= dirs
    assert len(CASES) >= 15


@pytest.mark.parametrize("raw", CASES, ids=lambda p: p.stem)
def test_parse_equals_parsed_sample(raw: Path):
    assert parse(_command(raw), raw.read_text()) == _expected(raw)


@pytest.mark.parametrize("raw", CASES, ids=lambda p: p.stem)
def test_parse_accepts_abbreviated_command(raw: Path):
    words = _command(raw).split()
    abbreviated = " ".join(w[:4] if w.startswith("disp") else w for w in words)
    assert parse(abbreviated, raw.read_text()) == _expected(raw)


MODEL_FOR = {
    "display_interface_brief": InterfaceBrief,
    "display_port_vlan": PortVlan,
    "display_lldp_neighbor": LldpNeighbor,
    "display_mac-address": MacEntry,
    "display_version": VersionInfo,
    "display_vlan": Vlan,
    "display_vlan_brief": Vlan,
}


@pytest.mark.parametrize("raw", CASES, ids=lambda p: p.stem)
def test_models_carry_parsed_values(raw: Path):
    rows = _expected(raw)
    kind = raw.parent.name
    if kind == "display_eth-trunk":
        trunks = EthTrunk.from_ntc_rows(rows)
        assert [m.interface for t in trunks for m in t.members] == [r["interface"] for r in rows]
        for t in trunks:
            row = next(r for r in rows if r["eth_trunk"] == t.name)
            assert t.working_mode == row["working_mode"]
            assert t.operate_status == row["operate_status"]
            assert t.up_ports == int(row["number_of_up_port_in_trunk"])
        return
    model = MODEL_FOR[kind]
    built = [model.from_ntc(r) for r in rows]
    assert len(built) == len(rows)
    for m, r in zip(built, rows):
        if model is InterfaceBrief:
            assert (m.name, m.phy, m.protocol, m.in_util, m.out_util) == (
                r["interface"], r["phy"], r["protocol"], r["inuti"], r["oututi"])
            assert m.in_errors == int(r["inerrors"]) and m.out_errors == int(r["outerrors"])
        elif model is PortVlan:
            assert (m.interface, m.link_type, m.pvid) == (r["interface"], r["link_type"], int(r["vlan_id"]))
            assert m.trunk_vlans == expand_vlan_list(r["trunk_vlan_list"])
        elif model is LldpNeighbor:
            assert (m.local_interface, m.neighbor_device, m.neighbor_port_id, m.chassis_id) == (
                r["local_interface"], r["neighbor_name"], r["neighbor_port_id"], r["chassis_id"])
        elif model is MacEntry:
            assert (m.mac, m.vlan, m.interface, m.type) == (
                r["destination_address"], int(r["vlan_id"]), r["destination_port"], r["type"])
        elif model is VersionInfo:
            assert (m.vrp_version, m.product_version, m.model, m.uptime) == (
                r["vrp_version"], r["product_version"], r["model"], r["uptime"])
        elif model is Vlan:
            assert m.vid == int(r["vlan_id"])
            assert m.status == r["vlan_status"] and m.property == r.get("vlan_property", "")
            members = m.tagged if r["mode"] == "TG" else m.untagged
            assert members == (r["interface"] or [])


def test_version_flavour():
    rows = {p.stem: parse("display version", p.read_text())[0]
            for p in (FIXTURES / "display_version").glob("*.raw")}
    flavours = {k: VersionInfo.from_ntc(r).flavour for k, r in rows.items()}
    assert flavours["huawei_vrp_display_version"] == "vrp8"  # Version 8.180
    assert flavours["huawei_vrp_display_version3"] == "vrp5"  # Version 5.170


def test_parse_vlans_keeps_every_port_group_and_agrees_with_ntc():
    raw = (FIXTURES / "display_vlan" / "huawei_vrp_display_vlan.raw").read_text()
    vlans = {v.vid: v for v in parse_vlans(raw)}
    assert sorted(vlans) == [1, 10, 20, 30, 1555]
    assert vlans[1].untagged == [f"XGE0/0/{i}" for i in range(1, 7)]
    # ntc keeps only the first group; the TG group of VLAN 1 is here too.
    assert vlans[1].tagged == [f"40GE0/0/{i}" for i in range(1, 7)]
    assert vlans[1555].tagged == ["Eth-Trunk0"] and vlans[1555].port_state["Eth-Trunk0"] == "U"
    assert vlans[1555].property == "multicastVLAN"
    assert vlans[30].untagged[0] == "XGE0/0/13" and len(vlans[30].tagged) == 6
    for row in parse("display vlan", raw):
        v = vlans[int(row["vlan_id"])]
        assert (v.description, v.status, v.mac_learning, v.statistics) == (
            row["vlan_description"], row["vlan_status"], row["vlan_mac_learning"], row["vlan_statistics"])
        assert set(row["interface"]) <= set(v.tagged) | set(v.untagged)


CE_VLAN = """\
--------------------------------------------------------------------------------
U: Up;         D: Down;         TG: Tagged;         UT: Untagged;
MP: Vlan-mapping;               ST: Vlan-stacking;
#: ProtocolTransparent-vlan;    *: Management-vlan;
--------------------------------------------------------------------------------

VID  Ports
--------------------------------------------------------------------------------
   1 UT:10GE1/0/1(U)     10GE1/0/2(D)
   10 TG:10GE2/17/1(U)   Eth-Trunk1(D)
 100
--------------------------------------------------------------------------------
VID  Type      Status  Property  MAC-LRN  STAT     BC       MC       UC       Description
--------------------------------------------------------------------------------
   1 common    enable  default   enable   disable  forward  forward  forward  VLAN 0001
  10 common    enable  default   enable   disable  forward  forward  forward  web servers
 100 common    enable  default   enable   disable  forward  forward  forward
"""


def test_parse_vlans_ce_layout():
    vlans = {v.vid: v for v in parse_vlans(CE_VLAN)}
    assert sorted(vlans) == [1, 10, 100]
    assert vlans[1].untagged == ["10GE1/0/1", "10GE1/0/2"]
    assert vlans[10].tagged == ["10GE2/17/1", "Eth-Trunk1"]
    assert vlans[10].description == "web servers"
    assert vlans[100].description == "" and vlans[100].tagged == [] and vlans[100].type == "common"


RUNNING = """\
!Software Version V100R001C00
!Last configuration was updated at 2026-05-01 12:00:00+00:00
#
sysname CX310-2X
#
vlan batch 10 20 to 22 100
#
vlan 10
 description web servers
#
interface 10GE2/1/1
 port link-type trunk
 undo port trunk allow-pass vlan 1
 port trunk allow-pass vlan 10 20 to 22
 port trunk pvid vlan 10
#
interface 10GE2/2/1
 port link-type access
 port default vlan 100
#
interface 10GE2/17/1
 eth-trunk 1
#
interface Eth-Trunk1
 port link-type hybrid
 port hybrid pvid vlan 20
 port hybrid tagged vlan 10 21
 port hybrid untagged vlan 20
 shutdown
#
return
"""


def test_running_config_sections_and_l2_settings():
    sections = parse("dis cu", RUNNING)
    assert sections[0] == {"section": "sysname CX310-2X", "lines": []}
    assert {"section": "vlan 10", "lines": ["description web servers"]} in sections
    rc = parse_running_config(RUNNING)
    assert rc.sysname == "CX310-2X"
    assert rc.vlans == {10: "web servers", 20: "", 21: "", 22: "", 100: ""}
    t = rc.interfaces["10GE2/1/1"]
    assert (t.link_type, t.trunk_allow, t.trunk_pvid) == ("trunk", [10, 20, 21, 22], 10)
    a = rc.interfaces["10GE2/2/1"]
    assert (a.link_type, a.default_vlan) == ("access", 100)
    assert rc.interfaces["10GE2/17/1"].eth_trunk == 1
    h = rc.interfaces["Eth-Trunk1"]
    assert (h.hybrid_pvid, h.hybrid_tagged, h.hybrid_untagged, h.shutdown) == (20, [10, 21], [20], True)


def test_lldp_brief_both_column_orders():
    ce = """\
Local Interface         Exptime(s) Neighbor Interface      Neighbor Device
-------------------------------------------------------------------------------
10GE1/0/45                    101  10GE1/0/45              TEST-LM01
MEth0/0/0                     119  GigabitEthernet1/0/42   TEST-LM04
"""
    s = """\
Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)
XGE0/0/1         core-sw1                 XGE0/0/9                  98
"""
    rows = parse("display lldp neighbor brief", ce)
    assert rows[1] == {"local_interface": "MEth0/0/0", "exptime": "119",
                       "neighbor_interface": "GigabitEthernet1/0/42", "neighbor_device": "TEST-LM04"}
    rows = parse("dis lldp nei b", s)
    assert rows == [{"local_interface": "XGE0/0/1", "neighbor_device": "core-sw1",
                     "neighbor_interface": "XGE0/0/9", "exptime": "98"}]
    n = LldpNeighbor.from_ntc(rows[0])
    assert (n.neighbor_device, n.expired_time) == ("core-sw1", 98)


def test_normalise_command():
    assert normalise_command("dis cu") == "display current-configuration"
    assert normalise_command("dis  cur  interface 10GE1/0/1") == "display current-configuration interface 10GE1/0/1"
    assert normalise_command("disp int br") == "display interface brief"
    assert normalise_command("dis eth-t") == "display eth-trunk"
    assert normalise_command("sys") == "system-view"
    with pytest.raises(ValidationError, match="ambiguous"):
        normalise_command("dis v")  # vlan or version


def test_unknown_command_is_unsupported():
    with pytest.raises(UnsupportedError, match="display foo"):
        parse("display foo", "x")


def test_vlan_list_helpers():
    assert expand_vlan_list("10 20 to 23") == [10, 20, 21, 22, 23]
    assert expand_vlan_list(["1", "249-251"]) == [1, 249, 250, 251]
    assert expand_vlan_list("-") == []
    assert len(expand_vlan_list("all")) == 4094
    assert compress_vlan_list([30, 10, 20, 21, 22]) == ["10", "20 to 22", "30"]
    assert vlan_batch_args(range(1, 40, 2), max_fragments=10) == [
        "1 3 5 7 9 11 13 15 17 19", "21 23 25 27 29 31 33 35 37 39"]
    with pytest.raises(ValidationError, match="4095"):
        expand_vlan_list("4095")
    with pytest.raises(ValidationError, match="backwards"):
        expand_vlan_list("20 to 10")
    with pytest.raises(ValidationError, match="abc"):
        expand_vlan_list("abc")
