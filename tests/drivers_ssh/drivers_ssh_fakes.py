"""Small asyncssh servers replaying real VRP output, for driver tests that need no emulator.

They model only what the tests exercise: VRP views and prompts (vrp5 / vrp8), paging with
``---- More ----`` and ``ESC[nD`` erasing, the ``space ESC[1D`` echo quirk, ``Error:``
lines with a caret, ``save`` with its Y/N question, and an HMM-like shell with the nested
``ssh <ip> NoStricHostKeyChecking`` hop to an iBMC shell.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

FIXTURES = Path(__file__).parent / "fixtures"
DISPLAY_VLAN = (FIXTURES / "display_vlan" / "huawei_vrp_display_vlan.raw").read_text()
PORT_VLAN = (FIXTURES / "display_port_vlan" / "huawei_vrp_display_port_vlan_example2.raw").read_text()
VERSION5 = (FIXTURES / "display_version" / "huawei_vrp_display_version3.raw").read_text()
VERSION8 = (FIXTURES / "display_version" / "huawei_vrp_display_version.raw").read_text()


@dataclass
class FakeState:
    password: str = "s3cret-Pw!"
    flavour: str = "vrp5"
    paging: bool = False
    echo_quirk: bool = True
    drop_at: int | None = None  # close the connection on this command (1-based count), once
    hang_on: str | None = None  # never answer this command
    commands: list[str] = field(default_factory=list)
    vlans: set[int] = field(default_factory=lambda: {1})
    saved: int = 0
    committed: int = 0
    ibmc_power: str = "S5"


class _Server(asyncssh.SSHServer):
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == self.state.password


def _caret_error(line: str, pos: int, text: str) -> str:
    return f"{' ' * pos}^\r\nError: {text} found at '^' position.\r\n"


class _Shell:
    def __init__(self, proc: asyncssh.SSHServerProcess, state: FakeState) -> None:
        self.p, self.s = proc, state

    def w(self, text: str) -> None:
        self.p.stdout.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    async def line(self) -> str | None:
        try:
            data = await self.p.stdin.readline()
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged):
            return ""
        if not data:
            return None
        return data.rstrip("\r\n")

    def echo(self, cmd: str) -> None:
        if self.s.echo_quirk and cmd:
            self.w(cmd[:1] + " \x1b[1D" + cmd[1:] + "\n")
        else:
            self.w(cmd + "\n")

    async def page(self, text: str) -> None:
        lines = text.splitlines()
        if not self.s.paging:
            self.w("\n".join(lines) + "\n")
            return
        for i in range(0, len(lines), 10):
            self.w("\n".join(lines[i:i + 10]) + "\n")
            if i + 10 < len(lines):
                self.w("  ---- More ----")
                key = await self.p.stdin.read(1)
                self.w("\x1b[16D" + " " * 16 + "\x1b[16D")
                if key in ("q", "\x03"):
                    return

    def count(self, cmd: str) -> bool:
        self.s.commands.append(cmd)
        if self.s.drop_at is not None and len(self.s.commands) >= self.s.drop_at:
            self.s.drop_at = None
            return True
        return False

    # ------------------------------------------------------------------ VRP
    async def vrp(self, name: str = "HUAWEI") -> None:
        views: list[str] = []
        s = self.s
        pending = False

        def prompt() -> str:
            if not views:
                return f"<{name}>"
            mark = ("*" if pending else "~") if s.flavour == "vrp8" else ""
            return f"[{mark}{name}{''.join('-' + v for v in views[1:])}]"

        self.w(f"\nInfo: The max number of VTY users is 10.\n{prompt()}")
        while True:
            cmd = await self.line()
            if cmd is None:
                return
            self.echo(cmd)
            if self.count(cmd):
                self.p.channel.get_connection().close()
                return
            if s.hang_on and cmd == s.hang_on:
                await asyncio.sleep(3600)
            c = cmd.strip()
            out = ""
            if c == "screen-length 0 temporary":
                pass
            elif c == "display vlan":
                await self.page(DISPLAY_VLAN)
            elif c == "display port vlan":
                await self.page(PORT_VLAN)
            elif c == "display version":
                await self.page(VERSION8 if s.flavour == "vrp8" else VERSION5)
            elif c == "display current-configuration":
                self.w("[V200R009C00SPC500]\n#\nsysname HUAWEI\n#\nvlan batch "
                       + " ".join(map(str, sorted(s.vlans))) + "\n#\nreturn\n")
            elif c == "system-view" and not views:
                views = ["sys"]
                out = "Enter system view, return user view with Ctrl+Z.\n"
            elif c in ("quit", "return"):
                if views and s.flavour == "vrp8" and pending and (c == "return" or len(views) == 1):
                    self.w("Warning: Uncommitted configurations found. Are you sure to commit them "
                           "before exiting? [Y(yes)/N(no)/C(cancel)]:")
                    ans = (await self.line() or "").strip().upper()
                    self.w(ans + "\n")
                    if ans == "Y":
                        s.committed += 1
                    pending = False
                if c == "return":
                    views = []
                elif views:
                    views.pop()
                else:
                    self.p.exit(0)
                    return
            elif c == "commit" and s.flavour == "vrp8" and views:
                s.committed += 1
                pending = False
            elif m := re.fullmatch(r"vlan (\d+)", c):
                if views:
                    vid = int(m.group(1))
                    if vid > 4094:
                        out = _caret_error(c, len(prompt()) + 5, "Wrong parameter")
                    else:
                        s.vlans.add(vid)
                        pending = True
                        views = ["sys", f"vlan{vid}"]
                else:
                    out = _caret_error(c, len(prompt()), "Unrecognized command")
            elif m := re.fullmatch(r"undo vlan (\d+)", c):
                s.vlans.discard(int(m.group(1)))
                pending = True
            elif c.startswith("description ") and len(views) > 1:
                pass
            elif c == "save" and not views:
                self.w("Warning: The current configuration will be written to the device. Continue? [Y/N]:")
                ans = (await self.line() or "").strip()
                self.w(ans + "\n")
                if ans.lower() == "y":
                    s.saved += 1
                    out = "Now saving the current configuration to the slot 1.\nInfo: Save the configuration successfully.\n"
            elif c == "reset saved-configuration":
                self.w("Warning: The action will delete the saved configuration in the device. Continue? [Y/N]:")
                ans = (await self.line() or "").strip()
                self.w(ans + "\n")
            elif c:
                out = _caret_error(c, len(prompt()), "Unrecognized command")
            self.w(out + prompt())

    # ------------------------------------------------------------ HMM + iBMC
    async def hmm(self) -> None:
        prompt = "SMM-CLI:/> "
        self.w("\nWind River Linux 4.2\n" + prompt)
        while True:
            cmd = await self.line()
            if cmd is None:
                return
            self.w(cmd + "\n")
            if self.count(cmd):
                self.p.channel.get_connection().close()
                return
            c = cmd.strip()
            if c == "smmget -d version":
                self.w("SMM Version Information:\nUboot    Version :(U54)3.03\nCPLD     Version :(U1082)108  161206\n"
                       "PCB      Version :SMMA REV B\nBOM      Version :001\nFPGA     Version :(U1049)008  130605\n"
                       "Software Version :(U54)7.63\nIPMI Module Built:Aug 23 2021 15:10:44\n")
            elif c == "smmget -d sysinfo":
                self.w("The data item does not exist.\n")
            elif c == "smmget -l blade1 -d presence":
                self.w("Blade1 is present.\n")
            elif c == "smmget -d health":
                self.w("Please Operate: blade1 ~ blade32 swi1 ~ swi4\n")
            elif m := re.fullmatch(r"ssh (172\.31\.1\.(\d+)) NoStricHostKeyChecking", c):
                n = int(m.group(2))
                self.w(f"root@{m.group(1)}'s password: " if n < 160 else "")
                if n >= 160:
                    self.w("Username:")
                    if (await self.line()) is None:
                        return
                    self.w("\nPassword:")
                pw = await self.line()
                if pw is None:
                    return
                self.w("\n")
                if pw != self.s.password:
                    self.w("Permission denied, please try again.\n" + prompt)
                    continue
                if n < 160:
                    await self.ibmc()
                else:
                    await self.vrp(name=f"CX310-{n - 160}")
                self.w("Connection closed.\n" + prompt)
                continue
            elif c == "exit":
                self.p.exit(0)
                return
            elif c:
                self.w(f"unknown command : {c.split()[0]}\n")
            self.w(prompt)

    async def ibmc(self) -> None:
        prompt = "root@BMC:/#"
        self.w("iMana 6.05\n" + prompt)
        while True:
            cmd = await self.line()
            if cmd is None:
                return
            self.w(cmd + "\n")
            c = cmd.strip()
            if m := re.fullmatch(r"ipmcset -d (powerstate|frucontrol) -v (\d)", c):
                self.w("WARNING: The operation may have many adverse effects.\nDo you want to continue?[Y/N]:")
                ans = (await self.line() or "").strip()
                self.w(ans + "\n")
                if ans.upper() == "Y":
                    if m.group(1) == "powerstate":
                        self.s.ibmc_power = "S0" if m.group(2) == "1" else "S5"
                    self.w("Control fru0 power on successfully.\n")
            elif c == "ipmcget -d sel -v list":
                self.w("ID   | Generation Time      | Severity | Event Description\n"
                       "1    | 2026-01-01 00:00:00  | Normal   | ACPI State | S5 state\n"
                       f"2    | 2026-01-01 00:01:00  | Normal   | ACPI State | {self.s.ibmc_power} state\n")
            elif c == "exit":
                return
            elif c:
                self.w(f"{c.split()[0]}: command not found\n")
            self.w(prompt)


@dataclass
class FakeServer:
    state: FakeState
    port: int
    server: asyncssh.SSHAcceptor
    host_key: asyncssh.SSHKey

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")


async def start_fake(kind: str, state: FakeState | None = None) -> FakeServer:
    """``kind`` is ``"vrp"`` (a switch) or ``"hmm"`` (HMM with nested iBMC/switch hops)."""
    state = state or FakeState()
    key = asyncssh.generate_private_key("ssh-ed25519")

    async def handler(proc: asyncssh.SSHServerProcess) -> None:
        sh = _Shell(proc, state)
        try:
            await (sh.vrp() if kind == "vrp" else sh.hmm())
        except (asyncssh.Error, ConnectionError, BrokenPipeError):
            pass
        finally:
            with contextlib.suppress(Exception):
                proc.exit(0)

    server = await asyncssh.create_server(lambda: _Server(state), "127.0.0.1", 0, server_host_keys=[key],
                                          process_factory=handler, line_editor=False, encoding="utf-8")
    port = server.sockets[0].getsockname()[1]
    return FakeServer(state=state, port=port, server=server, host_key=key)
