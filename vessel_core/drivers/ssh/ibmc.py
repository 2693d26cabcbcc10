"""Blade iBMC CLI reached by nested SSH from the HMM shell (``ipmcget``/``ipmcset``)."""
from __future__ import annotations

import re
from typing import Literal

from vessel_core.drivers.ssh.hostkeys import HostKeyPolicy
from vessel_core.drivers.ssh.session import HMM, IBMC, CliShell, Dialog, NestedHop, ShellClient, SshTarget
from vessel_core.errors import DeviceError, ValidationError

CONFIRM = r"(?i)continue\?\s*\[Y/N\]\s*:?\s*$"
BOOT_DEVICES = {"none": "0", "pxe": "1", "hdd": "2", "cdrom": "5", "floppy": "0xF", "bios": "6"}
_ACPI = re.compile(r"ACPI State.*?\b(S[0-5])\b")


def ibmc_address(slot: int) -> str:
    if not 1 <= slot <= 32:
        raise ValidationError(f"slot: blade slot must be 1..32, got {slot!r}", operation="ibmc")
    return f"172.31.1.{128 + slot}"


def power_state_from_sel(text: str) -> Literal["on", "off", "unknown"]:
    """The newest ``ACPI State`` SEL line decides: S0 = on, S5 = off (§3.6).

    Newest = highest leading record id when lines carry one, else the last line.
    """
    best: tuple[int, int, str] | None = None
    for idx, line in enumerate(text.splitlines()):
        m = _ACPI.search(line)
        if not m:
            continue
        rid = re.match(r"^\s*(\d+)\b", line)
        key = (int(rid.group(1)) if rid else -1, idx, m.group(1))
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return "unknown"
    states: dict[str, Literal["on", "off"]] = {"S0": "on", "S5": "off"}
    return states.get(best[2], "unknown")


class IbmcCli(ShellClient):
    """One blade's iBMC CLI through the HMM (``ssh 172.31.1.<128+N> NoStricHostKeyChecking``).

    Args:
        hmm_host, hmm_port, username, password, host_keys: the HMM login (host key pinned).
        slot: blade slot; the iBMC address is 172.31.1.(128+slot).
        ibmc_password: iBMC password (default: the HMM password, as on the real chassis).
        address: override the iBMC address (tests, other fabrics).
    """

    def __init__(self, hmm_host: str, *, slot: int, password: str, host_keys: HostKeyPolicy,
                 username: str = "root", hmm_port: int = 22, ibmc_password: str | None = None,
                 address: str | None = None, timeout: float = 30.0, connect_timeout: float = 15.0) -> None:
        self.slot = slot
        self.address = address or ibmc_address(slot)
        target = SshTarget(host=hmm_host, port=hmm_port, username=username, password=password,
                           host_keys=host_keys, name=f"blade{slot}", connect_timeout=connect_timeout,
                           command_timeout=timeout)
        hop = NestedHop(host=self.address, password=ibmc_password or password, dialect=IBMC,
                        success=r"BMC|iMana|root@")
        self.shell = CliShell(target, HMM, hops=[hop], label=f"blade{slot}")

    def _fail_on(self, cmd: str, out: str) -> None:
        if re.search(r"(?i)(fail|error|invalid|not support|incorrect|usage:)", out) and \
                not re.search(r"(?i)successfully", out):
            raise DeviceError(f"{cmd}: refused", target=self.shell.label, operation=cmd,
                              device_message=out.strip()[-200:])

    async def ipmcget(self, dataitem: str, value: str | None = None, *, timeout: float | None = None) -> str:
        if not re.fullmatch(r"[\w-]+", dataitem) or (value and not re.fullmatch(r"[\w-]+", value)):
            raise ValidationError(f"ipmcget: bad data item or value {dataitem!r} {value!r}", operation="ipmcget")
        cmd = f"ipmcget -d {dataitem}" + (f" -v {value}" if value else "")
        out = await self.shell.run(cmd, timeout=timeout)
        self._fail_on(cmd, out)
        return out.strip()

    async def ipmcset(self, dataitem: str, value: str, *, confirm: bool = True,
                      timeout: float | None = None) -> str:
        """``ipmcset -d item -v value``; the ``…continue?[Y/N]:`` question is answered Y when ``confirm``."""
        if not re.fullmatch(r"[\w-]+", dataitem) or not re.fullmatch(r"[\w -]+", value):
            raise ValidationError(f"ipmcset: bad data item or value {dataitem!r} {value!r}", operation="ipmcset")
        cmd = f"ipmcset -d {dataitem} -v {value}"
        dialogs = (Dialog(CONFIRM, "Y"),) if confirm else ()
        out = await self.shell.run(cmd, read_only=False, dialogs=dialogs, timeout=timeout)
        self._fail_on(cmd, out)
        return out.strip()

    # ---------------------------------------------------------------- power
    async def power_on(self) -> str:
        return await self.ipmcset("powerstate", "1")

    async def power_off(self, *, force: bool = False) -> str:
        return await self.ipmcset("powerstate", "2" if force else "0")

    async def reset(self) -> str:
        return await self.ipmcset("frucontrol", "0")

    async def power_cycle(self) -> str:
        return await self.ipmcset("frucontrol", "2")

    async def nmi(self) -> str:
        return await self.ipmcset("frucontrol", "3")

    async def power_state(self) -> Literal["on", "off", "unknown"]:
        """From the SEL (``ipmcget -d powerstate`` does not exist on iMana 6.05)."""
        return power_state_from_sel(await self.ipmcget("sel", "list"))

    # ----------------------------------------------------------------- boot
    async def set_boot_device(self, device: str, *, mode: Literal["once", "permanent"] | None = None) -> str:
        code = BOOT_DEVICES.get(device.lower())
        if code is None:
            raise ValidationError(f"device: expected one of {', '.join(BOOT_DEVICES)}, got {device!r}",
                                  operation="ipmcset -d bootdevice")
        return await self.ipmcset("bootdevice", code + (f" {mode}" if mode else ""))

    async def boot_device(self) -> str:
        return await self.ipmcget("bootdevice")
