"""easyLink → Switch Profile / NIC Profile (the web API's easyLink handler), as two
:class:`~vessel_core.chassis.managed.Collection` s keyed by profile name.

[INF] No easyLink handler was captured on a real HMM: the verbs (``easylinkhandler.php``
``list|add|modify|delete`` + ``switchprofile|nicprofile``) and their form fields are the
emulator's, written down in ``vessel_core/sim/hmm/easylink.py``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from vessel_core.chassis._util import as_int, int_list, records, split_list
from vessel_core.chassis.managed import Collection, name_field
from vessel_core.chassis.models import NicProfile, SwitchProfile
from vessel_core.errors import VesselError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

PAGE = "switch_config_central_control.html"
HANDLER = "easylinkhandler.php"
P = TypeVar("P", SwitchProfile, NicProfile)


def switch_profile_from(row: dict[str, Any]) -> SwitchProfile:
    """A ``<switchprofile>`` row as the HMM shows it (taken as it is, not re-validated: a value
    our model would refuse must still be readable, so a plan can replace it)."""
    return SwitchProfile.model_construct(name=row.get("name", ""), switches=split_list(row.get("switches")),
                                         uplink_ports=split_list(row.get("uplinkports")),
                                         vlans=int_list(row.get("vlans")), description=row.get("description", ""))


def nic_profile_from(row: dict[str, Any]) -> NicProfile:
    """A ``<nicprofile>`` row as the HMM shows it (not re-validated)."""
    return NicProfile.model_construct(name=row.get("name", ""), vlans=int_list(row.get("vlans")),
                                      native_vlan=as_int(row.get("nativevlan")),
                                      bandwidth_pct=as_int(row.get("bandwidth"), 100) or 100,
                                      description=row.get("description", ""))


class _Profiles(Collection[str, P], Generic[P]):
    """One easyLink profile list: read with ``list<noun>``, written with ``add|modify|delete<noun>``
    (add and modify send the whole profile)."""

    key = "name"
    noun: ClassVar[str]
    #: model field -> the HMM's form field
    form: ClassVar[dict[str, str]]

    def from_row(self, row: dict[str, Any]) -> P:  # pragma: no cover - interface
        raise NotImplementedError

    async def read_all(self) -> list[P]:
        doc = await self._ch.web_read(HANDLER, f"list{self.noun}", referer=PAGE)
        self._ch.route(f"{self.kind}.list", "web")
        return [self.from_row(r) for r in records(doc, self.noun) if r.get("name")]

    async def _send(self, verb: str, fields: dict[str, Any]) -> None:
        try:
            await self._ch.web_write(HANDLER, f"{verb}{self.noun}", fields,
                                     operation=f"easylinkhandler.{verb}{self.noun}", referer=PAGE)
        except VesselError as exc:
            name_field(exc, self.form)
            raise
        self._ch.route(f"{self.kind}.{verb}", "web")

    def _form(self, want: P) -> dict[str, Any]:
        out = {}
        for name, form in self.form.items():
            value = getattr(want, name)
            out[form] = ",".join(map(str, value)) if isinstance(value, list) else "" if value is None else value
        return out

    async def write_create(self, want: P) -> None:
        await self._send("add", self._form(want))

    async def write_update(self, want: P, have: P) -> None:
        await self._send("modify", self._form(want))

    async def write_delete(self, have: P) -> None:
        await self._send("delete", {"name": have.name})


class SwitchProfiles(_Profiles[SwitchProfile]):
    """easyLink → Switch Profile: uplinks and VLANs of one switch or stacking pair, by name."""

    kind, model, noun = "hmm.easylink.switch_profiles", SwitchProfile, "switchprofile"
    form = {"name": "name", "switches": "switches", "uplink_ports": "uplinkports", "vlans": "vlans",
            "description": "description"}

    def from_row(self, row: dict[str, Any]) -> SwitchProfile:
        return switch_profile_from(row)


class NicProfiles(_Profiles[NicProfile]):
    """easyLink → NIC Profile: the VLANs and bandwidth share of a vNIC, by name. The HMM refuses
    deleting one that a compute profile names."""

    kind, model, noun = "hmm.easylink.nic_profiles", NicProfile, "nicprofile"
    form = {"name": "name", "vlans": "vlans", "native_vlan": "nativevlan", "bandwidth_pct": "bandwidth",
            "description": "description"}

    def from_row(self, row: dict[str, Any]) -> NicProfile:
        return nic_profile_from(row)


class EasyLink:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        #: the switch profiles (a :class:`~vessel_core.chassis.managed.Collection` keyed by name)
        self.switch_profiles = SwitchProfiles(ch)
        #: the vNIC profiles (a :class:`~vessel_core.chassis.managed.Collection` keyed by name)
        self.nic_profiles = NicProfiles(ch)
