"""Every display command the emulated CX310 prints is read by the public ntc-templates
huawei_vrp parsers, and the records agree with the switch state."""
from __future__ import annotations

import re

import pytest
from ntc_templates.parse import parse_output

from vessel_core.sim.vrp.engine import VrpCli
from vessel_core.sim.vrp.render import mac_rows, port_up
from vessel_core.sim.vrp.state import SwitchState


@pytest.fixture(params=["vrp5", "vrp8"])
def configured(request):
    sw = SwitchState.default(2, request.param, seed=11)
    cli = VrpCli(sw, paging=False)
    for line in ["system-view", "vlan batch 10 20 to 22 300", "vlan 10", "description Servers net", "quit",
                 "interface 10GE2/1/1", "port link-type trunk", "port trunk allow-pass vlan 10 20 100 to 300",
                 "port trunk pvid vlan 10", "quit",
                 "interface 10GE2/2/1", "port default vlan 10", "quit",
                 "interface 10GE2/3/1", "port link-type hybrid", "port hybrid tagged vlan 20 21",
                 "port hybrid untagged vlan 22", "quit",
                 "interface 10GE2/17/16", "shutdown", "quit",
                 "interface Eth-Trunk 1", "mode lacp", "trunkport 10GE2/17/1 to 10GE2/17/2", "quit",
                 "interface Eth-Trunk 2", "trunkport 10GE2/17/5", "port link-type trunk",
                 "port trunk allow-pass vlan 300", "quit"]:
        out = cli.feed(line)
        assert "Error" not in out, (line, out)
    if sw.flavour == "vrp8":
        assert cli.feed("commit") == ""
    cli.feed("return")
    return sw, cli


def parse(cli, cmd):
    return parse_output(platform="huawei_vrp", command=cmd, data=cli.feed(cmd))


def test_display_vlan(configured):
    sw, cli = configured
    recs = parse(cli, "display vlan")
    by_id: dict[int, dict] = {}
    for r in recs:
        by_id.setdefault(int(r["vlan_id"]), r)
    assert set(by_id) == set(sw.running.vlans)
    for vid, r in by_id.items():
        v = sw.running.vlans[vid]
        assert r["vlan_description"] == (v.description or f"VLAN {vid:04d}")
        assert r["vlan_status"] == "enable"
    # membership: every parsed (port, mode) pair is true in the state, and small VLANs are complete
    cfg = sw.running
    seen: dict[int, set[str]] = {}
    for r in recs:
        vid = int(r["vlan_id"])
        for port, status in zip(r.get("interface") or [], r.get("interface_status") or []):
            p = cfg.interfaces[port]
            want = p.untagged_vlans() if r["mode"] == "UT" else p.tagged_vlans()
            assert vid in want, (vid, port, r["mode"])
            assert status == ("U" if port_up(sw, cfg, port) else "D")
            seen.setdefault(vid, set()).add(port)
    assert seen[10] == {"10GE2/1/1", "10GE2/2/1"}
    assert seen[300] == {"10GE2/1/1", "Eth-Trunk2"}
    assert seen[21] == {"10GE2/3/1"}


def test_display_interface_brief(configured):
    sw, cli = configured
    recs = parse(cli, "display interface brief")
    names = [r["interface"] for r in recs]
    assert set(names) == set(sw.running.interfaces)
    by = {r["interface"]: r for r in recs}
    assert by["10GE2/17/16"]["phy"] == "*down"
    for name in sw.running.interfaces:
        if not sw.running.interfaces[name].shutdown:
            assert by[name]["phy"] == ("up" if port_up(sw, sw.running, name) else "down"), name
    assert by["Eth-Trunk1"]["phy"] == "up"


def test_display_port_vlan(configured):
    sw, cli = configured
    recs = parse(cli, "display port vlan")
    by = {r["interface"]: r for r in recs}
    assert set(by) == set(sw.running.interfaces)
    members = {m for t in sw.running.eth_trunks.values() for m in t.members}

    def expand(items):
        out = set()
        for it in items:
            a, _, b = it.partition("-")
            out.update(range(int(a), int(b or a) + 1))
        return out

    for name, r in by.items():
        p = sw.running.interfaces[name]
        if name in members:
            assert r["link_type"] == "" and r["vlan_id"] == ""  # the bundled-port row (PVID 0)
            continue
        assert r["link_type"] == p.link_type and int(r["vlan_id"]) == p.pvid
        if p.link_type == "trunk":
            assert expand(r["trunk_vlan_list"]) == set(p.trunk_allowed)
        elif p.link_type == "hybrid":
            assert expand(r["trunk_vlan_list"]) == set(p.hybrid_tagged) | set(p.hybrid_untagged)


def test_display_eth_trunk(configured):
    sw, cli = configured
    recs = parse(cli, "display eth-trunk")
    local = [r for r in recs if not r["partner_system_id"]]
    got = {(r["eth_trunk"], r["interface"]) for r in local}
    want = {(f"Eth-Trunk{t.id}", m) for t in sw.running.eth_trunks.values() for m in t.members}
    assert got == want
    modes = {r["eth_trunk"]: r["working_mode"] for r in local}
    assert modes == {"Eth-Trunk1": "LACP", "Eth-Trunk2": "NORMAL"}
    one = parse(cli, "display eth-trunk 2")
    assert {r["interface"] for r in one} == {"10GE2/17/5"}


def test_display_mac_address(configured):
    sw, cli = configured
    recs = parse(cli, "display mac-address")
    got = {(r["destination_address"], int(r["vlan_id"]), r["destination_port"], r["type"]) for r in recs}
    assert got == set(mac_rows(sw, sw.running)) and got
    # the blade MAC on 10GE2/2/1 is learned in the access VLAN 10
    assert any(port == "10GE2/2/1" and vlan == 10 for _, vlan, port, _ in got)


def test_display_lldp_neighbor(configured):
    sw, cli = configured
    recs = parse(cli, "display lldp neighbor")
    got = {(r["local_interface"], r["neighbor_name"], r["neighbor_port_id"], int(r["expired_time"])) for r in recs}
    want = {(n.local_interface, n.neighbor_device, n.neighbor_interface, n.exptime_s) for n in sw.lldp_neighbors}
    assert got == want and len(want) == 3


def test_display_lldp_neighbor_brief_columns(configured):
    # ntc-templates has no template for the brief table; read it by its CE column layout.
    sw, cli = configured
    out = cli.feed("display lldp neighbor brief")
    lines = out.splitlines()
    assert lines[0].split() == ["Local", "Interface", "Exptime(s)", "Neighbor", "Interface", "Neighbor", "Device"]
    rows = {tuple(line.split()) for line in lines[2:] if line.strip()}
    assert rows == {(n.local_interface, str(n.exptime_s), n.neighbor_interface, n.neighbor_device)
                    for n in sw.lldp_neighbors}


def test_display_version(configured):
    sw, cli = configured
    (r,) = parse(cli, "display version")
    assert r["vrp_version"] == sw.version.vrp_version
    assert r["product_version"] == sw.version.release
    assert r["model"] == "CX310"
    assert r["uptime"] == sw.version.uptime


def test_display_device(configured):
    sw, cli = configured
    (r,) = parse(cli, "display device")
    assert r["pid"] == "CX310" and r["online_status"] == "Present"


def test_abbreviated_commands_parse_too(configured):
    sw, cli = configured
    recs = parse_output(platform="huawei_vrp", command="dis inter br", data=cli.feed("dis inter br"))
    assert len(recs) == len(sw.running.interfaces)
    assert re.search(r"^sysname CX310_2$", cli.feed("dis cu"), re.M)
