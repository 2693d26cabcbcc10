"""Drivers against the emulated chassis' SSH services (they meet only on the wire)."""
from __future__ import annotations

import asyncio

import pytest

from vessel_core.drivers.ssh import CliCommandError, HmmCli, HostKeyPolicy, IbmcCli
from vessel_core.drivers.vrp import DirectPath, HmmHopPath, VrpCli
from vessel_core.errors import AuthError, NotFoundError, TransientError

sim_ssh = pytest.importorskip("vessel_core.sim.ssh")
from vessel_core.sim.faults import Faults  # noqa: E402
from vessel_core.sim.state import DEFAULT_PASSWORD, build_state  # noqa: E402
from vessel_core.sim.timing import Timing  # noqa: E402


class _Emu:
    def __init__(self, state_dir, vrp: str) -> None:
        self.state = build_state(seed=7, vrp=vrp)
        self.faults = Faults()
        self.timing = Timing.fast()
        self.state_dir = state_dir

    def changed(self) -> None:
        pass


@pytest.fixture(params=["vrp5", "vrp8"])
async def switch(request, tmp_path):
    emu = _Emu(tmp_path / "state", request.param)
    ep = await sim_ssh.start_switch_ssh(emu, 2, "127.0.0.1", 0)
    sw_state = emu.state.switches[1].vrp if hasattr(emu.state, "switches") else None
    yield emu, ep, request.param, sw_state
    await ep.close()


@pytest.fixture
async def hmm_ep(tmp_path):
    emu = _Emu(tmp_path / "state", "vrp8")
    ep = await sim_ssh.start_ssh(emu, "127.0.0.1", 0, swiconfexport_delay_s=0.05, ibmc_lockout_s=1.0)
    yield emu, ep
    await ep.close()


def _direct(ep, password="Huawei12#$") -> VrpCli:
    return VrpCli(2, DirectPath("127.0.0.1", "root", password, HostKeyPolicy.pinned(ep.host_key_fingerprint),
                                port=ep.port), timeout=10, connect_timeout=5)


async def test_vrp_config_cycle(switch):
    emu, ep, flavour, _ = switch
    async with _direct(ep) as sw:
        assert await sw.detect_flavour() == flavour
        await sw.configure(["vlan batch 310 311", "vlan 312", "description web", "quit"])
        vids = {v.vid for v in await sw.vlans()}
        assert {310, 311, 312} <= vids
        port = "10GE2/17/1"
        await sw.configure([f"interface {port}", "port link-type trunk",
                            "port trunk allow-pass vlan 310 311", "quit"])
        pv = {p.interface: p for p in await sw.port_vlans()}
        assert pv[port].link_type == "trunk" and {310, 311} <= set(pv[port].trunk_vlans)
        await sw.configure(["interface Eth-Trunk 7", "quit", "interface 10GE2/17/2", "eth-trunk 7", "quit"])
        trunks = {t.trunk_id: t for t in await sw.eth_trunks()}
        assert [m.interface for m in trunks[7].members] == ["10GE2/17/2"]
        await sw.configure(["undo vlan 312"])
        assert 312 not in {v.vid for v in await sw.vlans()}
        rc = await sw.running_config()
        assert 310 in rc.vlans and rc.interfaces[port].link_type == "trunk"
        with pytest.raises(CliCommandError) as ei:
            await sw.configure(["vlan 5000"])
        assert ei.value.command == "vlan 5000"
        assert "Error" in (ei.value.device_message or "")
        await sw.save()
        n = sw.commands_sent
        await sw.vlans()
        await sw.port_vlans()
        assert sw.commands_sent - n == 2


async def test_vrp_refused_login_and_host_key(switch):
    emu, ep, _, _ = switch
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    with pytest.raises(AuthError) as refused:
        await _direct(ep, password="wrong").vlans()
    assert loop.time() - t0 < 5
    assert refused.value.field == "password"                  # names the setting to fix
    bad = VrpCli(2, DirectPath("127.0.0.1", "root", "Huawei12#$", HostKeyPolicy.pinned("SHA256:AAAA"),
                               port=ep.port), connect_timeout=5)
    with pytest.raises(AuthError, match="host key") as untrusted:
        await bad.vlans()
    assert untrusted.value.field == "ssh_host_key_fingerprint"
    assert ep.host_key_fingerprint in str(untrusted.value)   # shows the key the server presented


async def test_vrp_dropped_session(switch):
    emu, ep, _, _ = switch
    emu.faults.ssh_drop_after_commands = 3
    async with _direct(ep) as sw:
        assert await sw.vlans()  # commands 1-2 of the session
        assert await sw.vlans()  # 3rd: the session drops; a read reconnects transparently
        with pytest.raises(TransientError, match="re-plan"):
            # the drop lands inside the configuration session whichever session we are on
            await sw.configure(["vlan 320", "vlan 321", "vlan 322", "quit"])
        emu.faults.ssh_drop_after_commands = None
        assert await sw.vlans()


async def test_hmm_smmget(hmm_ep):
    emu, ep = hmm_ep
    async with HmmCli("127.0.0.1", port=ep.port, password=DEFAULT_PASSWORD,
                      host_keys=HostKeyPolicy.pinned(ep.host_key_fingerprint), timeout=10) as hmm:
        v = await hmm.version()
        assert v.software
        assert await hmm.presence("blade1") in (True, False)
        with pytest.raises(NotFoundError):
            await hmm.smmget("sysinfo")


async def test_ibmc_power_via_nested_hop(hmm_ep):
    emu, ep = hmm_ep
    async with IbmcCli("127.0.0.1", slot=1, hmm_port=ep.port, password=DEFAULT_PASSWORD,
                       host_keys=HostKeyPolicy.pinned(ep.host_key_fingerprint), timeout=10) as ibmc:
        await ibmc.power_off(force=True)
        await ibmc.power_on()
        await ibmc.set_boot_device("pxe")
        assert ibmc.shell.prompt == "root@BMC:/#"


async def test_switch_via_hmm_hop(hmm_ep):
    emu, ep = hmm_ep
    path = HmmHopPath("127.0.0.1", DEFAULT_PASSWORD, HostKeyPolicy.pinned(ep.host_key_fingerprint),
                      hmm_port=ep.port, switch_password="Huawei12#$")
    async with VrpCli(2, path, timeout=10) as sw:
        await sw.configure(["vlan 330", "quit"])
        assert 330 in {v.vid for v in await sw.vlans()}


async def test_swiconfexport_and_sftp_fetch(hmm_ep):
    emu, ep = hmm_ep
    async with HmmCli("127.0.0.1", port=ep.port, password=DEFAULT_PASSWORD,
                      host_keys=HostKeyPolicy.pinned(ep.host_key_fingerprint), timeout=10) as hmm:
        path = await hmm.swiconfexport(2)
        assert path == "/tmp/exchange/swi2/swi2.tar.gz"
        data = await hmm.fetch_file(path)
        assert data[:2] == b"\x1f\x8b"  # gzip


async def test_hmm_refused_logins(hmm_ep):
    emu, ep = hmm_ep
    emu.faults.refuse_logins = True
    with pytest.raises(AuthError):
        await HmmCli("127.0.0.1", port=ep.port, password=DEFAULT_PASSWORD, connect_timeout=5,
                     host_keys=HostKeyPolicy.pinned(ep.host_key_fingerprint)).version()
