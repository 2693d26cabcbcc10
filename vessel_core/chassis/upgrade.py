"""System Mgmt → Upgrade: firmware inventory, upload, apply, progress, cancel."""
from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, Callable

from vessel_core.chassis.models import FirmwareComponent, UpgradePreflight, UpgradeStatus
from vessel_core.drivers.hmm_web.client import validate_bladelist
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

_COMPONENT = re.compile(r"^(smm|othersmm|Slot\d+|Swi[1-4])$")


class Upgrade:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    async def inventory(self, components: list[str] | None = None) -> list[FirmwareComponent]:
        """Versions of both MMs and every present blade and switch (or of ``components``).

        A blade whose iBMC Redfish answers is read from its ``FirmwareInventory``
        (``ActiveBMC``, ``Bios`` …); everything else from the HMM web API's version blocks.
        Requests run concurrently.
        """
        ch = self._ch
        web = await ch.web()
        if components is None:
            blades, switches = await asyncio.gather(ch.network_info.present("blade"),
                                                    ch.network_info.present("swi"))
            components = ["smm", "othersmm", *blades, *switches]
        for c in components:
            if not _COMPONENT.match(c):
                raise ValidationError(f"components: {c!r} is not smm, othersmm, Slot<N> or "
                                      "Swi<N>", operation="upgrade.inventory")

        async def one(name: str) -> FirmwareComponent | None:
            if name.startswith("Slot") and await ch.blade_has_redfish(int(name[4:])):
                rf = await ch.ibmc_redfish(int(name[4:]))
                items = await rf.firmware_inventory()
                return FirmwareComponent(component=name, source="redfish",
                                         versions={(i.id or i.name or ""): i.version or ""
                                                   for i in items})
            try:
                v = await web.versions(name)
            except NotFoundError:
                return None
            return FirmwareComponent(component=name, versions=v.values, source="web")

        found = await asyncio.gather(*(one(c) for c in components))
        out = [f for f in found if f is not None]
        ch.route("upgrade.inventory", "+".join(sorted({f"{f.source}" for f in out})) or "web")
        return out

    async def preflight(self) -> UpgradePreflight:
        web = await self._ch.web()
        upgrading, s1, s2, alarms = await asyncio.gather(
            web.is_updating(), web.check_upgrade(1), web.check_upgrade(2), web.alarms())
        self._ch.route("upgrade.preflight", "web")
        return UpgradePreflight(upgrading=upgrading, smm_ready={1: s1, 2: s2},
                                alarms_critical=alarms.critical, alarms_major=alarms.major)

    async def upload(self, filename: str, content: bytes, *, targets: str) -> None:
        """Upload an ``.hpm`` image; ``targets`` is the bladelist it is meant for
        (``bothsmm``, ``Swi2:fru0;Swi3:fru0;``, ``Slot1:fru0;``) so the right Referer is sent."""
        if not filename or "/" in filename or "\\" in filename:
            raise ValidationError(f"filename: a bare file name is required, got {filename!r}",
                                  operation="upgrade.upload")
        if not content:
            raise ValidationError("content: the image is empty", operation="upgrade.upload")
        await (await self._ch.web()).upload_firmware(filename, content, target=targets)
        self._ch.route("upgrade.upload", "web")

    async def apply(self, targets: str) -> UpgradeStatus:
        """Start flashing the uploaded image onto ``targets`` (a bladelist)."""
        validate_bladelist(targets)
        web = await self._ch.web()
        await web.start_upgrade(targets)
        self._ch.route("upgrade.apply", "web")
        return await web.upgrade_status()

    async def status(self) -> UpgradeStatus:
        st = await (await self._ch.web()).upgrade_status()
        self._ch.route("upgrade.status", "web")
        return st

    async def wait(self, *, timeout: float = 3600.0, interval: float = 3.0,
                   on_progress: Callable[[UpgradeStatus], Any] | None = None) -> UpgradeStatus:
        """Poll until every target is done; raises DeviceError on a failed target and
        DeviceTimeoutError at the deadline."""
        st = await (await self._ch.web()).wait_upgrade(timeout=timeout, interval=interval,
                                                       on_progress=on_progress)
        self._ch.route("upgrade.wait", "web")
        return st

    async def rollback(self, targets: str, component: str) -> None:
        """[INF] ``targets`` (a bladelist) back to the image each ran before its last flash of
        ``component`` (hmm, switch, ibmc, bios, cpld): the iBMC's backup slot, else the previous
        image the HMM kept."""
        validate_bladelist(targets)
        await (await self._ch.web()).rollback_firmware(targets, component)
        self._ch.route("upgrade.rollback", "web")

    async def cancel(self) -> None:
        await (await self._ch.web()).cancel_upgrade()
        self._ch.route("upgrade.cancel", "web")
