"""Network Settings → MMs / Blades / Switch Modules: external management addresses."""
from __future__ import annotations

import asyncio
import logging
import re
import socket
from typing import TYPE_CHECKING, Any, Literal, Mapping

from vessel_core.chassis._util import records
from vessel_core.chassis.managed import TargetSetting, name_field
from vessel_core.chassis.models import MM_TARGETS, MgmtAddress, MgmtNetwork
from vessel_core.errors import NotFoundError, TransientError, ValidationError, VesselError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis
    from vessel_core.safety.guard import Change

log = logging.getLogger(__name__)

_KINDS = {"blade": 0, "swi": 1, "smm": 2}
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")


def _kind_of(name: str) -> str:
    if re.fullmatch(r"Slot\d+", name):
        return "blade"
    if re.fullmatch(r"Swi[1-4]", name):
        return "swi"
    if name in ("HMM1", "HMM2", "float"):
        return "smm"
    raise ValidationError(f"name: expected Slot<N>, Swi<N>, HMM1, HMM2 or float, got {name!r}",
                          operation="network")


#: model field -> the form field of ``networkhandler setbmcipdata`` ([INF] the IPv6 ones)
_FORM = {"target": "bladename", "ip": "ip", "mask": "mask", "gateway": "gateway", "mode": "mode",
         "ipv6_address": "ipv6", "ipv6_gateway": "ipv6gateway"}


async def addresses_of(host: str) -> set[str]:
    """The IP addresses ``host`` (the provider's endpoint) stands for: itself when it is an IP
    literal, else what it resolves to [INF: a name that does not resolve stands for nothing]."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return set()
    return {str(i[4][0]) for i in infos}


class MgmtNetworkSetting(TargetSetting[MgmtNetwork]):
    """One target's management address as a guarded setting (kind ``hmm.network``, target
    ``HMM1`` / ``float`` / ``Slot3`` / ``Swi2``): verified by reading it back, restored on
    failure, audited.

    **The endpoint address.** When the target's address is the one this chassis object talks
    to (the floating or an MM's static address of :attr:`Chassis.endpoint`), moving it needs
    ``confirm_new_endpoint`` = the new address (else :class:`ValidationError` before anything is
    written). After the write the chassis follows the HMM to the new address
    (:meth:`Chassis.move_endpoint`) and verification reads the setting back *there*, retried until
    the guard's deadline; when the HMM never answers there, the restore writes the old address
    back through the first address of the HMM that still answers (the new one, the old one, the
    MMs' other addresses read before the change) and the chassis returns to the old address:
    outcome ``rollback``."""

    kind, model = "hmm.network", MgmtNetwork

    def __init__(self, ch: "Chassis", target: str) -> None:
        _kind_of(target)
        super().__init__(ch, target)
        self.factory = None if target in MM_TARGETS else MgmtNetwork(target=target, ip="", mask="", gateway="")
        self._fallbacks: list[str] = []  #: the MMs' other addresses, read before moving the endpoint
        self._moving = False

    async def read(self) -> MgmtNetwork:
        a = await self._ch.network.raw(self.target)
        ip = a.get("ip", "")
        return MgmtNetwork.model_construct(
            target=self.target, ip=ip, mask=a.get("mask", "") if ip else "", gateway=a.get("gateway", "") if ip else "",
            ipv6_address=a.get("ipv6", ""), ipv6_gateway=a.get("ipv6gateway", ""),
            mode="dhcp" if a.get("mode") == "dhcp" else "static")

    async def is_endpoint(self, have: MgmtNetwork | None = None) -> bool:
        """Whether this target's address is the one the chassis object talks to."""
        if self.target not in MM_TARGETS:
            return False
        have = have or await self.read()
        return bool(have.ip) and have.ip in await addresses_of(self._ch.target)

    async def set(self, want: MgmtNetwork, *, op: str | None = None,
                  confirm_new_endpoint: str | None = None) -> MgmtNetwork:
        """Make the address ``want``. Moving the endpoint's address needs ``confirm_new_endpoint``
        = ``want.ip`` (see the class docstring)."""
        before = await self.read()
        if want.ip == before.ip or not await self.is_endpoint(before):
            return await super().set(want, op=op)
        if confirm_new_endpoint != want.ip:
            raise ValidationError(
                f"{self.target}'s address {before.ip} is the one this session talks to "
                f"({self._ch.endpoint}); moving it to {want.ip} needs confirm_new_endpoint = {want.ip!r}",
                target=self.target, operation=f"{self.kind}.set", field="confirm_new_endpoint",
                hint="after the change, reach the HMM at the new address")
        self._fallbacks = [a.ip for a in await self._ch.network.list("smm") if a.name != self.target and a.ip]
        self._moving = True
        try:
            async with self._guarded(op or f"{self.kind}.set", want=want, before=before) as ch:
                await self._write(want)
                # the HMM answers at the new address from now on: follow it; the guard's
                # verification reads the setting back there until its deadline
                await self._ch.move_endpoint(want.ip)
                if ch is None:
                    await self.verify_value(want, await self.read())
                else:
                    ch.after = want
                    ch.evidence["endpoint"] = f"moved from {before.ip} to {want.ip}"
        finally:
            self._moving = False
        return await self.read()

    async def write(self, want: MgmtNetwork) -> None:
        form = {_FORM[k]: v for k, v in want.model_dump().items() if k in _FORM}
        if self.target not in MM_TARGETS:
            form.pop("ipv6", None), form.pop("ipv6gateway", None)
        try:
            await self._ch.web_write("networkhandler.php", "setbmcipdata", form,
                                     operation="networkhandler.setbmcipdata", referer="smm.html")
        except VesselError as exc:
            name_field(exc, _FORM)
            raise
        self._ch.route(f"{self.kind}.set", "web")

    async def verify(self, change: "Change") -> None:
        try:
            await super().verify(change)
        except VesselError:
            raise
        except Exception as exc:  # a connection the new address refuses or resets
            raise TransientError(f"{self.target}: the HMM does not answer at {self._ch.target}: "
                                 f"{type(exc).__name__}: {exc}", target=self.target,
                                 operation=f"{self.kind}.verify", field="ip") from exc

    async def restore(self, files: Mapping[str, bytes | str]) -> None:
        if not self._moving:
            await super().restore(files)
            return
        want = self.model.model_validate_json(files[f"{self.kind}.json"])
        # the HMM may be at the new address (verification failed for another reason), at the
        # old one (the write did not take) or reachable only through its other addresses
        last: BaseException | None = None
        for host in dict.fromkeys([self._ch.target, want.ip, *self._fallbacks]):
            try:
                await self._ch.move_endpoint(host)
                if self._changed(want, await self.read()):
                    await self.write(want)
                await self._ch.move_endpoint(want.ip)
                have = await self.read()
            except Exception as exc:  # noqa: BLE001 - try the next address of the HMM
                last = exc
                log.info("restoring %s through %s failed: %s", self.target, host, exc)
                continue
            bad = self._changed(want, have)
            if bad:
                raise TransientError(f"{self.kind}: restore left {', '.join(bad)} different",
                                     target=self.target, operation=f"{self.kind}.restore")
            return
        await self._ch.move_endpoint(want.ip)
        raise TransientError(f"{self.target}: no address of the HMM answers to restore {want.ip} "
                             f"({type(last).__name__}: {last})", target=self.target,
                             operation=f"{self.kind}.restore")


class Network:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        self._targets: dict[str, MgmtNetworkSetting] = {}

    def target(self, name: str) -> MgmtNetworkSetting:
        """The guarded setting of one target's management address (one object per target)."""
        if name not in self._targets:
            self._targets[name] = MgmtNetworkSetting(self._ch, name)
        return self._targets[name]

    async def raw(self, name: str) -> dict[str, Any]:
        """The HMM's fields of one target's entry (``getbmcipdata``)."""
        doc = await (await self._ch.web()).bmc_ip_data(_KINDS[_kind_of(name)])
        self._ch.route("network.get", "web")
        for r in records(doc, "item"):
            if r.get("bladename") == name:
                return dict(r)
        raise NotFoundError(f"no management address entry {name!r} (not present)", target=self._ch.target,
                            operation="network.get", field="target")

    async def list(self, kind: Literal["blade", "swi", "smm"]) -> list[MgmtAddress]:
        if kind not in _KINDS:
            raise ValidationError(f"kind: expected blade, swi or smm, got {kind!r}",
                                  operation="network.list")
        doc = await (await self._ch.web()).bmc_ip_data(_KINDS[kind])
        self._ch.route("network.list", "web")
        return [MgmtAddress(name=r.get("bladename", ""), ip=r.get("ip", ""),
                            mask=r.get("mask", ""), gateway=r.get("gateway", ""),
                            mode="dhcp" if r.get("mode") == "dhcp" else "static",
                            fabric_ip=r.get("fabricip", "")) for r in records(doc, "item")]

    async def get(self, name: str) -> MgmtAddress:
        for a in await self.list(_kind_of(name)):  # type: ignore[arg-type]
            if a.name == name:
                return a
        raise NotFoundError(f"no management address entry {name!r}", target=self._ch.target,
                            operation="network.get")

    async def set(self, name: str, *, ip: str, mask: str = "255.255.255.0", gateway: str = "",
                  mode: Literal["static", "dhcp"] = "static") -> MgmtAddress:
        """Set (or, with ``ip=""``, remove) the external address of ``name``."""
        _kind_of(name)
        for field, value in (("ip", ip), ("mask", mask), ("gateway", gateway)):
            if value and not _IPV4.match(value):
                raise ValidationError(f"{field}: {value!r} is not an IPv4 address",
                                      operation="network.set")
        if mode not in ("static", "dhcp"):
            raise ValidationError(f"mode: expected static or dhcp, got {mode!r}",
                                  operation="network.set")
        await self._ch.web_write("networkhandler.php", "setbmcipdata",
                                 {"bladename": name, "ip": ip, "mask": mask, "gateway": gateway,
                                  "mode": mode}, operation="networkhandler.setbmcipdata")
        self._ch.route("network.set", "web")
        return await self.get(name)
