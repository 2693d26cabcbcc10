"""CX310 switch VRP CLI: typed reads, serialised configuration sessions, save.

The access path is a constructor option (the fact sheet leaves it open):
:class:`DirectPath` logs into the switch address itself; :class:`HmmHopPath`
logs into the HMM and runs ``ssh 172.31.1.<160+S> NoStricHostKeyChecking``.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Literal, Sequence

from vessel_core.drivers.ssh.hostkeys import HostKeyPolicy
from vessel_core.drivers.ssh.session import (
    HMM,
    VRP,
    CliCommandError,
    CliShell,
    Dialog,
    NestedHop,
    ShellClient,
    SshTarget,
)
from vessel_core.drivers.vrp.parse import parse, parse_running_config, parse_vlans
from vessel_core.errors import DeviceError, TransientError, ValidationError
from vessel_core.models.vrp import (
    EthTrunk,
    InterfaceBrief,
    LldpNeighbor,
    MacEntry,
    PortVlan,
    RunningConfig,
    VersionInfo,
    Vlan,
)

log = logging.getLogger("vessel.vrp")

SAVE_DIALOG = Dialog(r"(?i)continue\?\s*\[Y/N\]\s*:?\s*$", "y")
# vrp8: leaving with uncommitted changes asks to commit them; answered explicitly by callers.
UNCOMMITTED = r"(?i)uncommitted.*\[Y\(yes\)/N\(no\)/C\(cancel\)\]\s*:?\s*$"

_CONFIG_LOCKS: dict[tuple[int, str], asyncio.Lock] = {}


def _config_lock(target: str) -> asyncio.Lock:
    key = (id(asyncio.get_running_loop()), target)
    lock = _CONFIG_LOCKS.get(key)
    if lock is None:
        lock = _CONFIG_LOCKS[key] = asyncio.Lock()
    return lock


def switch_address(slot: int) -> str:
    if slot not in (1, 2, 3, 4):
        raise ValidationError(f"slot: switch slot must be 1..4, got {slot!r}", operation="switch")
    return f"172.31.1.{160 + slot}"


@dataclass(frozen=True)
class DirectPath:
    """SSH straight to the switch's VRP (an address routed into the fabric, or external)."""

    host: str
    username: str
    password: str = field(repr=False)
    host_keys: HostKeyPolicy = field(repr=False, default=None)  # type: ignore[assignment]
    port: int = 22


@dataclass(frozen=True)
class HmmHopPath:
    """Through the HMM shell: ``ssh 172.31.1.<160+S> NoStricHostKeyChecking``, then VRP's
    ``Username:``/``Password:`` questions."""

    hmm_host: str
    hmm_password: str = field(repr=False)
    host_keys: HostKeyPolicy = field(repr=False, default=None)  # type: ignore[assignment]
    switch_username: str = "root"
    switch_password: str | None = field(repr=False, default=None)  # default: the HMM password
    hmm_username: str = "root"
    hmm_port: int = 22
    address: str | None = None  # default 172.31.1.(160+slot)


class VrpCli(ShellClient):
    """One switch's VRP CLI over a persistent shell.

    Args:
        slot: switch slot 1..4 (names the target ``swi<N>``).
        path: :class:`DirectPath` or :class:`HmmHopPath`.
        timeout / connect_timeout: per-command and login deadlines in seconds.
        save_timeout: deadline for ``save`` (it can take minutes on real switches).

    ``commands_sent`` counts every command line written on the session.
    """

    def __init__(self, slot: int, path: DirectPath | HmmHopPath, *, timeout: float = 30.0,
                 connect_timeout: float = 15.0, save_timeout: float = 120.0) -> None:
        self.slot = slot
        self.name = f"swi{slot}"
        self.save_timeout = save_timeout
        self.flavour: Literal["vrp5", "vrp8"] | None = None
        if isinstance(path, DirectPath):
            target = SshTarget(host=path.host, port=path.port, username=path.username,
                               password=path.password, host_keys=path.host_keys, name=self.name,
                               connect_timeout=connect_timeout, command_timeout=timeout)
            self.shell = CliShell(target, VRP)
        elif isinstance(path, HmmHopPath):
            target = SshTarget(host=path.hmm_host, port=path.hmm_port, username=path.hmm_username,
                               password=path.hmm_password, host_keys=path.host_keys, name=self.name,
                               connect_timeout=connect_timeout, command_timeout=timeout)
            hop = NestedHop(host=path.address or switch_address(slot),
                            password=path.switch_password or path.hmm_password,
                            username=path.switch_username, dialect=VRP,
                            password_setting="switch_password" if path.switch_password else "password")
            self.shell = CliShell(target, HMM, hops=[hop], label=self.name)
        else:
            raise ValidationError("path: expected DirectPath or HmmHopPath", target=self.name,
                                  operation="connect")

    async def run(self, command: str, **kw) -> str:
        """A read-only command (reconnects transparently after a dropped session)."""
        return await self.shell.run(command, **kw)

    async def display(self, command: str) -> list[dict]:
        return parse(command, await self.run(command))

    # ------------------------------------------------------------------ reads
    async def vlans(self) -> list[Vlan]:
        """All VLANs with tagged/untagged members: one ``display vlan`` whatever their number."""
        return parse_vlans(await self.run("display vlan"))

    async def interfaces(self) -> list[InterfaceBrief]:
        return [InterfaceBrief.from_ntc(r) for r in await self.display("display interface brief")]

    async def port_vlans(self) -> list[PortVlan]:
        return [PortVlan.from_ntc(r) for r in await self.display("display port vlan")]

    async def eth_trunks(self) -> list[EthTrunk]:
        return EthTrunk.from_ntc_rows(await self.display("display eth-trunk"))

    async def lldp_neighbors(self) -> list[LldpNeighbor]:
        return [LldpNeighbor.from_ntc(r) for r in await self.display("display lldp neighbor")]

    async def mac_table(self) -> list[MacEntry]:
        return [MacEntry.from_ntc(r) for r in await self.display("display mac-address")]

    async def version(self) -> VersionInfo:
        rows = await self.display("display version")
        if not rows:
            raise DeviceError("display version not understood", target=self.name, operation="display version")
        return VersionInfo.from_ntc(rows[0])

    async def current_configuration(self) -> str:
        return await self.run("display current-configuration")

    async def running_config(self) -> RunningConfig:
        return parse_running_config(await self.current_configuration())

    # ------------------------------------------------------------ flavour
    @staticmethod
    def _flavour_from_prompt(prompt: str) -> Literal["vrp5", "vrp8"]:
        return "vrp8" if re.match(r"^\[[~*]", prompt) else "vrp5"

    async def detect_flavour(self) -> Literal["vrp5", "vrp8"]:
        """vrp8 (two-stage commit) when the system-view prompt shows ``~``/``*``, else vrp5.

        ``display version`` is read too; a disagreement is logged (the prompt decides,
        because a vrp8 build in immediate mode commits like vrp5).
        """
        async with self.shell.exclusive() as sh:
            await sh.run("system-view", read_only=True)
            flavour = self._flavour_from_prompt(self.shell.prompt)
            await sh.run("return", read_only=True, dialogs=(Dialog(UNCOMMITTED, "N"),))
        self.flavour = flavour
        try:
            by_version = (await self.version()).flavour
        except DeviceError:
            by_version = None
        if by_version and by_version != flavour:
            log.warning("%s: prompt says %s, display version says %s", self.name, flavour, by_version)
        return flavour

    # -------------------------------------------------------------- changes
    async def configure(self, lines: Sequence[str], *, dialogs: Sequence[Dialog] = (),
                        commit_comment: str | None = None) -> str:
        """Enter system-view, send ``lines``, commit on vrp8, return to user view.

        Serialised per switch.  A device error raises :class:`CliCommandError`
        naming the line; on vrp8 the candidate is discarded, on vrp5 the lines
        before it stay applied (``error.applied`` lists them).  A session that
        drops mid-way raises :class:`TransientError` (nothing is re-sent).
        """
        for ln in lines:
            if not ln.strip() or "\n" in ln or "\r" in ln:
                raise ValidationError(f"configuration line must be one non-empty line: {ln!r}",
                                      target=self.name, operation="configure")
        outputs: list[str] = []
        async with _config_lock(self.name):
            async with self.shell.exclusive() as sh:
                if not self.shell.is_open:
                    # dropped between calls: nothing of this change was sent yet, safe to reopen
                    await self.shell._open()
                applied: list[str] = []
                try:
                    outputs.append(await sh.run("system-view"))
                    flavour = self._flavour_from_prompt(self.shell.prompt)
                    self.flavour = flavour
                    try:
                        for ln in lines:
                            outputs.append(await sh.run(ln, dialogs=dialogs))
                            applied.append(ln)
                        if flavour == "vrp8":
                            cmd = f'commit comment "{commit_comment}"' if commit_comment else "commit"
                            outputs.append(await sh.run(cmd, timeout=max(self.shell.target.command_timeout, 60)))
                    except CliCommandError as exc:
                        exc.applied = list(applied) if flavour == "vrp5" else []  # type: ignore[attr-defined]
                        await self._leave(sh, discard=True)
                        raise
                    await self._leave(sh, discard=False)
                except TransientError as exc:
                    raise TransientError("session dropped during configuration; re-read and re-plan",
                                         target=self.name, operation="configure") from exc
        return "\n".join(outputs)

    async def _leave(self, sh, *, discard: bool) -> None:
        await sh.run("return", dialogs=(Dialog(UNCOMMITTED, "N" if discard else "Y"),), check=False)
        if not self.shell.prompt.startswith("<"):
            raise DeviceError("did not return to user view", target=self.name, operation="return",
                              device_message=self.shell.prompt)

    async def save(self) -> str:
        """``save``, answering its ``Continue? [Y/N]`` question with ``y``."""
        async with _config_lock(self.name):
            out = await self.shell.run("save", dialogs=(SAVE_DIALOG,), timeout=self.save_timeout,
                                       read_only=False)
        if not re.search(r"(?i)(success|saved)", out):
            raise DeviceError("save did not report success", target=self.name, operation="save",
                              device_message=out.strip()[-200:])
        return out
