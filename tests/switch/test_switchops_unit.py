"""Pure switchops: parsing the running configuration, line generation, restore, vlan_range."""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfprovider.framework import FunctionError
from tfprovider.vessel.resources.functions import VlanRange, parse_vlan_range
from vessel_core.sim.vrp.engine import VrpCli as SimCli
from vessel_core.sim.vrp.render import configuration
from vessel_core.sim.vrp.state import SwitchState
from vessel_core.switchops import (
    Change,
    LagState,
    PortState,
    VlanState,
    parse_view,
    plan_lines,
    restore_changes,
    satisfied,
    switch_slot,
)

CONFIG = """!Software Version V100R002C00SPC100
#
sysname CX310_2
#
vlan batch 10 20 to 22
#
vlan 10
 name web
 description Web tier
#
interface Eth-Trunk1
 port link-type trunk
 undo port trunk allow-pass vlan 1
 port trunk allow-pass vlan 10 20
 mode lacp
#
interface 10GE2/17/1
 eth-trunk 1
#
interface 10GE2/17/2
 eth-trunk 1
#
interface 10GE2/17/3
 description uplink
 shutdown
 port link-type trunk
 port trunk pvid vlan 10
 port trunk allow-pass vlan 10 20 to 22
#
interface 10GE2/17/4
 port link-type hybrid
 port hybrid pvid vlan 20
 port hybrid tagged vlan 10
 undo port hybrid untagged vlan 1
 port hybrid untagged vlan 20
#
interface 10GE2/17/5
#
return
"""


def test_parse_view():
    v = parse_view(CONFIG)
    assert v.flavour == "vrp8"
    assert sorted(v.vlans) == [1, 10, 20, 21, 22] and v.vlans[10] == VlanState(10, "web", "Web tier")
    assert v.ports["10GE2/17/3"] == PortState("trunk", 10, frozenset({1, 10, 20, 21, 22}), "uplink", False)
    assert v.ports["10GE2/17/4"] == PortState("hybrid", 20, frozenset({10}), untagged=frozenset({20}))
    assert v.ports["10GE2/17/5"] == PortState()
    assert v.lags[1] == LagState(1, "lacp", frozenset({"10GE2/17/1", "10GE2/17/2"}),
                                 PortState("trunk", 1, frozenset({10, 20})))
    assert v.lag_of("10GE2/17/2") == 1 and v.lag_of("10GE2/17/5") is None


def test_lines_are_phased_and_minimal():
    v = parse_view(CONFIG)
    lines, after = plan_lines(v, [
        Change("port", "10GE2/17/3", None),  # back to defaults: trunk settings undone first
        Change("vlan", 30, VlanState(30, None, "new")),
        Change("vlan", 31, VlanState(31)),
        Change("vlan", 21, None),
        Change("lag", 1, LagState(1, "lacp", frozenset({"10GE2/17/2", "10GE2/17/5"}),
                                  PortState("trunk", 1, frozenset({10, 20})))),
    ])
    assert lines == [
        "vlan batch 30 to 31",
        "vlan 30", "description new", "quit",
        "interface 10GE2/17/1", "undo eth-trunk", "quit",
        "interface 10GE2/17/3", "undo port trunk allow-pass vlan 10 20 to 22", "undo port trunk pvid vlan",
        "port link-type access", "undo description", "undo shutdown", "quit",
        "interface 10GE2/17/5", "eth-trunk 1", "quit",
        "undo vlan batch 21",
    ]
    assert after.ports["10GE2/17/3"] == PortState() and 21 not in after.vlans
    assert all(satisfied(after, c) for c in [Change("vlan", 30, VlanState(30, None, "new")),
                                             Change("port", "10GE2/17/3", None)])
    # nothing to do -> no lines
    assert plan_lines(after, [Change("vlan", 30, VlanState(30, None, "new"))])[0] == []


def test_lag_mode_change_empties_the_trunk_first():
    v = parse_view(CONFIG)
    lines, _ = plan_lines(v, [Change("lag", 1, LagState(1, "manual", frozenset({"10GE2/17/1"}),
                                                        PortState("trunk", 1, frozenset({10, 20}))))])
    assert lines == ["interface 10GE2/17/1", "undo eth-trunk", "quit", "interface 10GE2/17/2", "undo eth-trunk",
                     "quit", "interface Eth-Trunk1", "mode manual", "quit",
                     "interface 10GE2/17/1", "eth-trunk 1", "quit"]
    vrp5 = parse_view(CONFIG.replace("!Software Version V100R002C00SPC100\n", ""), "vrp5")
    lines, _ = plan_lines(vrp5, [Change("lag", 2, LagState(2, "lacp"))])
    assert lines == ["interface Eth-Trunk2", "mode lacp-static", "quit"]


def _sim(flavour: str) -> SimCli:
    cli = SimCli(SwitchState.default(2, flavour), paging=False)
    return cli


def _run(cli: SimCli, lines: list[str]) -> None:
    for ln in ["system-view", *lines, *(["commit"] if cli.vrp8 else []), "return"]:
        out = cli.feed(ln)
        assert "Error" not in out, (ln, out)


@pytest.mark.parametrize("flavour", ["vrp5", "vrp8"])
def test_restore_brings_the_emulated_switch_back(flavour):
    """Lines meet the emulated VRP engine (no transport): change, then restore to the snapshot."""
    cli = _sim(flavour)
    snap_text = configuration(cli.sw, cli.sw.running)
    snap = parse_view(snap_text, flavour)
    lines, _ = plan_lines(snap, [
        Change("vlan", 10, VlanState(10, "web", "Web")), Change("vlan", 20, VlanState(20)),
        Change("port", "10GE2/17/3", PortState("trunk", 10, frozenset({10, 20}), "up")),
        Change("port", "10GE2/17/4", PortState("hybrid", 20, frozenset({10}), enabled=False)),
        Change("lag", 3, LagState(3, "lacp", frozenset({"10GE2/17/7", "10GE2/17/8"}),
                                  PortState("trunk", 1, frozenset({20})))),
    ])
    _run(cli, lines)
    now = parse_view(configuration(cli.sw, cli.sw.running), flavour)
    assert now.ports["10GE2/17/3"] == PortState("trunk", 10, frozenset({10, 20}), "up")
    assert now.lags[3].members == {"10GE2/17/7", "10GE2/17/8"}
    changes = restore_changes(now, snap)
    assert {c.kind for c in changes} == {"vlan", "port", "lag"}
    restore, _ = plan_lines(now, changes)
    _run(cli, restore)
    assert configuration(cli.sw, cli.sw.running) == snap_text
    assert restore_changes(parse_view(snap_text, flavour), snap) == []


ports = st.builds(
    PortState,
    link_type=st.sampled_from(["access", "trunk", "hybrid"]),
    default_vlan=st.sampled_from([1, 10, 20]),
    allowed_vlans=st.frozensets(st.sampled_from([1, 10, 20, 30, 31, 32]), max_size=4),
    description=st.one_of(st.none(), st.sampled_from(["a", "uplink x"])),
    enabled=st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ports, min_size=1, max_size=4))
def test_any_port_sequence_converges_on_the_engine(seq):
    cli = _sim("vrp8")
    _run(cli, ["vlan batch 10 20 30 to 32"])
    for want in seq:
        if want.link_type == "access":
            want = PortState("access", want.default_vlan, frozenset(), want.description, want.enabled)
        if want.link_type == "hybrid":
            want = PortState("hybrid", want.default_vlan, want.allowed_vlans - {want.default_vlan},
                             want.description, want.enabled)
        view = parse_view(configuration(cli.sw, cli.sw.running), "vrp8")
        lines, _ = plan_lines(view, [Change("port", "10GE2/17/3", want)])
        _run(cli, lines)
        after = parse_view(configuration(cli.sw, cli.sw.running), "vrp8")
        assert satisfied(after, Change("port", "10GE2/17/3", want)), (want, lines, after.ports["10GE2/17/3"])


def test_vlan_range():
    assert parse_vlan_range("10-12,30") == [10, 11, 12, 30]
    assert parse_vlan_range(" 5 , 5-6 ") == [5, 6] and parse_vlan_range("") == []
    for bad, word in (("10-x", '"10-x"'), ("0", "outside"), ("4095", "outside"), ("20-10", "backwards"),
                      ("1,,2", '""')):
        with pytest.raises(ValueError, match=word):
            parse_vlan_range(bad)
    with pytest.raises(FunctionError) as ei:
        asyncio.run(VlanRange().run("1-4095"))
    assert ei.value.argument == 0 and "4095" in ei.value.text


def test_switch_labels():
    assert switch_slot("2X") == 2 and switch_slot("4E") == 4
    with pytest.raises(Exception, match="switch"):
        switch_slot("5X")
