"""Chassis Settings → Basic: enclosure identity, asset tag, slot aliases, server time; BIOS
Boot, Black Box and Reminder; and the one-glance overview of the whole chassis."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from vessel_core.chassis._util import b01, check_blade_slot, flag, records
from vessel_core.chassis.managed import PagedSetting
from vessel_core.chassis.models import ChassisInfo, ChassisOverview, ChassisSettings, ModuleSummary, Temperature
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis


PAGE = "cabinet_basic_setting.html"


class Settings(PagedSetting[ChassisSettings]):
    """Chassis Settings → Basic (asset tag, slot aliases: ``userhandler``), BIOS Boot, Black Box
    and Reminder (``cabinethandler`` [INF]) as one setting; one ``setslotalias`` per changed slot."""

    kind, model, referer = "hmm.chassis_settings", ChassisSettings, PAGE
    factory = ChassisSettings()

    async def read_value(self) -> ChassisSettings:
        web = await self._ch.web()
        tag, aliases, cab = await asyncio.gather(
            web.asset_tag(), web.slot_aliases(), self._ch.web_read("cabinethandler.php", "get", referer=PAGE))
        f = cab.fields
        # taken as the HMM shows it (not re-validated): a value the model refuses stays readable
        return ChassisSettings.model_construct(
            asset_tag=tag or "", slot_aliases={k: v for k, v in sorted(aliases.items()) if v},
            bios_boot_mode="UEFI" if str(f.get("biosbootmode", "")).upper() == "UEFI" else "Legacy",
            blackbox_enabled=flag(f.get("blackbox", "1")), reminder_enabled=flag(f.get("reminder", "1")))

    async def write_changes(self, want: ChassisSettings, have: ChassisSettings) -> None:
        if want.asset_tag != have.asset_tag:
            await self.send("userhandler.php", "setassettag", {"assettag": want.asset_tag}, {"asset_tag": "assettag"})
        for slot in sorted(set(want.slot_aliases) | set(have.slot_aliases)):
            alias = want.slot_aliases.get(slot, "")
            if alias != have.slot_aliases.get(slot, ""):
                await self.send("userhandler.php", "setslotalias", {"slot": slot, "alias": alias},
                                {"slot_aliases": "alias"})
        form = {name: value for name, value, old in (
            ("biosbootmode", want.bios_boot_mode, have.bios_boot_mode),
            ("blackbox", b01(want.blackbox_enabled), b01(have.blackbox_enabled)),
            ("reminder", b01(want.reminder_enabled), b01(have.reminder_enabled))) if value != old}
        if form:
            await self.send("cabinethandler.php", "set", form, {"bios_boot_mode": "biosbootmode",
                                                               "blackbox_enabled": "blackbox",
                                                               "reminder_enabled": "reminder"})


class Basic:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        #: asset tag, slot aliases, BIOS boot mode, black box, reminder (a
        #: :class:`~vessel_core.chassis.managed.Setting`)
        self.settings = Settings(ch)

    async def get(self) -> ChassisInfo:
        """Enclosure model/serial/health (HMM Redfish ``Chassis/1`` when offered) plus the
        web API's asset tag, slot aliases and server time."""
        ch = self._ch
        web = await ch.web()
        tag, aliases, now = await asyncio.gather(web.asset_tag(), web.slot_aliases(),
                                                 web.server_time())
        info = ChassisInfo(asset_tag=tag or "", slot_aliases=aliases, server_time=now)
        if await ch.has_hmm_redfish():
            enc = await (await ch.hmm_redfish()).get_chassis("1")
            info.model, info.serial_number = enc.model, enc.serial_number
            info.part_number = enc.part_number
            info.health = enc.status.health if enc.status else None
            ch.route("basic.get", "redfish:hmm+web")
        else:
            ch.route("basic.get", "web")
        return info

    async def set_asset_tag(self, tag: str) -> None:
        if len(tag) > 48:
            raise ValidationError("asset_tag: at most 48 characters", operation="basic.set_asset_tag")
        await self._ch.web_write("userhandler.php", "setassettag", {"assettag": tag},
                                 operation="userhandler.setassettag",
                                 referer="cabinet_basic_setting.html")
        self._ch.route("basic.set_asset_tag", "web")

    async def set_slot_alias(self, slot: int, alias: str) -> None:
        check_blade_slot(slot, "basic.set_slot_alias")
        if len(alias) > 32:
            raise ValidationError("alias: at most 32 characters", operation="basic.set_slot_alias")
        await self._ch.web_write("userhandler.php", "setslotalias", {"slot": slot, "alias": alias},
                                 operation="userhandler.setslotalias",
                                 referer="cabinet_basic_setting.html")
        self._ch.route("basic.set_slot_alias", "web")

    # ------------------------------------------------------------------ overview
    async def overview(self) -> ChassisOverview:
        """Everything a look at the chassis shows, read concurrently in one batch: identity,
        both management modules and their versions, PSUs, fans, temperatures, the power meter
        and the switch modules. Each reader takes HMM Redfish when offered, else the web API."""
        ch = self._ch
        web = await ch.web()

        async def version(name: str) -> dict[str, str] | None:
            try:
                return (await web.versions(name)).values
            except NotFoundError:
                return None

        names = ["smm", "othersmm", *(f"Swi{n}" for n in range(1, 5))]
        versions = asyncio.ensure_future(asyncio.gather(*(version(n) for n in names)))  # in the same batch
        try:
            info, meter, fans, temps, mms = await asyncio.gather(
                self.get(), ch.power.meter(), ch.fan.status(), self.temperatures(), self._mm_names())
        except BaseException:
            versions.cancel()
            raise
        found = dict(zip(names, await versions))

        def mm(name: str, role: str) -> ModuleSummary:
            v = found[name]
            return ModuleSummary(name=mms.get(role), present=v is not None, role=role,
                                 version=_software(v), versions=v or {})

        switches = [ModuleSummary(name=f"Swi{n}", present=found[f"Swi{n}"] is not None,
                                  version=_software(found[f"Swi{n}"]), versions=found[f"Swi{n}"] or {})
                    for n in range(1, 5)]
        ch.route("basic.overview", ch.routes.get("basic.get", "web"))
        return ChassisOverview(model=info.model or "E9000", serial_number=info.serial_number, health=info.health,
                               asset_tag=info.asset_tag, hmm_active=mm("smm", "active"),
                               hmm_standby=mm("othersmm", "standby"), power=meter, fans=fans,
                               temperatures=temps, switches=switches)

    async def _mm_names(self) -> dict[str, str]:
        """role -> "HMM1"/"HMM2" (HMM Redfish only: the web API names them smm/othersmm)."""
        ch = self._ch
        if not await ch.has_hmm_redfish():
            return {}
        rf = await ch.hmm_redfish()
        names = ("HMM1", "HMM2")
        docs = await asyncio.gather(*(rf.get_json(f"/redfish/v1/Managers/{n}") for n in names))
        out = {}
        for name, doc in zip(names, docs):
            status = ((doc.get("Oem") or {}).get("Huawei") or {}).get("ActiveStatus", "")
            out["active" if status == "Active" else "standby"] = name
        return out

    async def temperatures(self) -> list[Temperature]:
        """The chassis temperature sensors: HMM Redfish ``Chassis/1/Thermal`` when offered, else
        the web API's status query (the same answer as the PSUs and fans)."""
        ch = self._ch
        if await ch.has_hmm_redfish():
            th = await (await ch.hmm_redfish()).get_thermal("1")
            ch.route("basic.temperatures", "redfish:hmm")
            return [Temperature(name=t.name or t.member_id or "", reading_c=t.reading_celsius,
                                upper_critical_c=(t.model_extra or {}).get("UpperThresholdCritical"),
                                health=t.status.health if t.status else None) for t in th.temperatures]
        doc = await (await ch.web()).query_status()
        ch.route("basic.temperatures", "web")
        out = []
        for r in records(doc, "sensor"):
            reading, upper = _float(r.get("reading")), _float(r.get("uppercritical"))
            out.append(Temperature(name=r.get("name", ""), reading_c=reading, upper_critical_c=upper,
                                   health=None if reading is None or upper is None
                                   else "OK" if reading < upper else "Critical"))
        return out


def _software(versions: dict[str, str] | None) -> str | None:
    return None if not versions else versions.get("Software Version")


def _float(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None
