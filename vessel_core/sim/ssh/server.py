"""SSH side of the emulated E9000: the HMM restricted CLI (with nested hops to blade iBMCs
and switch VRP CLIs), SFTP for switch configuration exports, and direct per-switch VRP
listeners.

Entry points: :func:`start_ssh` (HMM, port 22 on the real chassis) and
:func:`start_switch_ssh` (one CX310 reached directly, candidate (b)/(c) of chassis-surface
§5.2). Both return an :class:`SshEndpoint`.

Documented choices where the fact sheet is silent:

* HMM prompt: ``SMM:/> `` (the real one was never recorded; it deliberately contains none of
  ``BMC``, ``iMana``, ``root@``, the tokens a client uses to detect a successful iBMC hop).
* Nested hop to a switch (candidate (a)): ``ssh 172.31.1.<160+S> [NoStricHostKeyChecking]``
  from the HMM shell asks ``root@<ip>'s password:`` (the HMM's OpenSSH client, user root) for
  the switch's own VRP password (``SwitchState.password``), then prints the VRP login info
  lines and the user-view prompt. ``quit`` in user view returns to the HMM shell.
* Without the ``NoStricHostKeyChecking`` token the hop first asks the OpenSSH host-key
  question (``yes`` continues).
* Unreachable hosts (absent blades/switches, other fabric addresses, a switch during injected
  management loss) print ``ssh: connect to host <ip> port 22: No route to host``.
* iBMC login lockout: ``IBMC_LOCK_AFTER`` consecutive wrong passwords lock that iBMC for
  ``ibmc_lockout_s`` seconds (default 60); while locked every password is refused.
* Wordings without a recorded sample (marked ``[INF]`` in the constants below) are this
  emulator's choice.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import shlex
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import asyncssh

from vessel_core.sim.vrp.engine import VrpCli
from vessel_core.sim.vrp.render import configuration
from vessel_core.sim.vrp.state import SwitchState

HMM_PROMPT = "SMM:/> "
IBMC_PROMPT = "root@BMC:/#"
FABRIC = "172.31.1."
IBMC_LOCK_AFTER = 5
HMM_VOCAB = ("smmget", "smmset", "swiconfexport", "cmdext", "reads", "ifconfig", "ssh", "telnet",
             "ping", "ping6", "ntpq", "date", "top", "history", "clear", "exit", "reboot", "TMOUT")
EXT_VOCAB = ("cpuinfo", "meminfo", "netstat", "iptabledis", "export", "df", "ps", "fpgainfo",
             "cpldinfo", "routedis", "arp", "dmsg", "route6")
IBMC_VOCAB = ("TMOUT", "df", "dmesg", "exit", "free", "ifconfig", "ipmcget", "ipmcset",
              "maintenance_debug", "netstat", "ping", "ps", "route", "top")
CONFIRM = "WARNING: The operation may have many adverse effects.\nDo you want to continue?[Y/N]:"
# [INF] wordings
ABSENT_FMT = "{name} is not present."
POWERSTATE_SET_REFUSED = "Set powerstate failed, the value is invalid."
IPMC_NO_ITEM = "ipmcget: invalid data item."
EXT_LOADED = "Load extended commands successfully."
EXT_UNLOADED = "Unload extended commands successfully."


class _Dropped(Exception):
    """The session is being dropped (fault injection)."""


# --------------------------------------------------------------------------- per-emulator runtime

@dataclass
class _Runtime:
    """SSH-side runtime data hung on the emulator (not persisted)."""
    logs: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in ("faillog", "secure", "smmlog", "oplog")})
    ibmc_failures: dict[int, int] = field(default_factory=dict)
    ibmc_locked_until: dict[int, float] = field(default_factory=dict)
    mgmt_down_until: dict[int, float] = field(default_factory=dict)
    swiconfexport_delay_s: float = 6.0
    ibmc_lockout_s: float = 60.0

    def log(self, kind: str, text: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%b %d %H:%M:%S")
        self.logs[kind].append(f"{stamp} SMM {text}")
        del self.logs[kind][:-500]


def runtime(emulator: Any) -> _Runtime:
    rt = getattr(emulator, "_ssh_runtime", None)
    if rt is None:
        rt = _Runtime()
        emulator._ssh_runtime = rt
    return rt


def _faults(emulator: Any) -> Any:
    return getattr(emulator, "faults", None)


def _fault(emulator: Any, name: str, default: Any) -> Any:
    return getattr(_faults(emulator), name, default)


def _changed(emulator: Any) -> None:
    fn = getattr(emulator, "changed", None)
    if callable(fn):
        fn()


def _state(emulator: Any) -> Any:
    return emulator.state


def _hmm_password_ok(emulator: Any, user: str, password: str) -> bool:
    acct = _state(emulator).account(user)
    return acct is not None and getattr(acct, "enabled", True) and acct.password == password


def _mgmt_loss_s(emulator: Any, slot: int) -> float | None:
    f = _faults(emulator)
    if f is None:
        return None
    if hasattr(f, "mgmt_loss_for"):
        return f.mgmt_loss_for(slot)
    d = getattr(f, "mgmt_loss_after_commit_s", {}) or {}
    for key in (f"Swi{slot}", f"swi{slot}", str(slot), slot):
        if key in d:
            return d[key]
    return None


def switch_on_change(emulator: Any, slot: int):
    """Callback for VrpCli: persist and start an injected management outage."""
    def cb(sw: SwitchState) -> None:
        secs = _mgmt_loss_s(emulator, slot)
        if secs:
            runtime(emulator).mgmt_down_until[slot] = time.monotonic() + secs
        _changed(emulator)
    return cb


def switch_reachable(emulator: Any, slot: int) -> bool:
    sw = _state(emulator).switches.get(slot)
    if sw is None or not sw.present or sw.vrp is None or getattr(sw, "power_state", "On") != "On":
        return False
    if time.time() < getattr(sw, "rebooting_until", 0.0):  # rebooting after a flash
        return False
    return time.monotonic() >= runtime(emulator).mgmt_down_until.get(slot, 0.0)


# --------------------------------------------------------------------------- host keys

def _host_key(emulator: Any, name: str) -> asyncssh.SSHKey:
    cache = getattr(emulator, "_ssh_host_keys", None)
    if cache is None:
        cache = {}
        emulator._ssh_host_keys = cache
    if name in cache:
        return cache[name]
    state_dir = getattr(emulator, "state_dir", None)
    key = None
    if state_dir:
        path = Path(state_dir) / f"ssh_host_{name}_ed25519_key"
        if path.exists():
            key = asyncssh.read_private_key(str(path))
        else:
            key = asyncssh.generate_private_key("ssh-ed25519")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.export_private_key())
    else:
        key = asyncssh.generate_private_key("ssh-ed25519")
    cache[name] = key
    return key


@dataclass
class SshEndpoint:
    host: str
    port: int
    host_key_fingerprint: str
    _server: Any = None
    _conns: set = field(default_factory=set)
    _tmpdir: Any = None

    async def close(self) -> None:
        self._server.close()
        for c in list(self._conns):
            c.abort()
        await self._server.wait_closed()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()


# --------------------------------------------------------------------------- terminal wrapper

class _Term:
    def __init__(self, process: asyncssh.SSHServerProcess, emulator: Any, conn: Any) -> None:
        self.p = process
        self.emulator = emulator
        self.conn = conn
        self.pty = process.get_terminal_type() is not None
        self.commands = 0

    @property
    def editor(self) -> asyncssh.SSHLineEditorChannel:
        """The process's channel: both servers run with ``line_editor=True``, so asyncssh wraps
        every session channel in an SSHLineEditorChannel (typed by asyncssh as SSHChannel)."""
        return cast(asyncssh.SSHLineEditorChannel, self.p.channel)

    def write(self, text: str) -> None:
        if not self.pty:
            text = text.replace("\n", "\r\n")
        self.p.stdout.write(text)

    async def readline(self, echo: bool = True) -> str | None:
        if self.pty and not echo:
            self.editor.set_echo(False)
        try:
            line = await self.p.stdin.readline()
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
            line = "\n"
        finally:
            if self.pty and not echo:
                self.editor.set_echo(True)
        if not line:
            return None
        if self.pty and not echo:
            self.write("\n")
        return line.rstrip("\r\n")

    async def readkey(self) -> str | None:
        if self.pty:
            self.editor.set_line_mode(False)
        try:
            ch = await self.p.stdin.read(1)
        finally:
            if self.pty:
                self.editor.set_line_mode(True)
        return ch or None

    async def command_done(self, line: str = "") -> None:
        """Count one command; apply the latency and drop faults."""
        self.commands += 1
        limit = _fault(self.emulator, "ssh_drop_after_commands", None)
        if limit and self.commands >= limit:
            self.conn.abort()
            raise _Dropped()
        pattern = _fault(self.emulator, "ssh_drop_after_command", None)
        faults = _faults(self.emulator)
        if pattern and faults is not None and faults.ssh_drop_times > 0 and re.search(pattern, line.strip()):
            faults.ssh_drop_times -= 1
            self.conn.abort()
            raise _Dropped()

    async def latency(self) -> None:
        ms = _fault(self.emulator, "latency_ms", 0) or 0
        if ms:
            await asyncio.sleep(ms / 1000)


# --------------------------------------------------------------------------- VRP over a terminal

async def run_vrp(term: _Term, emulator: Any, slot: int, banner: bool = True) -> None:
    """Interactive VRP session until the user quits from user view."""
    sw: SwitchState = _state(emulator).switches[slot].vrp
    cli = VrpCli(sw, on_change=switch_on_change(emulator, slot))
    if banner:
        term.write(cli.login_banner().lstrip("\n"))
    try:
        while not cli.closed:
            if not cli.awaiting_answer:
                term.write(cli.prompt)
            line = await term.readline()
            if line is None:
                return
            await term.latency()
            out = cli.feed(line)
            term.write(out)
            while cli.awaiting_key:
                key = await term.readkey()
                if key is None:
                    return
                term.write(cli.feed_key(key))
            if not cli.awaiting_answer:
                await term.command_done(line)
    finally:
        # a session that ends without commit (quit, dropped) leaves no candidate behind
        if sw.candidate is not None and sw.candidate is cli.candidate:
            sw.candidate = None


async def run_vrp_exec(term: _Term, emulator: Any, slot: int, command: str) -> None:
    sw: SwitchState = _state(emulator).switches[slot].vrp
    cli = VrpCli(sw, on_change=switch_on_change(emulator, slot), paging=False)
    for line in command.split("\n"):
        term.write(cli.feed(line))


# --------------------------------------------------------------------------- HMM shell

def _parse_opts(args: list[str]) -> dict[str, Any] | None:
    opts: dict[str, Any] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-l", "-t", "-d") and i + 1 < len(args):
            opts[a] = args[i + 1]
            i += 2
        elif a == "-v":
            opts["-v"] = args[i + 1:]
            break
        else:
            return None
    return opts


def _location(loc: str | None) -> tuple[str, int] | None:
    if loc is None:
        return ("none", 0)
    if loc == "smm":
        return ("smm", 0)
    m = re.fullmatch(r"(blade|swi)(\d+)", loc)
    if not m:
        return None
    n = int(m.group(2))
    if (m.group(1) == "blade" and not 1 <= n <= 32) or (m.group(1) == "swi" and not 1 <= n <= 4):
        return None
    return (m.group(1), n)


class HmmShell:
    def __init__(self, term: _Term, emulator: Any, user: str) -> None:
        self.t = term
        self.em = emulator
        self.user = user
        self.ext = False
        self.history: list[str] = []

    @property
    def st(self) -> Any:
        return _state(self.em)

    async def run(self) -> None:
        while True:
            self.t.write(HMM_PROMPT)
            line = await self.t.readline()
            if line is None:
                return
            line = line.strip()
            if not line:
                continue
            self.history.append(line)
            await self.t.latency()
            if await self.execute(line):
                return
            await self.t.command_done()

    async def execute(self, line: str) -> bool:
        """Run one HMM command; True means the session ends (``exit``)."""
        try:
            args = shlex.split(line)
        except ValueError:
            args = line.split()
        cmd, rest = args[0], args[1:]
        base = cmd[len("/smm/"):] if cmd in ("/smm/smmget", "/smm/smmset") else cmd
        runtime(self.em).log("oplog", f"{self.user} cli: {line}")
        if base == "exit":
            return True
        if base == "smmget":
            self.t.write(self.smmget(rest))
        elif base == "smmset":
            await self.smmset(rest)
        elif base == "swiconfexport":
            await self.swiconfexport(rest)
        elif base == "cmdext":
            await self.cmdext(rest)
        elif base == "reads":
            self.reads(rest)
        elif base == "ssh":
            await self.ssh(rest)
        elif base == "ping":
            self.ping(rest)
        elif base == "date":
            self.t.write(datetime.now(timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y") + "\n")
        elif base == "history":
            self.t.write("".join(f"  {i}  {h}\n" for i, h in enumerate(self.history, 1)))
        elif base == "clear":
            self.t.write("\x1b[H\x1b[2J")
        elif base == "TMOUT":
            self.t.write("TMOUT=1800\n")
        elif base == "ifconfig":
            mm = self.st.active_mm()
            for dev, ip in (("eth0", mm.eth0_ip), ("eth1", mm.eth1_ip), ("eth2", mm.eth2_ip)):
                self.t.write(f"{dev}      Link encap:Ethernet\n          inet addr:{ip}  Mask:255.255.255.0\n\n")
        elif base in ("telnet", "ping6", "ntpq", "top", "reboot"):
            self.t.write(f"{base}: operation not available on the emulated chassis\n")
        elif self.ext and base in EXT_VOCAB:
            self.t.write(f"{base}: no data\n")
        else:
            self.t.write(f"unknown command : {cmd}\n")
        return False

    # ---------------------------------------------------------------- smmget / smmset
    def smmget(self, args: list[str]) -> str:
        opts = _parse_opts(args)
        if opts is None or "-d" not in opts:
            return "smmget:cli invalid data item or location error\n"
        loc = _location(opts.get("-l"))
        if loc is None:
            return "smmget:cli invalid data item or location error\n"
        kind, n = loc
        item = opts["-d"]
        st = self.st
        if item == "version":
            if kind in ("none", "smm"):
                fw = st.active_mm().firmware
                return ("SMM Version Information:\n"
                        f"Uboot    Version :{fw.uboot}\n"
                        f"CPLD     Version :{fw.cpld}\n"
                        f"PCB      Version :{fw.pcb}\n"
                        f"BOM      Version :{fw.bom}\n"
                        f"FPGA     Version :{fw.fpga}\n"
                        f"Software Version :{fw.software}\n"
                        f"IPMI Module Built:{fw.ipmi_built}\n")
            if kind == "swi":
                sw = st.switches.get(n)
                if sw is None or not sw.present:
                    return ABSENT_FMT.format(name=f"Swi{n}") + "\n"
                fw = sw.firmware
                return (f"Swi{n} Version Information:\n"
                        f"IPMC     CPU     :{fw.ipmc_cpu}\n"
                        f"IPMI     Version :{fw.imana}\n"
                        f"iMana    Version :{fw.imana}\n"
                        f"CPLD     Version :{fw.cpld}\n"
                        f"Uboot    Version :{fw.uboot}\n"
                        f"Driver   Version :{fw.software}\n"
                        f"IPMB     Address :{fw.ipmb_address}\n")
            b = st.present_blade(n)
            if b is None:
                return ABSENT_FMT.format(name=f"Blade{n}") + "\n"
            return (f"Blade{n} Version Information:\n"
                    f"iMana    Version :{b.firmware.imana}\n"
                    f"BIOS     Version :{b.firmware.bios}\n"
                    f"CPLD     Version :{b.firmware.cpld}\n")
        if item == "gateway" and kind in ("none", "smm"):
            gw = st.network.floating.gateway
            return f"Configuration gateway: {gw}\nActive gateway: {gw}\n"
        if item == "timezone" and kind in ("none", "smm"):
            return f"Time Zone: {st.ntp.timezone}\n"
        if item == "presence":
            if kind in ("none", "smm"):
                return "SMM is present.\n"
            obj = st.present_blade(n) if kind == "blade" else (
                st.switches.get(n) if st.switches.get(n) is not None and st.switches[n].present else None)
            name = f"Blade{n}" if kind == "blade" else f"Swi{n}"
            return f"{name} is present.\n" if obj is not None else ABSENT_FMT.format(name=name) + "\n"
        if item in ("health", "biosbootmode", "macaddress", "powerstate"):
            if kind in ("none", "smm"):
                return "Please Operate: blade1 ~ blade32 swi1 ~ swi4\n"
            if kind == "swi" and item in ("biosbootmode", "macaddress"):
                return "The data item does not exist.\n"
            obj = st.present_blade(n) if kind == "blade" else st.switches.get(n)
            if obj is None or not obj.present:
                return ABSENT_FMT.format(name=("Blade" if kind == "blade" else "Swi") + str(n)) + "\n"
            if item == "health":
                if obj.health == "OK":
                    return f"{kind}{n} has no problem.\n"
                return f"{kind}{n} has {obj.health.lower()} problem.\n"
            if item == "biosbootmode":
                return f"{obj.bios_boot_mode}\n"
            if item == "macaddress":
                return f"{obj.macs[0]}\n" if obj.macs else "NO MAC Address!\n"
            st.settle()
            return f"{'Blade' if kind == 'blade' else 'Swi'}{n} power state: {obj.power_state.lower()}\n"
        if item == "temperature":
            if "-t" not in opts:
                return "Target is null,please input target.\n"
            if opts["-t"] != "BaseboardTemp":
                return "The target does not exist, or the target does not support the dataitem.\n"
            return "BaseboardTemp: 32 degrees C\n"
        return "The data item does not exist.\n"

    async def smmset(self, args: list[str]) -> None:
        opts = _parse_opts(args)
        if opts is None or "-d" not in opts:
            self.t.write("smmset:cli invalid data item or location error\n")
            return
        loc = _location(opts.get("-l"))
        if loc is None:
            self.t.write("smmset:cli invalid data item or location error\n")
            return
        kind, n = loc
        item, vals = opts["-d"], opts.get("-v") or []
        if item not in ("powerstate", "bootoption", "frucontrol", "biosbootmode"):
            self.t.write("The data item does not exist.\n")
            return
        if kind != "blade":
            self.t.write("Please Operate: blade1 ~ blade32 swi1 ~ swi4\n")
            return
        b = self.st.present_blade(n)
        if b is None:
            self.t.write(ABSENT_FMT.format(name=f"Blade{n}") + "\n")
            return
        if item == "powerstate":
            self.t.write(POWERSTATE_SET_REFUSED + "\n")
            return
        if item == "biosbootmode":
            if vals not in (["enable"], ["disable"]):
                self.t.write("Invalid parameter\n")
                return
            b.bios_boot_mode = vals[0]
            _changed(self.em)
            self.t.write("Set biosbootmode successfully.\n")
            return
        if item == "bootoption":
            targets = {"0": "None", "1": "Pxe", "2": "Hdd", "5": "Cd", "0xF": "Floppy", "6": "BiosSetup"}
            if not vals or vals[0] not in targets:
                self.t.write("Invalid parameter\n")
                return
            b.boot.target = targets[vals[0]]
            b.boot.enabled = "Disabled" if vals[0] == "0" else ("Continuous" if vals[1:2] == ["1"] else "Once")
            _changed(self.em)
            self.t.write("Set bootoption successfully.\n")
            return
        # frucontrol
        if vals not in (["0"], ["2"], ["3"]):
            self.t.write("Invalid parameter\n")
            return
        self.t.write(CONFIRM)
        ans = await self.t.readline()
        if not ans or ans.strip().lower() != "y":
            self.t.write("\n")
            return
        self.t.write(_fru_control(self.em, n, vals[0]) + "\n")

    # ---------------------------------------------------------------- swiconfexport / sftp
    async def swiconfexport(self, args: list[str]) -> None:
        m = re.fullmatch(r"swi([1-4])", args[0]) if len(args) == 1 else None
        if not m:
            self.t.write("Invalid parameter\n")
            return
        n = int(m.group(1))
        sw = self.st.switches.get(n)
        if sw is None or not sw.present or sw.vrp is None:
            self.t.write(ABSENT_FMT.format(name=f"Swi{n}") + "\n")
            return
        await asyncio.sleep(runtime(self.em).swiconfexport_delay_s)
        root = getattr(self.em, "_ssh_sftp_root", None)
        if root is None:
            self.t.write("Failed\n")
            return
        export_switch_config(root, n, sw.vrp, getattr(sw, "firmware", None))
        self.t.write(f'Successed\nPlease check "/tmp/exchange/swi{n}/swi{n}.tar.gz"\n')

    async def cmdext(self, args: list[str]) -> None:
        if args not in (["-l"], ["-u"]):
            self.t.write("Invalid parameter\n")
            return
        self.t.write("Password: ")
        pw = await self.t.readline(echo=False)
        if pw is None or not _hmm_password_ok(self.em, self.user, pw):
            runtime(self.em).log("faillog", f"cmdext: authentication failure for {self.user}")
            self.t.write("Password error.\n")
            return
        self.ext = args == ["-l"]
        self.t.write((EXT_LOADED if self.ext else EXT_UNLOADED) + "\n")

    def reads(self, args: list[str]) -> None:
        if not args or args[0] not in ("faillog", "secure", "smmlog", "oplog") or args[1:] not in ([], ["-t"]):
            self.t.write("Invalid parameter\n")
            return
        lines = runtime(self.em).logs[args[0]]
        if args[1:] == ["-t"]:
            lines = lines[-10:]
        self.t.write("".join(line + "\n" for line in lines))

    def ping(self, args: list[str]) -> None:
        host = next((a for a in args if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", a)), None)
        if host is None:
            self.t.write("BusyBox v1.13.2 multi-call binary\n\nUsage: ping [OPTIONS] HOST\n")
            return
        ok = _fabric_target(self.em, host) is not None
        self.t.write(f"PING {host} ({host}): 56 data bytes\n")
        if ok:
            self.t.write(f"64 bytes from {host}: seq=0 ttl=64 time=0.412 ms\n")
        self.t.write(f"\n--- {host} ping statistics ---\n1 packets transmitted, {1 if ok else 0} packets received, "
                     f"{0 if ok else 100}% packet loss\n")

    # ---------------------------------------------------------------- nested ssh
    async def ssh(self, args: list[str]) -> None:
        if not args:
            self.t.write("usage: ssh <host> [NoStricHostKeyChecking]\n")
            return
        host = args[0].split("@")[-1]
        target = _fabric_target(self.em, host)
        if target is None:
            await asyncio.sleep(0.05)
            self.t.write(f"ssh: connect to host {host} port 22: No route to host\n")
            return
        if "NoStricHostKeyChecking" not in args[1:]:
            self.t.write(f"The authenticity of host '{host} ({host})' can't be established.\n"
                         "ECDSA key fingerprint is SHA256:emulated.\n"
                         "Are you sure you want to continue connecting (yes/no)? ")
            ans = await self.t.readline()
            if ans is None or ans.strip().lower() != "yes":
                self.t.write("Host key verification failed.\n")
                return
            self.t.write(f"Warning: Permanently added '{host}' (ECDSA) to the list of known hosts.\n")
        kind, n = target
        rt = runtime(self.em)
        for _attempt in range(3):
            self.t.write(f"root@{host}'s password: ")
            pw = await self.t.readline(echo=False)
            if pw is None:
                return
            if kind == "blade":
                ok = _ibmc_login(self.em, n, pw)
            else:
                ok = pw == self.st.switches[n].vrp.password
            if ok:
                break
            rt.log("faillog", f"ssh {host}: authentication failure")
            self.t.write("Permission denied, please try again.\n")
        else:
            self.t.write("Permission denied (publickey,password).\n")
            return
        if kind == "blade":
            await IbmcShell(self.t, self.em, n).run()
        else:
            await run_vrp(self.t, self.em, n)
        self.t.write(f"Connection to {host} closed.\n")


def _fabric_target(emulator: Any, host: str) -> tuple[str, int] | None:
    if not host.startswith(FABRIC):
        return None
    try:
        last = int(host[len(FABRIC):])
    except ValueError:
        return None
    st = _state(emulator)
    if 129 <= last <= 160:
        n = last - 128
        b = st.present_blade(n)
        return ("blade", n) if b is not None and not b.bricked else None
    if 161 <= last <= 164:
        n = last - 160
        return ("switch", n) if switch_reachable(emulator, n) else None
    return None


def _ibmc_login(emulator: Any, slot: int, password: str) -> bool:
    rt = runtime(emulator)
    now = time.monotonic()
    if now < rt.ibmc_locked_until.get(slot, 0.0):
        return False
    b = _state(emulator).present_blade(slot)
    ok = any(a.password == password and a.enabled and not a.locked for a in b.accounts) if b else False
    if ok:
        rt.ibmc_failures[slot] = 0
        return True
    rt.ibmc_failures[slot] = rt.ibmc_failures.get(slot, 0) + 1
    if rt.ibmc_failures[slot] >= IBMC_LOCK_AFTER:
        rt.ibmc_locked_until[slot] = now + rt.ibmc_lockout_s
        rt.ibmc_failures[slot] = 0
    return False


def _timing(emulator: Any) -> Any:
    t = getattr(emulator, "timing", None)
    if t is None:
        from vessel_core.sim.timing import Timing
        t = Timing()
    return t


def _power(emulator: Any, slot: int, action: str) -> str | None:
    from vessel_core.sim.state import OperationRefused, request_power
    try:
        request_power(_state(emulator), slot, action, _timing(emulator))
    except OperationRefused as e:
        return str(e)
    _changed(emulator)
    return None


def _fru_control(emulator: Any, slot: int, value: str) -> str:
    action, text = {"0": ("ForceRestart", "forced system reset"), "2": ("ForcePowerCycle", "forced power cycle"),
                    "3": ("Nmi", "NMI")}[value]
    err = _power(emulator, slot, action)
    return f"Control fru0 {text} failed. {err}" if err else f"Control fru0 {text} successfully."


# --------------------------------------------------------------------------- iBMC shell

BOOT_CODES = {"0": "None", "1": "Pxe", "2": "Hdd", "5": "Cd", "0xF": "Floppy", "0xf": "Floppy", "6": "BiosSetup"}
BOOT_NAMES = {"None": "No override", "Pxe": "PXE", "Hdd": "Hard Drive", "Cd": "CD/DVD",
              "Floppy": "Floppy", "BiosSetup": "BIOS Setup"}


class IbmcShell:
    def __init__(self, term: _Term, emulator: Any, slot: int) -> None:
        self.t = term
        self.em = emulator
        self.slot = slot

    @property
    def blade(self) -> Any:
        return _state(self.em).blades[self.slot]

    async def run(self) -> None:
        fw = self.blade.firmware
        self.t.write(f"\niMana {fw.imana.split(')')[-1]} (Blade{self.slot})\n"
                     f"Huawei Intelligent Management Agent - CLI\n\n")
        while True:
            self.t.write(IBMC_PROMPT)
            line = await self.t.readline()
            if line is None:
                return
            line = line.strip()
            if not line:
                continue
            await self.t.latency()
            args = line.split()
            if args[0] == "exit":
                await self.t.command_done()
                return
            await self.execute(args)
            await self.t.command_done()

    async def execute(self, args: list[str]) -> None:
        cmd = args[0]
        if cmd == "ipmcset":
            await self.ipmcset(args[1:])
        elif cmd == "ipmcget":
            await self.ipmcget(args[1:])
        elif cmd in IBMC_VOCAB:
            self.t.write({"free": "             total       used       free\nMem:        255232     143260     111972\n",
                          "df": "Filesystem  1K-blocks  Used Available Use% Mounted on\n/dev/root  30720  21504  9216  70% /\n",
                          "TMOUT": "TMOUT=1800\n"}.get(cmd, f"{cmd}: done\n"))
        else:
            self.t.write(f"-sh: {cmd}: not found\n")

    async def ipmcset(self, args: list[str]) -> None:
        opts = _parse_opts(args)
        if opts is None or "-d" not in opts:
            self.t.write("Usage: ipmcset [-t target] -d dataitem -v value\n")
            return
        item, vals = opts["-d"], opts.get("-v") or []
        if item == "bootdevice":
            if not vals or vals[0] not in BOOT_CODES or vals[1:] not in ([], ["once"], ["permanent"]):
                self.t.write("Input parameter[-v] error\n")
                return
            target = BOOT_CODES[vals[0]]
            b = self.blade
            b.boot.target = target
            b.boot.enabled = "Disabled" if target == "None" else (
                "Continuous" if vals[1:] == ["permanent"] else "Once")
            _changed(self.em)
            self.t.write("Set boot device successfully.\n")
            return
        if item not in ("powerstate", "frucontrol"):
            self.t.write("Input parameter[-d] error\n")
            return
        allowed = ("0", "1", "2") if item == "powerstate" else ("0", "2", "3")
        if vals[:1] not in ([v] for v in allowed) or len(vals) != 1:
            self.t.write("Input parameter[-v] error\n")
            return
        self.t.write(CONFIRM)
        ans = await self.t.readline()
        if ans is None or ans.strip().lower() != "y":
            self.t.write("\n")
            return
        if item == "frucontrol":
            self.t.write(_fru_control(self.em, self.slot, vals[0]) + "\n")
            return
        action, text = {"1": ("On", "power on"), "0": ("GracefulShutdown", "normal power off"),
                        "2": ("ForceOff", "forced power off")}[vals[0]]
        err = _power(self.em, self.slot, action)
        self.t.write(f"Control fru0 {text} failed. {err}\n" if err else f"Control fru0 {text} successfully.\n")

    async def ipmcget(self, args: list[str]) -> None:
        opts = _parse_opts(args)
        if opts is None or "-d" not in opts:
            self.t.write("Usage: ipmcget [-t target] -d dataitem [-v value]\n")
            return
        item, vals = opts["-d"], opts.get("-v") or []
        b = self.blade
        if item == "bootdevice":
            eff = {"Once": "once", "Continuous": "permanent"}.get(b.boot.enabled, "-")
            self.t.write(f"Boot device : {BOOT_NAMES.get(b.boot.target, b.boot.target)}\n"
                         f"Effective   : {eff}\n")
            return
        if item == "sel" and vals == ["list"]:
            await self.sel_list()
            return
        self.t.write(IPMC_NO_ITEM + "\n")

    async def sel_list(self) -> None:
        from vessel_core.sim.state import power_sel_entry
        st = _state(self.em)
        st.settle()
        b = self.blade
        acpi = [e for e in b.sel if e.sensorname == "ACPI State"]
        want = "S0 state" if b.power_state == "On" else "S5 state"
        if not acpi or acpi[-1].eventdesp != want:
            b.sel.append(power_sel_entry(self.slot, b.power_state, time.time()))
            _changed(self.em)
        lines = ["ID   | Generation Time      | Sensor Name          | Status     | Event Description"]
        for i, e in enumerate(b.sel, start=1):
            status = "Asserted" if e.asserted else "Deasserted"
            lines.append(f"{i:<5}| {e.datetime:<20} | {e.sensorname:<20} | {status:<10} | {e.eventdesp}")
        page = 40
        for start in range(0, len(lines), page):
            self.t.write("\n".join(lines[start:start + page]) + "\n")
            if start + page < len(lines):
                self.t.write("Input 'q' to quit, other key to continue:")
                key = await self.t.readkey()
                self.t.write("\n")
                if key is None or key in ("q", "Q", "\x03"):
                    return


# --------------------------------------------------------------------------- switch export tarball

def export_switch_config(root: Path, slot: int, sw: SwitchState, firmware: Any = None) -> Path:
    """Write ``<root>/tmp/exchange/swi<N>/swi<N>.tar.gz`` with the §4.4 layout."""
    folder = Path(root) / "tmp" / "exchange" / f"swi{slot}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"swi{slot}.tar.gz"
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    files = {
        f"swi{slot}/2_1_1.cfg": configuration(sw, sw.running).encode(),
        f"swi{slot}/entity_0.cfg": b"0\n",
        f"swi{slot}/entity_1.cfg": b"65794\n",
        f"swi{slot}/entity_2.cfg": b"0\n",
        f"swi{slot}/bakcfg/{day}/2_1_1.cfg": configuration(sw, sw.saved).encode(),
    }
    tmp = folder / f".swi{slot}.tar.gz.tmp"
    with tarfile.open(tmp, "w:gz") as tar:
        for d in (f"swi{slot}", f"swi{slot}/swcfg", f"swi{slot}/bakcfg", f"swi{slot}/bakcfg/{day}"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = int(time.time())
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, target)
    return target


# --------------------------------------------------------------------------- asyncssh glue

class _HmmServer(asyncssh.SSHServer):
    def __init__(self, emulator: Any, endpoint: SshEndpoint) -> None:
        self.em = emulator
        self.ep = endpoint
        self.conn: Any = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.ep._conns.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ep._conns.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        rt = runtime(self.em)
        if _fault(self.em, "refuse_logins", False):
            rt.log("faillog", f"sshd: login refused for {username}")
            return False
        ok = _hmm_password_ok(self.em, username, password)
        rt.log("secure" if ok else "faillog",
               f"sshd: {'Accepted' if ok else 'Failed'} password for {username}")
        return ok

    # Forwarding stays refused (AllowTcpForwarding no): the base class returns False.


class _SwitchServer(_HmmServer):
    def __init__(self, emulator: Any, endpoint: SshEndpoint, slot: int) -> None:
        super().__init__(emulator, endpoint)
        self.slot = slot

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        super().connection_made(conn)
        if not switch_reachable(self.em, self.slot):
            conn.abort()

    def validate_password(self, username: str, password: str) -> bool:
        if _fault(self.em, "refuse_logins", False):
            return False
        sw = _state(self.em).switches[self.slot].vrp
        return sw is not None and username == sw.username and password == sw.password


async def _hmm_process(emulator: Any, process: asyncssh.SSHServerProcess) -> None:
    conn = process.channel.get_connection()
    term = _Term(process, emulator, conn)
    user = process.get_extra_info("username") or "root"
    shell = HmmShell(term, emulator, user)
    try:
        if process.command is not None:
            await shell.execute(process.command.strip() or "exit")
        else:
            await shell.run()
    except _Dropped:
        return
    except (asyncssh.Error, ConnectionError, BrokenPipeError):
        return
    try:
        process.exit(0)
    except (OSError, asyncssh.Error):
        pass


async def _switch_process(emulator: Any, slot: int, process: asyncssh.SSHServerProcess) -> None:
    conn = process.channel.get_connection()
    term = _Term(process, emulator, conn)
    try:
        if process.command is not None:
            await run_vrp_exec(term, emulator, slot, process.command)
        else:
            await run_vrp(term, emulator, slot)
    except _Dropped:
        return
    except (asyncssh.Error, ConnectionError, BrokenPipeError):
        return
    try:
        process.exit(0)
    except (OSError, asyncssh.Error):
        pass


async def start_ssh(emulator: Any, host: str = "127.0.0.1", port: int = 0, *,
                    swiconfexport_delay_s: float | None = None,
                    ibmc_lockout_s: float | None = None) -> SshEndpoint:
    """Start the HMM SSH service (shell, exec, SFTP of /tmp/exchange) for ``emulator``.

    ``emulator`` needs ``state`` (ChassisState) and optionally ``faults``, ``timing``,
    ``state_dir`` (host keys and the SFTP tree live there) and ``changed()``.
    """
    rt = runtime(emulator)
    if swiconfexport_delay_s is not None:
        rt.swiconfexport_delay_s = swiconfexport_delay_s
    if ibmc_lockout_s is not None:
        rt.ibmc_lockout_s = ibmc_lockout_s
    key = _host_key(emulator, "hmm")
    state_dir = getattr(emulator, "state_dir", None)
    tmpdir = None
    if state_dir:
        root = Path(state_dir) / "hmm-sftp"
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="vessel-sim-sftp-")
        root = Path(tmpdir.name)
    (root / "tmp" / "exchange").mkdir(parents=True, exist_ok=True)
    emulator._ssh_sftp_root = root
    ep = SshEndpoint(host=host, port=0, host_key_fingerprint=key.get_fingerprint("sha256"), _tmpdir=tmpdir)

    def sftp_factory(chan: Any) -> asyncssh.SFTPServer:
        return asyncssh.SFTPServer(chan, chroot=str(root).encode())

    server = await asyncssh.create_server(
        lambda: _HmmServer(emulator, ep), host, port, server_host_keys=[key],
        process_factory=lambda p: _hmm_process(emulator, p), sftp_factory=sftp_factory,
        allow_scp=False, encoding="utf-8", line_editor=True, keepalive_interval=0)
    ep._server = server
    ep.port = server.sockets[0].getsockname()[1]
    return ep


async def start_switch_ssh(emulator: Any, slot: int, host: str = "127.0.0.1", port: int = 0) -> SshEndpoint:
    """Start a direct VRP SSH listener for switch ``slot`` (netmiko and friends log in here).

    Logins use ``SwitchState.username`` / ``password``. While the switch is absent, powered
    off or inside an injected management outage, connections are dropped at once.
    """
    key = _host_key(emulator, f"swi{slot}")
    ep = SshEndpoint(host=host, port=0, host_key_fingerprint=key.get_fingerprint("sha256"))
    server = await asyncssh.create_server(
        lambda: _SwitchServer(emulator, ep, slot), host, port, server_host_keys=[key],
        process_factory=lambda p: _switch_process(emulator, slot, p),
        encoding="utf-8", line_editor=True)
    ep._server = server
    ep.port = server.sockets[0].getsockname()[1]
    return ep
