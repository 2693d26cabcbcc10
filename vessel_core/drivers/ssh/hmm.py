"""HMM (MM910) restricted CLI over SSH: ``smmget``/``smmset``, switch config export."""
from __future__ import annotations

import asyncio
import re

import asyncssh
from pydantic import BaseModel

from vessel_core.drivers.ssh.hostkeys import HostKeyPolicy
from vessel_core.drivers.ssh.session import HMM, CliShell, Dialog, ShellClient, SshTarget
from vessel_core.errors import (
    DeviceError,
    NotFoundError,
    TransientError,
    ValidationError,
)

_LOCATION_RE = re.compile(r"^(?:blade(?:[1-9]|[12]\d|3[0-2])|swi[1-4]|smm)$")
_ITEM_RE = re.compile(r"^[A-Za-z][\w-]*$")

# Device error text (§4.3) -> error class and meaning.
_SMM_ERRORS: list[tuple[re.Pattern[str], type, str]] = [
    (re.compile(r"The data item does not exist\."), NotFoundError, "unknown data item"),
    (re.compile(r"Target is null,\s*please input target\."), DeviceError, "target (-t) required"),
    (re.compile(r"The target does not exist, or the target does not support the dataitem\."),
     NotFoundError, "unknown target"),
    (re.compile(r"cli invalid data item or location error"), NotFoundError, "invalid data item or location"),
    (re.compile(r"Please Operate:\s*blade1 ~ blade32 swi1 ~ swi4"), DeviceError, "data item needs a location (-l)"),
    (re.compile(r"Invalid parameter"), DeviceError, "invalid parameter"),
]


#: every data item ``smmget`` is known to answer (chassis-surface §4.3), by location kind: without
#: ``-l`` (the chassis), ``-l swi<N>`` and ``-l blade<N>``; ``presence`` first, since the other
#: items of an absent module answer only "... is not present."
SMMGET_ITEMS: dict[str, tuple[str, ...]] = {
    "smm": ("version", "gateway", "timezone", "presence"),
    "swi": ("presence", "version", "health", "powerstate"),
    "blade": ("presence", "health", "biosbootmode", "macaddress", "powerstate"),
}
#: an answer of ``presence`` for a module that is present
PRESENT_RE = re.compile(r"\bis present\.")


class SmmVersion(BaseModel):
    software: str
    uboot: str = ""
    cpld: str = ""
    pcb: str = ""
    bom: str = ""
    fpga: str = ""
    ipmi_built: str = ""


class Health(BaseModel):
    ok: bool
    text: str


def parse_smm_version(text: str) -> SmmVersion:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\w+)\s+(Version|Module Built)\s*:(.*)$", line)
        if m:
            fields[m.group(1).lower()] = m.group(3).strip()
    sw = re.search(r"Software Version :\(?[^)]*\)?(\S+)", text)
    if not sw:
        raise DeviceError("no 'Software Version' in smmget -d version output", operation="smmget -d version",
                          device_message=text.strip()[:200])
    return SmmVersion(software=sw.group(1), uboot=fields.get("uboot", ""), cpld=fields.get("cpld", ""),
                      pcb=fields.get("pcb", ""), bom=fields.get("bom", ""), fpga=fields.get("fpga", ""),
                      ipmi_built=fields.get("ipmi", ""))


class HmmCli(ShellClient):
    """The HMM's SSH dispatcher: one persistent shell, typed ``smmget``/``smmset``.

    Args:
        host, port: the HMM floating address and SSH port.
        username, password: the HMM account (the password is never logged).
        host_keys: :class:`HostKeyPolicy` pinning the HMM's host key.
        name: target label in errors (default ``host:port``).
        timeout / connect_timeout: per-command and login deadlines in seconds.
    """

    def __init__(self, host: str, *, password: str, host_keys: HostKeyPolicy, username: str = "root",
                 port: int = 22, name: str | None = None, timeout: float = 30.0,
                 connect_timeout: float = 10.0) -> None:
        self.target = SshTarget(host=host, port=port, username=username, password=password,
                                host_keys=host_keys, name=name or "hmm", connect_timeout=connect_timeout,
                                command_timeout=timeout)
        self.shell = CliShell(self.target, HMM)

    async def run(self, command: str, **kw) -> str:
        return await self.shell.run(command, **kw)

    # ------------------------------------------------------------ smmget/set
    @staticmethod
    def _args(dataitem: str, location: str | None, target: str | None) -> str:
        if not _ITEM_RE.match(dataitem):
            raise ValidationError(f"dataitem: not a data item name: {dataitem!r}", operation="smmget")
        parts = []
        if location is not None:
            if not _LOCATION_RE.match(location):
                raise ValidationError(f"location: expected blade1..blade32, swi1..swi4 or smm, got {location!r}",
                                      operation="smmget")
            parts += ["-l", location]
        if target is not None:
            if not _ITEM_RE.match(target):
                raise ValidationError(f"target: not a target name: {target!r}", operation="smmget")
            parts += ["-t", target]
        parts += ["-d", dataitem]
        return " ".join(parts)

    def _raise_for_text(self, command: str, text: str) -> None:
        for pat, cls, meaning in _SMM_ERRORS:
            m = pat.search(text)
            if m:
                raise cls(f"{command}: {meaning}", target=self.target.label, operation=command,
                          device_message=m.group(0))

    async def smmget(self, dataitem: str, *, location: str | None = None, target: str | None = None) -> str:
        cmd = f"smmget {self._args(dataitem, location, target)}"
        out = await self.shell.run(cmd)
        self._raise_for_text(cmd, out)
        return out.strip()

    async def smmset(self, dataitem: str, value: str, *, location: str | None = None,
                     target: str | None = None, confirm: str | None = None) -> str:
        """``smmset ... -v value``; ``confirm`` is the regex of the Y/N question expected, answered ``Y``."""
        if not re.fullmatch(r"[\w .:/@,+-]+", value):
            raise ValidationError(f"value: unsupported characters in {value!r}", operation="smmset")
        cmd = f"smmset {self._args(dataitem, location, target)} -v {value}"
        dialogs = (Dialog(confirm, "Y"),) if confirm else ()
        out = await self.shell.run(cmd, read_only=False, dialogs=dialogs)
        self._raise_for_text(cmd, out)
        if re.search(r"(?i)\b(fail(ed)?|error|invalid)\b", out):
            raise DeviceError(f"{cmd}: refused", target=self.target.label, operation=cmd,
                              device_message=out.strip()[-200:])
        return out.strip()

    # ----------------------------------------------------------- typed reads
    async def version(self) -> SmmVersion:
        return parse_smm_version(await self.smmget("version"))

    async def gateway(self) -> tuple[str, str]:
        out = await self.smmget("gateway")
        conf = re.search(r"Configuration gateway:\s*(\S+)", out)
        act = re.search(r"Active gateway:\s*(\S+)", out)
        if not conf or not act:
            raise DeviceError("unexpected gateway output", target=self.target.label, operation="smmget -d gateway",
                              device_message=out[:200])
        return conf.group(1), act.group(1)

    async def timezone(self) -> str:
        out = await self.smmget("timezone")
        m = re.search(r"Time Zone:\s*(\S+)", out)
        if not m:
            raise DeviceError("unexpected timezone output", target=self.target.label,
                              operation="smmget -d timezone", device_message=out[:200])
        return m.group(1)

    async def presence(self, location: str | None = None) -> bool:
        out = await self.smmget("presence", location=location)
        if PRESENT_RE.search(out):
            return True
        if re.search(r"(?i)\b(not present|absent)\b", out):
            return False
        raise DeviceError("unexpected presence output", target=self.target.label,
                          operation=f"smmget presence {location or ''}".strip(), device_message=out[:200])

    async def health(self, location: str) -> Health:
        out = await self.smmget("health", location=location)
        return Health(ok=bool(re.search(r"has no problem\.", out)), text=out)

    async def bios_boot_mode(self, blade: str) -> bool:
        out = await self.smmget("biosbootmode", location=blade)
        if out.strip() in ("enable", "disable"):
            return out.strip() == "enable"
        raise DeviceError("unexpected biosbootmode output", target=self.target.label,
                          operation=f"smmget -l {blade} -d biosbootmode", device_message=out[:200])

    async def mac_address(self, blade: str) -> str | None:
        out = await self.smmget("macaddress", location=blade)
        if "NO MAC Address" in out:
            return None
        m = re.search(r"([0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5})", out)
        if not m:
            raise DeviceError("unexpected macaddress output", target=self.target.label,
                              operation=f"smmget -l {blade} -d macaddress", device_message=out[:200])
        return m.group(1)

    # ------------------------------------------------- switch config export
    async def swiconfexport(self, slot: int) -> str:
        """Export a switch's configuration on the HMM; returns the remote tarball path."""
        if slot not in (1, 2, 3, 4):
            raise ValidationError(f"slot: switch slot must be 1..4, got {slot!r}", operation="swiconfexport")
        cmd = f"swiconfexport swi{slot}"
        out = await self.shell.run(cmd, timeout=max(self.target.command_timeout, 60), read_only=False)
        self._raise_for_text(cmd, out)
        m = re.search(r'Please check "([^"]+)"', out)
        if "Successed" not in out or not m:
            raise DeviceError(f"{cmd} failed", target=self.target.label, operation=cmd,
                              device_message=out.strip()[-200:])
        return m.group(1)

    async def fetch_file(self, remote_path: str) -> bytes:
        """Read a file over SFTP with the same account (a separate connection)."""
        t = self.target
        try:
            async with asyncssh.connect(t.host, t.port, username=t.username, password=t.password,
                                        client_keys=None, agent_path=None,
                                        **t.host_keys.asyncssh_options(t.host, t.port)) as conn:
                async with conn.start_sftp_client() as sftp:
                    async with sftp.open(remote_path, "rb") as f:
                        return await asyncio.wait_for(f.read(), t.command_timeout)
        except asyncssh.SFTPNoSuchFile as exc:
            raise NotFoundError(f"no such file {remote_path}", target=t.label, operation="sftp get") from exc
        except (OSError, asyncssh.Error) as exc:
            raise TransientError(f"SFTP failed: {type(exc).__name__}", target=t.label,
                                 operation="sftp get") from exc

    async def export_switch_config(self, slot: int) -> bytes:
        """``swiconfexport swi<N>`` then fetch ``/tmp/exchange/swi<N>/swi<N>.tar.gz``."""
        path = await self.swiconfexport(slot)
        return await self.fetch_file(path)
