"""VRP CLI engine (no transport): commands, errors, views, paging, vrp8 commit."""
from __future__ import annotations

import pytest

from vessel_core.sim.vrp.engine import (
    COMMIT_ON_EXIT,
    ERR_AMBIGUOUS,
    ERR_COMMIT_FAILED,
    ERR_INCOMPLETE,
    ERR_RENEW_DEFAULT,
    ERR_TOO_MANY,
    ERR_UNRECOGNIZED,
    ERR_WRONG,
    MORE,
    SAVE_QUESTION,
    VrpCli,
)
from vessel_core.sim.vrp.state import SwitchState, port_names


def make(flavour="vrp5", **kw):
    sw = SwitchState.default(2, flavour, seed=3)
    return sw, VrpCli(sw, paging=False, **kw)


def run(cli, *lines):
    out = ""
    for line in lines:
        out += cli.feed(line)
    return out


def ok(cli, *lines):
    for line in lines:
        out = cli.feed(line)
        assert "Error" not in out, (line, out)


def test_state_roundtrip_and_naming():
    sw = SwitchState.default(2, "vrp8", 1)
    assert SwitchState.model_validate_json(sw.model_dump_json()) == sw
    names = port_names(2)
    assert "10GE2/17/1" in names and "10GE2/16/2" in names and "40GE2/18/1" in names and "GE2/19/2" in names
    assert len(names) == 32 + 16 + 1 + 2
    with pytest.raises(ValueError):
        SwitchState.default(2, "vrp9", 1)


def test_prompts_and_views():
    sw, cli = make("vrp5")
    assert cli.prompt == "<CX310_2>"
    ok(cli, "system-view")
    assert cli.prompt == "[CX310_2]"
    ok(cli, "vlan 10")
    assert cli.prompt == "[CX310_2-vlan10]"
    ok(cli, "interface 10GE2/17/1")
    assert cli.prompt == "[CX310_2-10GE2/17/1]"
    ok(cli, "quit")
    assert cli.prompt == "[CX310_2]"
    ok(cli, "interface Eth-Trunk 1")
    assert cli.prompt == "[CX310_2-Eth-Trunk1]"
    ok(cli, "return")
    assert cli.prompt == "<CX310_2>"
    ok(cli, "sys", "sysname CORE")
    assert cli.prompt == "[CORE]"
    ok(cli, "quit", "quit")
    assert cli.closed


@pytest.mark.parametrize("line,err,col", [
    ("foo", ERR_UNRECOGNIZED, 0),
    ("vlan 5000", ERR_WRONG, 5),
    ("vlan", ERR_INCOMPLETE, 5),
    ("quit now", ERR_TOO_MANY, 5),
    ("dis v", ERR_AMBIGUOUS, 4),
    ("vlan batch 10 to 5", ERR_WRONG, 17),
    ("interface 10GE2/20/1", ERR_WRONG, 10),
])
def test_syntax_errors_carry_caret(line, err, col):
    sw, cli = make()
    ok(cli, "system-view")
    prompt = cli.prompt
    out = cli.feed(line)
    caret, msg = out.rstrip("\n").split("\n")
    assert msg == err
    assert caret.index("^") == len(prompt) + col


def test_vlans_batch_undo_description_name():
    sw, cli = make()
    ok(cli, "sys", "vlan batch 10 20 30 to 33", "vlan 10", "description Servers net", "name srv", "quit")
    assert sorted(sw.running.vlans) == [1, 10, 20, 30, 31, 32, 33]
    assert sw.running.vlans[10].description == "Servers net" and sw.running.vlans[10].name == "srv"
    ok(cli, "undo vlan batch 30 to 32", "undo vlan 20")
    assert sorted(sw.running.vlans) == [1, 10, 33]
    assert run(cli, "undo vlan 20") == "Error: The VLAN does not exist.\n"
    assert "Error" in run(cli, "undo vlan 1")
    ok(cli, "vlan 10", "undo description")
    assert sw.running.vlans[10].description is None


def test_access_trunk_hybrid_and_link_type_guard():
    sw, cli = make()
    ok(cli, "sys", "vlan batch 10 20 30", "interface 10GE2/1/1", "port link-type trunk",
       "port trunk allow-pass vlan 10 20 to 30", "port trunk pvid vlan 10")
    p = sw.running.interfaces["10GE2/1/1"]
    assert p.link_type == "trunk" and p.trunk_pvid == 10 and set(p.trunk_allowed) == {1, 10} | set(range(20, 31))
    assert run(cli, "port link-type access") == ERR_RENEW_DEFAULT + "\n"
    assert "Error" in run(cli, "port default vlan 10")
    ok(cli, "undo port trunk allow-pass vlan 20 to 30", "undo port trunk allow-pass vlan 10", "undo port trunk pvid vlan")
    assert p.trunk_allowed == [1]
    ok(cli, "port link-type access", "port default vlan 20")
    assert p.link_type == "access" and p.default_vlan == 20
    assert run(cli, "port default vlan 99") == "Error: The VLAN does not exist.\n"
    ok(cli, "undo port default vlan", "port link-type hybrid", "port hybrid pvid vlan 10",
       "port hybrid tagged vlan 20 30", "port hybrid untagged vlan 10")
    assert (p.hybrid_pvid, p.hybrid_tagged, p.hybrid_untagged) == (10, [20, 30], [1, 10])
    ok(cli, "undo port hybrid tagged vlan 30")
    assert p.hybrid_tagged == [20]
    ok(cli, "quit", "interface 10GE2/1/2", "port link-type trunk", "port trunk allow-pass vlan all")
    assert len(sw.running.interfaces["10GE2/1/2"].trunk_allowed) == 4094
    ok(cli, "undo port trunk allow-pass vlan all")
    assert sw.running.interfaces["10GE2/1/2"].trunk_allowed == []


def test_shutdown_and_description():
    sw, cli = make()
    ok(cli, "sys", "interface 10GE2/17/1", "shutdown", "description uplink A")
    p = sw.running.interfaces["10GE2/17/1"]
    assert p.shutdown and p.description == "uplink A"
    assert "10GE2/17/1                  *down" in run(cli, "display interface brief")
    ok(cli, "undo shutdown")
    assert not p.shutdown


def test_eth_trunk_membership_rules():
    sw, cli = make()
    ok(cli, "sys", "interface Eth-Trunk 1", "mode lacp", "trunkport 10GE2/17/1 to 10GE2/17/3")
    t = sw.running.eth_trunks[1]
    assert t.mode == "lacp" and t.members == ["10GE2/17/1", "10GE2/17/2", "10GE2/17/3"]
    ok(cli, "undo trunkport 10GE2/17/3", "quit")
    assert t.members == ["10GE2/17/1", "10GE2/17/2"]
    # a member must have default settings
    ok(cli, "vlan 10", "quit", "interface 10GE2/17/5", "port default vlan 10")
    assert run(cli, "eth-trunk 1") == ERR_RENEW_DEFAULT + "\n"
    ok(cli, "undo port default vlan", "eth-trunk 1")
    assert "10GE2/17/5" in t.members
    # L2 settings are refused on a member
    assert run(cli, "port link-type trunk") == "Error: The interface is an Eth-Trunk member.\n"
    ok(cli, "undo eth-trunk")
    assert "10GE2/17/5" not in t.members
    assert run(cli, "eth-trunk 9") == "Error: The Eth-Trunk does not exist.\n"
    ok(cli, "quit", "interface Eth-Trunk 2")
    assert run(cli, "trunkport 10GE2/17/1") == "Error: The interface has been added to another Eth-Trunk.\n"
    ok(cli, "mode manual load-balance")
    assert sw.running.eth_trunks[2].mode == "manual"
    ok(cli, "quit", "undo interface Eth-Trunk 2")
    assert 2 not in sw.running.eth_trunks and "Eth-Trunk2" not in sw.running.interfaces
    assert "Error" in run(cli, "undo interface Eth-Trunk 1")  # still has members


def test_eth_trunk_member_limit():
    sw, cli = make()
    ok(cli, "sys", "interface Eth-Trunk 3", "trunkport 10GE2/17/1 to 10GE2/17/8")
    assert run(cli, "trunkport 10GE2/17/9") == \
        "Error: The number of members in the Eth-Trunk reached the upper limit.\n"


def test_screen_length_and_more_paging():
    sw = SwitchState.default(2, "vrp5", seed=3)
    cli = VrpCli(sw)  # paging on by default
    out = cli.feed("display interface brief")
    assert out.endswith(MORE) and cli.awaiting_key
    assert out.count("\n") == cli.page_lines
    nxt = cli.feed_key("\r")  # one more line
    assert nxt.count("\n") == 1 and nxt.endswith(MORE)
    rest = cli.feed_key(" ")
    assert rest.endswith(MORE) or not cli.awaiting_key
    cli.feed_key("q")
    assert not cli.awaiting_key
    cli.feed("screen-length 0 temporary")
    out = cli.feed("display interface brief")
    assert MORE not in out and "GE2/19/2" in out


def test_save_dialog():
    sw, cli = make()
    ok(cli, "sys", "vlan 44", "return")
    assert 44 not in sw.saved.vlans
    assert run(cli, "save") == SAVE_QUESTION
    assert run(cli, "n") == "" and 44 not in sw.saved.vlans
    run(cli, "save")
    assert "Info: Save the configuration successfully." in run(cli, "y")
    assert 44 in sw.saved.vlans
    assert "vlan batch 44" in run(cli, "display saved-configuration")


def test_vrp8_commit_flow():
    changes = []
    sw, cli = make("vrp8", on_change=changes.append)
    ok(cli, "system-view")
    assert cli.prompt == "[~CX310_2]"
    ok(cli, "vlan 100")
    assert cli.prompt == "[*CX310_2-vlan100]"
    assert 100 not in sw.running.vlans and sw.candidate is not None and 100 in sw.candidate.vlans
    ok(cli, "quit", "commit")
    assert 100 in sw.running.vlans and cli.prompt == "[~CX310_2]" and len(changes) == 1
    # abort discards
    ok(cli, "vlan 101", "abort")
    assert 101 not in sw.running.vlans and cli.prompt == "<CX310_2>"


def test_vrp8_leave_with_pending_changes_asks():
    sw, cli = make("vrp8")
    ok(cli, "sys", "vlan 200", "quit")
    assert run(cli, "quit") == COMMIT_ON_EXIT
    assert run(cli, "c") == "" and cli.view == "system"
    assert run(cli, "return") == COMMIT_ON_EXIT
    run(cli, "n")
    assert cli.view == "user" and 200 not in sw.running.vlans
    ok(cli, "sys", "vlan 201", "return")
    run(cli, "y")
    assert cli.view == "user" and 201 in sw.running.vlans


def test_vrp8_commit_failure_on_bad_candidate():
    sw, cli = make("vrp8")
    ok(cli, "sys", "interface 10GE2/1/1", "port default vlan 300")  # VLAN 300 does not exist
    assert run(cli, "commit") == ERR_COMMIT_FAILED + "\n"
    assert "Failed to generate committed config" in ERR_COMMIT_FAILED
    assert sw.running.interfaces["10GE2/1/1"].default_vlan == 1
    ok(cli, "quit", "vlan 300", "quit", "commit")
    assert sw.running.interfaces["10GE2/1/1"].default_vlan == 300


def test_vrp8_concurrent_sessions_conflict():
    sw = SwitchState.default(2, "vrp8", seed=3)
    a, b = VrpCli(sw, paging=False), VrpCli(sw, paging=False)
    ok(a, "sys", "interface Eth-Trunk 1", "trunkport 10GE2/17/4")
    ok(b, "sys", "vlan 5", "interface 10GE2/17/4", "port default vlan 5", "quit", "commit")
    assert run(a, "commit") == ERR_COMMIT_FAILED + "\n"


def test_vrp5_has_no_commit():
    sw, cli = make("vrp5")
    ok(cli, "sys")
    assert ERR_UNRECOGNIZED in run(cli, "commit")


def test_first_login_password_question():
    sw = SwitchState.default(2, "vrp5", seed=3)
    sw.first_login_password_prompt = True
    cli = VrpCli(sw)
    assert cli.login_banner().endswith("Change now? [Y/N]:")
    assert cli.awaiting_answer
    cli.feed("N")
    assert not cli.awaiting_answer and cli.prompt == "<CX310_2>"


def test_current_configuration_reflects_state():
    sw, cli = make("vrp8")
    ok(cli, "sys", "vlan batch 10 20", "vlan 10", "description web", "quit", "interface 10GE2/3/1",
       "port link-type trunk", "port trunk allow-pass vlan 10 20", "undo port trunk allow-pass vlan 1", "quit",
       "interface Eth-Trunk 4", "mode lacp", "trunkport 10GE2/17/9", "commit")
    cfg = run(cli, "display current-configuration")
    assert cfg.startswith("!Software Version") and cfg.rstrip().endswith("return")
    for frag in ("sysname CX310_2", "vlan batch 10 20", "vlan 10\n description web",
                 "interface 10GE2/3/1\n port link-type trunk\n undo port trunk allow-pass vlan 1\n"
                 " port trunk allow-pass vlan 10 20", "interface Eth-Trunk4\n mode lacp",
                 "interface 10GE2/17/9\n eth-trunk 4"):
        assert frag in cfg, frag
