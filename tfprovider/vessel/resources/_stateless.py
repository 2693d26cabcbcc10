"""What the stateless-computing resources check at plan time, against the chassis and against
the objects this plan creates or changes (noted in the session as each is planned).

Terraform plans a pool before the profiles that name it and those before the blades bound to
them, all in one provider process: by the time a blade is planned, every pool and profile it
depends on has noted what it will be, so "12 blades on a pool of 8 addresses" is an error at
plan time, not half-way through an apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tfprovider import cty

#: attribute vocabulary -> the HMM's (and back)
BOOT_DEVICES = {"pxe": "Pxe", "disk": "Hdd", "cd": "Cd", "usb": "Usb", "floppy": "Floppy"}
POWER_POLICIES = {"always-on": "AlwaysOn", "always-off": "AlwaysOff", "restore-last": "RestoreLast"}

DISRUPTION = cty.Object({"slot": cty.Number, "action": cty.String, "reason": cty.String})


def disruption(slot: int, action: str, reason: str) -> dict[str, Any]:
    return {"slot": slot, "action": action, "reason": reason}


@dataclass
class ProfileView:
    """What a plan needs of a compute profile: its pools and how many vNICs it gives a blade."""

    name: str
    mac_pool: str | None
    uuid_pool: str | None
    vnics: int
    known: bool = True  #: False while some of it is known only after apply


def _known(v: Any) -> bool:
    return cty.is_wholly_known(v)


async def profile_view(session: Any, name: str) -> ProfileView | None:
    """The profile ``name`` as this plan makes it, else as the chassis has it (None: neither)."""
    noted = session.noted("vessel_compute_profile").get(name)
    if noted is not None:
        parts = [noted.get("mac_pool"), noted.get("uuid_pool"), noted.get("vnic_profiles")]
        return ProfileView(name, noted.get("mac_pool") if _known(parts[0]) else None,
                           noted.get("uuid_pool") if _known(parts[1]) else None,
                           len(parts[2] or []) if _known(parts[2]) else 0, known=all(_known(p) for p in parts))
    have = await session.chassis.stateless.profiles.get(name)
    if have is None:
        return None
    return ProfileView(name, have.mac_pool, have.uuid_pool, len(have.vnic_profiles))


async def pool_size(session: Any, kind: str, name: str) -> int | None:
    """Size of the pool ``name`` (kind "mac" / "uuid") as planned, else on the chassis."""
    noted = session.noted(f"vessel_{kind}_pool").get(name)
    if noted is not None:
        size = noted.get("size")
        return int(size) if _known(size) and size is not None else None
    coll = session.chassis.stateless.mac_pools if kind == "mac" else session.chassis.stateless.uuid_pools
    have = await coll.get(name)
    return None if have is None else have.size


async def pool_exists(session: Any, kind: str, name: str) -> bool:
    if name in session.noted(f"vessel_{kind}_pool"):
        return True
    coll = session.chassis.stateless.mac_pools if kind == "mac" else session.chassis.stateless.uuid_pools
    return await coll.get(name) is not None


def macs_for(view: ProfileView, node: Any) -> int:
    """Pool MACs a blade bound to ``view`` takes: one per vNIC, else one per physical port."""
    return view.vnics or node.ports


async def pool_demand(session: Any, kind: str, pool: str) -> tuple[int, list[int]]:
    """(identities the pool must give, the slots that take them) once this plan is applied:
    every blade this plan binds to a profile drawing from ``pool``, plus the blades the plan
    does not manage that hold identities from it now."""
    nodes = {n.slot: n for n in await session.chassis.stateless.nodes()}
    planned = session.noted("vessel_blade")
    need, slots = 0, []
    for key, blade in planned.items():
        name, node = blade.get("profile"), nodes.get(int(key))
        if node is None or not isinstance(name, str):
            continue
        view = await profile_view(session, name)
        if view is None or (view.mac_pool if kind == "mac" else view.uuid_pool) != pool:
            continue
        need += macs_for(view, node) if kind == "mac" else 1
        slots.append(int(key))
    coll = session.chassis.stateless.mac_pools if kind == "mac" else session.chassis.stateless.uuid_pools
    have = await coll.get(pool)
    for slot, held in (have.allocations.items() if have is not None else []):
        if str(slot) not in planned:
            need += len(held) if kind == "mac" else 1
            slots.append(int(slot))
    return need, sorted(slots)
