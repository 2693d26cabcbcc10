"""Alarm Monitoring: active alarms and the system event logs (HMM web API)."""
from __future__ import annotations

import builtins
import re
from typing import TYPE_CHECKING, Any

from vessel_core.chassis._util import as_int, b01, flag, records
from vessel_core.chassis.managed import Collection, name_field
from vessel_core.chassis.models import AlarmList, AlarmSubscription, SelEntry
from vessel_core.errors import NotFoundError, ValidationError, VesselError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

_COMPONENT = re.compile(r"^(smm|othersmm|Slot(?:[1-9]|[12]\d|3[0-2])|Swi[1-4])$")


#: model field -> form field of ``alarmconfighandler`` [INF: the page was not captured]
_DEST_FORM = {"type": "type", "address": "address", "port": "port", "severity": "severity", "enabled": "enabled",
              "snmp_version": "snmpversion", "snmp_user": "snmpuser", "auth_protocol": "authprotocol",
              "priv_protocol": "privprotocol", "community": "community", "auth_key": "authkey",
              "priv_key": "privkey"}


class Subscriptions(Collection[str, AlarmSubscription]):
    """Alarm Monitoring → Settings: the alarm notification destinations, keyed
    ``"<type>/<address>"``. The HMM holds a fixed number per type (a full type is a
    :class:`ConflictError`); the community string and the SNMPv3 keys are write-only, so a
    deleted SNMP destination cannot be restored (the restore reports ``rollback-failed``)."""

    kind, model, key = "hmm.alarm_destinations", AlarmSubscription, "address"
    write_only = frozenset({"community", "auth_key", "priv_key"})
    referer = "alarm_config.html"

    def __init__(self, ch: "Chassis") -> None:
        super().__init__(ch)
        self._slots: dict[str, int] = {}  # key -> the slot the modify/delete verbs take
        #: type -> how many destinations of that type the HMM holds (from the last list)
        self.limits: dict[str, int] = {}

    def key_of(self, m: AlarmSubscription) -> str:
        return m.key

    async def read_all(self) -> builtins.list[AlarmSubscription]:
        doc = await self._ch.web_read("alarmconfighandler.php", "getdestlist", referer=self.referer)
        self._ch.route("alarms.subscriptions.list", "web")
        self.limits = {t: as_int(doc.fields.get(f"max{t.replace('_', '')}"), 0) or 0
                       for t in ("snmp_trap", "syslog", "email")}
        out = []
        for r in records(doc, "dest"):
            m = AlarmSubscription.model_construct(
                type=r.get("type", ""), address=r.get("address", ""), port=as_int(r.get("port"), 0) or 0,
                severity=r.get("severity", ""), enabled=flag(r.get("enabled", "1")),
                snmp_version=r.get("snmpversion", ""), snmp_user=r.get("snmpuser", ""),
                auth_protocol=r.get("authprotocol", ""), priv_protocol=r.get("privprotocol", ""),
                community=None, auth_key=None, priv_key=None)
            self._slots[m.key] = as_int(r.get("slot"), 0) or 0
            out.append(m)
        return out

    def _form(self, want: AlarmSubscription, have: AlarmSubscription | None) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for name, field in _DEST_FORM.items():
            value = getattr(want, name)
            if name in self.write_only:
                value = value.get_secret_value() if value is not None else None
            elif have is not None and name != "type" and value == getattr(have, name):
                continue
            form[field] = b01(value) if isinstance(value, bool) else None if value is None else str(value)
        return form

    async def _call(self, verb: str, form: dict[str, Any]) -> None:
        try:
            await self._ch.web_write("alarmconfighandler.php", verb, form, operation=f"alarmconfighandler.{verb}",
                                     referer=self.referer)
        except VesselError as exc:
            name_field(exc, _DEST_FORM)
            raise

    async def _slot(self, key: str) -> int:
        await self.list()
        return self._slots[key]

    @staticmethod
    def missing_secrets(want: AlarmSubscription) -> builtins.list[str]:
        """The write-only fields a new destination needs and ``want`` lacks."""
        if want.type != "snmp_trap":
            return []
        need = ["community"] if want.snmp_version == "v2c" else ["auth_key", "priv_key"]
        return [n for n in need if getattr(want, n) is None]

    async def create(self, want: AlarmSubscription, *, adopt: bool = False) -> AlarmSubscription:
        missing = self.missing_secrets(want)
        if missing and await self.get(want.key) is None:   # refused before anything is written
            raise ValidationError(f"alarm destination {want.key!r}: a new SNMP {want.snmp_version} trap receiver "
                                  f"needs {' and '.join(missing)}", operation=f"{self.kind}.create", field=missing[0])
        return await super().create(want, adopt=adopt)

    async def write_create(self, want: AlarmSubscription) -> None:
        await self._call("adddest", self._form(want, None))

    async def write_update(self, want: AlarmSubscription, have: AlarmSubscription) -> None:
        await self._call("modifydest", {**self._form(want, have), "slot": await self._slot(have.key)})

    async def write_delete(self, have: AlarmSubscription) -> None:
        await self._call("deldest", {"type": have.type, "slot": await self._slot(have.key)})


class Alarms:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        #: the alarm notification destinations (a :class:`~vessel_core.chassis.managed.Collection`)
        self.subscriptions = Subscriptions(ch)

    async def list(self) -> AlarmList:
        """Active alarms of the whole chassis with the per-level counts."""
        web = await self._ch.web()
        first = await web.alarms(page=1, perpage=100)
        alarms = list(first.alarms)
        page = 1
        while len(alarms) < first.sum and first.alarms:
            page += 1
            more = await web.alarms(page=page, perpage=100)
            if not more.alarms:
                break
            alarms.extend(more.alarms)
        self._ch.route("alarms.list", "web")
        return first.model_copy(update={"alarms": alarms})

    async def sel(self, component: str = "smm", *, limit: int | None = 200) -> builtins.list[SelEntry]:
        """System event log of ``smm``/``othersmm``/``Slot<N>``/``Swi<N>``, newest first."""
        if not _COMPONENT.match(component):
            raise ValidationError(f"component: expected smm, othersmm, Slot<N> or Swi<N>, got "
                                  f"{component!r}", operation="alarms.sel")
        try:
            entries = await (await self._ch.web()).sel_all(component, limit=limit)
        except NotFoundError:
            raise NotFoundError(f"{component} is not present", target=self._ch.target,
                                operation="alarms.sel") from None
        self._ch.route("alarms.sel", "web")
        return entries
