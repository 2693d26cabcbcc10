"""Real SSH against the emulated HMM and CX310 listeners (asyncssh client, netmiko)."""
from __future__ import annotations

import asyncio
import io
import re
import tarfile

import asyncssh
import pytest
from sim_ssh_helpers import PASSWORD, connect

from vessel_core.sim.ssh import HMM_PROMPT, IBMC_PROMPT, start_switch_ssh


class Shell:
    def __init__(self, proc):
        self.p = proc
        self.buf = ""

    async def expect(self, pattern: str, timeout: float = 5.0) -> str:
        rx = re.compile(pattern)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not rx.search(self.buf):
            left = end - loop.time()
            if left <= 0:
                raise AssertionError(f"timeout waiting for {pattern!r}; got {self.buf[-500:]!r}")
            data = await asyncio.wait_for(self.p.stdout.read(65536), left)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        m = rx.search(self.buf)
        out, self.buf = self.buf[:m.end()], self.buf[m.end():]
        return out

    async def cmd(self, line: str, pattern: str = re.escape(HMM_PROMPT)) -> str:
        self.p.stdin.write(line + "\n")
        return await self.expect(pattern)


async def hmm_shell(conn) -> Shell:
    proc = await conn.create_process(term_type="vt100", term_size=(200, 50))
    sh = Shell(proc)
    await sh.expect(re.escape(HMM_PROMPT))
    return sh


async def test_host_key_is_stable_and_stored(emulator, hmm):
    assert hmm.host_key_fingerprint.startswith("SHA256:")
    assert (emulator.state_dir / "ssh_host_hmm_ed25519_key").exists()
    async with connect(hmm) as conn:
        assert conn.get_server_host_key().get_fingerprint("sha256") == hmm.host_key_fingerprint


async def test_exec_smmget(hmm):
    async with connect(hmm) as conn:
        out = (await conn.run("smmget -d version")).stdout
        assert re.search(r"Software Version :\(?[^)]*\)?(\S+)", out).group(1) == "7.63"
        assert (await conn.run("smmget -l blade1 -d presence")).stdout.strip() == "Blade1 is present."
        assert (await conn.run("smmget -l blade5 -d presence")).stdout.strip() == "Blade5 is not present."
        assert (await conn.run("smmget -l swi2 -d presence")).stdout.strip() == "Swi2 is present."
        assert (await conn.run("smmget -l swi2 -d health")).stdout.strip() == "swi2 has no problem."
        assert (await conn.run("smmget -d timezone")).stdout.strip() == "Time Zone: GMT+0"
        assert (await conn.run("smmget -d sysinfo")).stdout.strip() == "The data item does not exist."
        assert (await conn.run("smmget -l hmm1 -d version")).stdout.strip() == \
            "smmget:cli invalid data item or location error"
        assert (await conn.run("smmget -d health")).stdout.strip() == "Please Operate: blade1 ~ blade32 swi1 ~ swi4"
        assert (await conn.run("smmget -d temperature")).stdout.strip() == "Target is null,please input target."
        assert (await conn.run("display vlan")).stdout.strip() == "unknown command : display"
        mac = (await conn.run("smmget -l blade1 -d macaddress")).stdout.strip()
        assert re.fullmatch(r"[0-9A-F:]{17}", mac)


async def test_wrong_password_and_forwarding_refused(emulator, hmm):
    with pytest.raises(asyncssh.PermissionDenied):
        async with connect(hmm, password="nope"):
            pass
    async with connect(hmm) as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.open_connection("172.31.1.129", 443)
        out = (await conn.run("reads faillog")).stdout
        assert "Failed password for root" in out and "nope" not in out


async def test_swiconfexport_and_sftp(emulator, hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        assert "Invalid parameter" in await sh.cmd("swiconfexport")
        out = await sh.cmd("swiconfexport swi2")
        assert 'Successed\r\nPlease check "/tmp/exchange/swi2/swi2.tar.gz"' in out
        assert "Swi1 is not present." in await sh.cmd("swiconfexport swi1")
        async with conn.start_sftp_client() as sftp:
            async with sftp.open("/tmp/exchange/swi2/swi2.tar.gz", "rb") as fh:
                data = await fh.read()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        assert {"swi2/2_1_1.cfg", "swi2/entity_0.cfg", "swi2/entity_1.cfg", "swi2/entity_2.cfg", "swi2/swcfg"} <= set(names)
        assert any(re.fullmatch(r"swi2/bakcfg/\d{4}-\d\d-\d\d/2_1_1.cfg", n) for n in names)
        assert tar.extractfile("swi2/entity_1.cfg").read().strip() == b"65794"
        assert b"sysname CX310_2" in tar.extractfile("swi2/2_1_1.cfg").read()


async def test_cmdext_password_and_unknown(hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        assert "unknown command : cpuinfo" in await sh.cmd("cpuinfo")
        await sh.cmd("cmdext -l", "Password: ")
        out = await sh.cmd("wrong")
        assert "Password error." in out and "wrong" not in out  # not echoed
        await sh.cmd("cmdext -l", "Password: ")
        assert "successfully" in await sh.cmd(PASSWORD)
        assert "unknown command" not in await sh.cmd("cpuinfo")


async def test_nested_ibmc_hop_power_and_boot(emulator, hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        out = await sh.cmd("ssh 172.31.1.133 NoStricHostKeyChecking")
        assert "No route to host" in out  # slot 5 is absent
        await sh.cmd("ssh 172.31.1.129 NoStricHostKeyChecking", "password: ")
        out = await sh.cmd(PASSWORD, re.escape(IBMC_PROMPT))
        assert "iMana" in out
        blade = emulator.state.blades[1]
        blade.power_state = "On"
        blade.pending_power = None
        sel = await sh.cmd("ipmcget -d sel -v list", re.escape(IBMC_PROMPT))
        acpi = [line for line in sel.splitlines() if "ACPI State" in line]
        assert acpi and acpi[-1].rstrip().endswith("S0 state")
        await sh.cmd("ipmcset -d powerstate -v 2", r"continue\?\[Y/N\]:")
        assert "Control fru0 forced power off successfully." in await sh.cmd("Y", re.escape(IBMC_PROMPT))
        for _ in range(50):
            emulator.state.settle()
            if blade.power_state == "Off":
                break
            await asyncio.sleep(0.05)
        assert blade.power_state == "Off"
        sel = await sh.cmd("ipmcget -d sel -v list", re.escape(IBMC_PROMPT))
        assert [line for line in sel.splitlines() if "ACPI State" in line][-1].rstrip().endswith("S5 state")
        await sh.cmd("ipmcset -d bootdevice -v 1 once", re.escape(IBMC_PROMPT))
        assert (blade.boot.target, blade.boot.enabled) == ("Pxe", "Once")
        assert "PXE" in await sh.cmd("ipmcget -d bootdevice", re.escape(IBMC_PROMPT))
        assert "invalid data item" in await sh.cmd("ipmcget -d powerstate", re.escape(IBMC_PROMPT))
        out = await sh.cmd("exit")
        assert "Connection to 172.31.1.129 closed." in out and out.endswith(HMM_PROMPT)


async def test_ibmc_lockout_after_failures(emulator, hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        await sh.cmd("ssh 172.31.1.130 NoStricHostKeyChecking", "password: ")
        for _ in range(2):
            await sh.cmd("bad", "password: ")
        assert "Permission denied (publickey,password)." in await sh.cmd("bad")
        await sh.cmd("ssh 172.31.1.130 NoStricHostKeyChecking", "password: ")
        await sh.cmd("bad", "password: ")
        await sh.cmd("bad", "password: ")          # 5th failure: locked now
        out = await sh.cmd(PASSWORD)  # right password, refused while locked
        assert "Permission denied (publickey,password)." in out and "iMana" not in out
        await asyncio.sleep(1.1)  # ibmc_lockout_s=1.0 in the fixture
        await sh.cmd("ssh 172.31.1.130 NoStricHostKeyChecking", "password: ")
        assert "iMana" in await sh.cmd(PASSWORD, re.escape(IBMC_PROMPT))


async def test_nested_switch_hop(emulator, hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        assert "No route to host" in await sh.cmd("ssh 172.31.1.161 NoStricHostKeyChecking")
        await sh.cmd("ssh 172.31.1.162", r"\(yes/no\)\? ")
        await sh.cmd("yes", "password: ")
        out = await sh.cmd(PASSWORD, "<CX310_2>")
        assert "current VTY users" in out
        await sh.cmd("screen-length 0 temporary", "<CX310_2>")
        await sh.cmd("system-view", re.escape("[~CX310_2]"))
        await sh.cmd("vlan 77", re.escape("[*CX310_2-vlan77]"))
        await sh.cmd("commit", re.escape("[~CX310_2-vlan77]"))
        await sh.cmd("return", "<CX310_2>")
        assert 77 in emulator.state.switches[2].vrp.running.vlans
        out = await sh.cmd("quit")
        assert "Connection to 172.31.1.162 closed." in out


async def test_paging_over_ssh(swi2):
    async with connect(swi2) as conn:
        proc = await conn.create_process(term_type="vt100")
        sh = Shell(proc)
        await sh.expect("<CX310_2>")
        out = await sh.cmd("display interface brief", "---- More ----")
        assert "Interface" in out
        proc.stdin.write(" ")
        out = await sh.expect("---- More ----|<CX310_2>")
        assert "\x1b[16D" in out
        proc.stdin.write("q")
        await sh.expect("<CX310_2>")
        await sh.cmd("display interface brief", "---- More ----")  # paging is still on
        proc.stdin.write("q")
        await sh.expect("<CX310_2>")
        await sh.cmd("screen-length 0 temporary", "<CX310_2>")
        out = await sh.cmd("display interface brief", "<CX310_2>")
        assert "---- More ----" not in out and "GE2/19/2" in out


async def test_switch_exec_channel(swi2):
    async with connect(swi2) as conn:
        out = (await conn.run("display version")).stdout
        assert "VRP (R) software, Version 8.150" in out


# ------------------------------------------------------------------ faults

async def test_fault_drop_after_commands(emulator, hmm):
    emulator.faults.ssh_drop_after_commands = 2
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        await sh.cmd("date")
        sh.p.stdin.write("date\n")
        with pytest.raises((EOFError, asyncssh.Error, ConnectionError)):
            await sh.expect(re.escape(HMM_PROMPT))
            await sh.cmd("date")


async def test_fault_refuse_logins(emulator, hmm, swi2):
    emulator.faults.refuse_logins = True
    for ep in (hmm, swi2):
        with pytest.raises(asyncssh.PermissionDenied):
            async with connect(ep):
                pass
    emulator.faults.refuse_logins = False
    async with connect(hmm):
        pass


async def test_fault_latency(emulator, hmm):
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        loop = asyncio.get_running_loop()
        emulator.faults.latency_ms = 300
        t0 = loop.time()
        await sh.cmd("date")
        assert loop.time() - t0 >= 0.3


async def test_fault_mgmt_loss_after_commit(emulator, hmm, swi2):
    emulator.faults.mgmt_loss_after_commit_s = {"Swi2": 1.0}
    async with connect(swi2) as conn:
        proc = await conn.create_process(term_type="vt100")
        sh = Shell(proc)
        await sh.expect("<CX310_2>")
        await sh.cmd("system-view", re.escape("[~CX310_2]"))
        await sh.cmd("vlan 55", re.escape("]"))
        await sh.cmd("commit", re.escape("[~CX310_2-vlan55]"))
    with pytest.raises((ConnectionError, asyncssh.Error, OSError)):
        async with connect(swi2):
            pass
    async with connect(hmm) as conn:
        sh = await hmm_shell(conn)
        assert "No route to host" in await sh.cmd("ssh 172.31.1.162 NoStricHostKeyChecking")
        await asyncio.sleep(1.1)
        assert "password:" in await sh.cmd("ssh 172.31.1.162 NoStricHostKeyChecking", "password: ")
    async with connect(swi2):
        pass


async def test_absent_switch_listener_drops(emulator):
    ep = await start_switch_ssh(emulator, 1, "127.0.0.1", 0)
    try:
        with pytest.raises((ConnectionError, asyncssh.Error, OSError)):
            async with connect(ep):
                pass
    finally:
        await ep.close()


async def test_drop_after_a_command_runs_it_and_leaves_no_candidate(emulator, swi2):
    """ssh_drop_after_command: the matching command takes effect, its answer never arrives, and
    a session that ends without commit leaves no candidate configuration behind."""
    sw = emulator.state.switches[2].vrp
    emulator.faults.ssh_drop_after_command = "^vlan 66$"
    emulator.faults.ssh_drop_times = 1
    with pytest.raises((ConnectionError, asyncssh.Error, OSError, asyncio.TimeoutError)):
        async with connect(swi2) as conn:
            proc = await conn.create_process(term_type="vt100")
            sh = Shell(proc)
            await sh.expect("<CX310_2>")
            await sh.cmd("system-view", re.escape("[~CX310_2]"))
            await sh.cmd("vlan 66", re.escape("]"))       # dropped right after it ran
    assert emulator.faults.ssh_drop_times == 0
    for _ in range(50):                                      # the server side notices the drop
        if sw.candidate is None:
            break
        await asyncio.sleep(0.02)
    assert sw.candidate is None and 66 not in sw.running.vlans
    async with connect(swi2) as conn:                        # fires once: the next session works
        proc = await conn.create_process(term_type="vt100")
        sh = Shell(proc)
        await sh.expect("<CX310_2>")
        await sh.cmd("system-view", re.escape("[~CX310_2]"))
        await sh.cmd("vlan 66", re.escape("]"))
        await sh.cmd("commit", re.escape("]"))
    assert 66 in sw.running.vlans
