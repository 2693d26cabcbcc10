"""``vessel_mac_pool`` and ``vessel_uuid_pool``: Stateless Computing → MAC Pool / UUID.

Several named pools per chassis (at most 64 of each kind). A pool's range may not overlap
another pool's, nor hold an address a blade presents now (its burned-in MAC or UUID): both are
refused at plan time, against the pools the chassis has and the pools this plan creates.
"""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Attribute, Schema, int_range, regex, requires_replace, use_state_for_unknown
from tfprovider.vessel.resources._base import CollectionResource, sdk_model, session_of

POOL_NAME = r"^[A-Za-z0-9][A-Za-z0-9_]{0,14}$"
NAME_RULE = "must be 1-15 letters, digits or _, not starting with _"


def _name_attr(what: str) -> Attribute:
    return Attribute(cty.String, required=True, plan_modifiers=[requires_replace()], validators=[regex(POOL_NAME, NAME_RULE)],
                     description=f"Name of the {what} pool: 1-15 letters, digits or `_`, not starting with `_`. "
                                 "Changing it replaces the pool.")


def _id_attr() -> Attribute:
    return Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                     description="The pool name (known at plan time); also the import ID.")


class _Pool(CollectionResource):
    """What both pool kinds share: the plan-time overlap and in-use checks."""

    key = "name"
    kind_word = ""
    range_attr = ""  #: the attribute an overlap is reported on

    def from_model(self, shown: dict[str, Any]) -> dict[str, Any]:
        return {**shown, "allocations": {str(k): v for k, v in (shown.get("allocations") or {}).items()}}

    def _candidate(self, plan: dict[str, Any]) -> Any:
        """The pool a plan describes (None while its range is unknown or invalid)."""
        values = {k: plan.get(k) for k in ("name", self.range_attr, "size")}
        if not all(cty.is_known(v) and v is not None for v in values.values()):
            return None
        try:
            return self.model.model_validate(values)
        except Exception:  # noqa: BLE001 - validate already reported bad values
            return None

    async def modify_plan(self, req: Any, resp: Any) -> None:
        plan, prior = resp.state, req.state
        if prior is not None and any(plan.get(k) != prior.get(k) for k in (self.range_attr, "size")):
            plan["used"] = plan["allocations"] = cty.UNKNOWN  # the HMM recounts them
        await super().modify_plan(req, resp)

    async def check_plan(self, req: Any, resp: Any) -> None:
        plan = resp.state
        me = self._candidate(plan)
        if me is None:
            return
        session = session_of(self.provider_data)
        others: dict[str, Any] = {p.name: p for p in await self._collection().list() if p.name != me.name}
        for name, noted in session.noted(self.type_name).items():
            if name != me.name:
                other = self._candidate(noted)
                if other is not None:
                    others[name] = other
        for other in others.values():
            if me.overlaps(other):
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr(self.range_attr), f"{self.kind_word} Pools Overlap",
                    f"pool {me.name!r} ({self.describe(me)}) overlaps pool {other.name!r} ({self.describe(other)}); "
                    "a blade could be given an identity another blade holds.")
                return
        for node in await session.chassis.stateless.nodes():
            for ident in self.identities(node):
                if me.contains(ident):
                    resp.diagnostics.add_attribute_error(
                        AttributePath().attr(self.range_attr), f"{self.kind_word} Already In Use",
                        f"pool {me.name!r} ({self.describe(me)}) holds {ident}, which the blade in slot {node.slot} "
                        "presents now (burned in); a blade bound to this pool could be given it too.")
                    return

    def describe(self, pool: Any) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def identities(self, node: Any) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError


class MacPool(_Pool):
    type_name = "vessel_mac_pool"
    model = sdk_model("MacPool")
    kind_word, range_attr = "MAC", "start"
    schema = Schema(
        {
            "id": _id_attr(),
            "name": _name_attr("MAC"),
            "start": Attribute(cty.String, required=True,
                               validators=[regex(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$", "must be a MAC address such as "
                                                 '"28:6E:D4:B0:00:00"')],
                               semantic_equal=lambda a, b: str(a).upper() == str(b).upper(),
                               description="First address of the pool: a unicast MAC (first octet even), "
                                           'e.g. "28:6E:D4:B0:00:00".'),
            "size": Attribute(cty.Number, required=True, validators=[int_range(1, 8192)],
                              description="Number of consecutive addresses, 1-8192."),
            "used": Attribute(cty.Number, computed=True, description="Addresses allocated to blades."),
            "allocations": Attribute(cty.Map(cty.List(cty.String)), computed=True,
                                     description='Slot (as a string, "3") -> the MACs the blade in it was given.'),
        },
        description="A named MAC address pool of the HMM's stateless computing: compute profiles that name it "
                    "give each bound blade one address per vNIC. Overlapping pools, and ranges holding a MAC a "
                    "blade presents now, are refused at plan time. A pool a profile names cannot be destroyed "
                    "before the profile.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.stateless.mac_pools

    def describe(self, pool: Any) -> str:
        return f"{pool.start} + {pool.size}"

    def identities(self, node: Any) -> list[str]:
        return node.macs if node.mac_source == "burned-in" else []


class UuidPool(_Pool):
    type_name = "vessel_uuid_pool"
    model = sdk_model("UuidPool")
    kind_word, range_attr = "UUID", "prefix"
    schema = Schema(
        {
            "id": _id_attr(),
            "name": _name_attr("UUID"),
            "prefix": Attribute(cty.String, required=True,
                                validators=[regex(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-$",
                                                  'must be the first 24 characters of a UUID, ending in "-"')],
                                semantic_equal=lambda a, b: str(a).upper() == str(b).upper(),
                                description='The first 24 characters of every UUID of the pool, e.g. '
                                            '"8F3C2A10-0000-4000-8000-"; the pool counts the last 12 digits up from 0.'),
            "size": Attribute(cty.Number, required=True, validators=[int_range(1, 128)],
                              description="Number of UUIDs, 1-128."),
            "used": Attribute(cty.Number, computed=True, description="UUIDs allocated to blades."),
            "allocations": Attribute(cty.Map(cty.String), computed=True,
                                     description='Slot (as a string, "3") -> the UUID the blade in it was given.'),
        },
        description="A named UUID pool of the HMM's stateless computing. Two pools with one prefix overlap and "
                    "are refused at plan time, as is a range holding a UUID a blade presents now.",
    )

    def bind(self, session: Any) -> Any:
        return session.chassis.stateless.uuid_pools

    def describe(self, pool: Any) -> str:
        return f"{pool.prefix}000000000000 + {pool.size}"

    def identities(self, node: Any) -> list[str]:
        return [node.uuid] if node.uuid and node.uuid_source == "burned-in" else []


RESOURCES = [MacPool, UuidPool]
