"""SSH drivers against small asyncssh servers replaying real VRP output (no emulator needed)."""
from __future__ import annotations

import asyncio
import logging

import pytest

from vessel_core.drivers.ssh import (
    CliCommandError,
    HmmCli,
    HostKeyPolicy,
    IbmcCli,
    UnexpectedDialogError,
)
from vessel_core.drivers.ssh.ibmc import power_state_from_sel
from vessel_core.drivers.ssh.session import VRP, clean_output
from vessel_core.drivers.vrp import DirectPath, HmmHopPath, VrpCli
from vessel_core.errors import (
    AuthError,
    DeviceTimeoutError,
    NotFoundError,
    TransientError,
    UnsupportedError,
    ValidationError,
)

PW = "s3cret-Pw!"


def _vrp(srv, *, timeout=5.0, **kw) -> VrpCli:
    return VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.pinned(srv.fingerprint), port=srv.port),
                  timeout=timeout, connect_timeout=5.0, **kw)


def _hmm(srv, **kw) -> HmmCli:
    return HmmCli("127.0.0.1", port=srv.port, password=PW, host_keys=HostKeyPolicy.pinned(srv.fingerprint),
                  timeout=5.0, connect_timeout=5.0, **kw)


def test_vrp_prompt_regex():
    import re
    rx = re.compile(VRP.prompt)
    for ok in ("<HUAWEI>", "[HUAWEI]", "[HUAWEI-vlan100]", "[~HUAWEI]", "[*HUAWEI-10GE1/0/1]",
               "[HUAWEI-Eth-Trunk1]", "HRP_M<USG>", "<CX310-2>  "):
        assert rx.search(ok), ok
    for bad in ("[V200R009C00SPC500]", "[Y/N]:", "Continue? [Y/N]:", "text <a> more"):
        assert not rx.search(bad), bad


def test_clean_output_strips_quirks():
    raw = "d \x1b[1Display vlan\r\nline1\r\n  ---- More ----\x1b[16D                \x1b[16Dline2\r\n"
    assert clean_output(raw) == "display vlan\nline1\nline2\n"


def test_host_key_policy_requires_a_choice():
    with pytest.raises(ValidationError, match="host_keys"):
        HostKeyPolicy()
    with pytest.raises(ValidationError, match="SHA256"):
        HostKeyPolicy.pinned("MD5:aa")


async def test_vrp5_reads_are_parsed_and_constant_cost(fake_factory):
    srv = await fake_factory("vrp", paging=True)
    async with _vrp(srv) as sw:
        base = sw.commands_sent
        vlans = await sw.vlans()
        ports = await sw.port_vlans()
        assert sw.commands_sent - base == 2
        assert {v.vid for v in vlans} == {1, 10, 20, 30, 1555}
        assert {v.vid: v for v in vlans}[1].tagged[0] == "40GE0/0/1"
        assert len(ports) == 28 and ports[1].trunk_vlans == [1] + list(range(249, 256))
        assert (await sw.version()).flavour == "vrp5"
        rc = await sw.running_config()  # contains a [V200R...] line shaped like a prompt
        assert rc.sysname == "HUAWEI"
    assert srv.state.commands[0] == "screen-length 0 temporary"


async def test_vrp5_configure_and_save(fake_factory):
    srv = await fake_factory("vrp")
    async with _vrp(srv) as sw:
        await sw.configure(["vlan 100", "description web", "quit"])
        assert sw.flavour == "vrp5" and 100 in srv.state.vlans
        assert srv.state.commands[-1] == "return"
        await sw.save()
        assert srv.state.saved == 1


async def test_vrp8_commits_and_error_names_command(fake_factory):
    srv = await fake_factory("vrp", flavour="vrp8")
    async with _vrp(srv) as sw:
        assert await sw.detect_flavour() == "vrp8"
        await sw.configure(["vlan 200", "quit"])
        assert srv.state.committed == 1 and "commit" in srv.state.commands
        with pytest.raises(CliCommandError) as ei:
            await sw.configure(["vlan 300", "quit", "vlan 5000"])
        assert ei.value.command == "vlan 5000" and "Wrong parameter" in str(ei.value)
        assert ei.value.target == "swi2" and ei.value.operation == "vlan 5000"
        assert srv.state.committed == 1  # discarded, not committed
        assert (await sw.run("display vlan"))  # back in user view, session usable


async def test_unexpected_question_aborts(fake_factory):
    srv = await fake_factory("vrp")
    async with _vrp(srv) as sw:
        with pytest.raises(UnexpectedDialogError, match="Continue"):
            await sw.shell.run("reset saved-configuration", read_only=False)
        assert srv.state.commands[-1] == "reset saved-configuration"
        await sw.vlans()  # the shell is back at the prompt


async def test_prompt_never_seen_times_out(fake_factory):
    srv = await fake_factory("vrp", hang_on="display vlan")
    async with _vrp(srv, timeout=0.5) as sw:
        with pytest.raises(DeviceTimeoutError) as ei:
            await sw.vlans()
        assert ei.value.operation == "display vlan"


async def test_dropped_session_read_reconnects_config_raises(fake_factory):
    srv = await fake_factory("vrp")
    async with _vrp(srv) as sw:
        await sw.vlans()
        srv.state.drop_at = len(srv.state.commands) + 1  # the next command drops the session
        assert await sw.vlans()
        assert sw.shell.reconnects == 1
        srv.state.drop_at = len(srv.state.commands) + 2  # system-view passes, the next line drops
        with pytest.raises(TransientError, match="re-plan"):
            await sw.configure(["vlan 10", "quit"])
        assert 10 not in srv.state.vlans
        assert await sw.vlans()  # a later read reconnects


async def test_wrong_password_is_auth_error_quickly(fake_factory):
    srv = await fake_factory("vrp")
    sw = VrpCli(2, DirectPath("127.0.0.1", "admin", "wrong", HostKeyPolicy.pinned(srv.fingerprint),
                              port=srv.port), connect_timeout=5)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(AuthError):
        await sw.vlans()
    assert loop.time() - t0 < 5


async def test_host_key_mismatch_refused(fake_factory, tmp_path):
    srv = await fake_factory("vrp")
    other = await fake_factory("vrp")
    sw = VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.pinned(other.fingerprint), port=srv.port))
    with pytest.raises(AuthError, match="host key"):
        await sw.vlans()
    assert srv.state.commands == []
    # known_hosts that does not list the server: refused too
    kh = tmp_path / "known_hosts"
    kh.write_text(f"[127.0.0.1]:{srv.port} {other.host_key.export_public_key().decode()}")
    sw = VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.from_known_hosts(kh), port=srv.port))
    with pytest.raises(AuthError, match="host key"):
        await sw.vlans()
    # trust on first use, explicitly requested: records then pins
    store = tmp_path / "tofu"
    async with VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.tofu(store), port=srv.port)) as sw:
        await sw.vlans()
    assert store.read_text().startswith(f"[127.0.0.1]:{srv.port} ssh-ed25519 ")
    sw = VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.tofu(store), port=other.port))
    with pytest.raises(AuthError, match="host key"):
        await sw.vlans()


async def test_hmm_smmget_typed_and_errors(fake_factory):
    srv = await fake_factory("hmm")
    async with _hmm(srv) as hmm:
        v = await hmm.version()
        assert (v.software, v.uboot, v.pcb) == ("7.63", "(U54)3.03", "SMMA REV B")
        assert await hmm.presence("blade1") is True
        with pytest.raises(NotFoundError, match="unknown data item"):
            await hmm.smmget("sysinfo")
        with pytest.raises(UnsupportedError, match="reboot-now"):
            await hmm.run("reboot-now")
        with pytest.raises(ValidationError, match="location"):
            await hmm.smmget("presence", location="hmm1")
        with pytest.raises(Exception, match="needs a location"):
            await hmm.smmget("health")


async def test_ibmc_nested_hop_power(fake_factory):
    srv = await fake_factory("hmm")
    ibmc = IbmcCli("127.0.0.1", slot=1, hmm_port=srv.port, password=PW,
                   host_keys=HostKeyPolicy.pinned(srv.fingerprint), timeout=5)
    async with ibmc:
        assert await ibmc.power_state() == "off"
        out = await ibmc.power_on()
        assert "successfully" in out
        assert await ibmc.power_state() == "on"
        assert ibmc.shell.prompt == "root@BMC:/#"
    assert "ssh 172.31.1.129 NoStricHostKeyChecking" in srv.state.commands


async def test_switch_via_hmm_hop(fake_factory):
    srv = await fake_factory("hmm")
    path = HmmHopPath("127.0.0.1", PW, HostKeyPolicy.pinned(srv.fingerprint), hmm_port=srv.port,
                      switch_username="admin")
    async with VrpCli(3, path, timeout=5) as sw:
        await sw.configure(["vlan 42", "quit"])
        assert sw.shell.prompt == "<CX310-3>"
    assert "ssh 172.31.1.163 NoStricHostKeyChecking" in srv.state.commands


async def test_nested_wrong_password_is_auth_error(fake_factory):
    srv = await fake_factory("hmm")
    ibmc = IbmcCli("127.0.0.1", slot=2, hmm_port=srv.port, password=PW, ibmc_password="nope",
                   host_keys=HostKeyPolicy.pinned(srv.fingerprint), timeout=5)
    with pytest.raises(AuthError):
        await ibmc.power_state()


def test_power_state_from_sel_newest_wins():
    assert power_state_from_sel("3 | x | ACPI State | S0 state\n2 | x | ACPI State | S5 state") == "on"
    assert power_state_from_sel("no acpi here") == "unknown"


async def test_password_never_in_logs_or_errors(fake_factory, caplog):
    caplog.set_level(logging.DEBUG)
    srv = await fake_factory("hmm")
    texts = []
    async with _hmm(srv) as hmm:
        await hmm.version()
        for call in (hmm.smmget("sysinfo"), hmm.run("bogus")):
            try:
                await call
            except Exception as exc:  # noqa: BLE001
                texts.append(str(exc) + repr(exc))
    for bad in (dict(ibmc_password="nope"), {}):
        ibmc = IbmcCli("127.0.0.1", slot=1, hmm_port=srv.port, password=PW,
                       host_keys=HostKeyPolicy.pinned(srv.fingerprint), timeout=5, **bad)
        try:
            async with ibmc:
                await ibmc.power_on()
        except Exception as exc:  # noqa: BLE001
            texts.append(str(exc) + repr(exc))
        texts.append(repr(ibmc.shell.target) + repr(ibmc.shell.hops))
    sw = VrpCli(2, DirectPath("127.0.0.1", "admin", PW, HostKeyPolicy.pinned("SHA256:x"), port=srv.port))
    try:
        await sw.vlans()
    except Exception as exc:  # noqa: BLE001
        texts.append(str(exc) + repr(exc))
    assert texts and caplog.records
    blob = caplog.text + "\n".join(texts)
    assert PW not in blob
