"""Stateless Computing → Profile / MAC Pool / UUID / Node."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vessel_core.chassis._util import as_int, b01, check_blade_slot, flag, records, slot_of, split_list
from vessel_core.chassis.models import ComputeProfile, MacPool, Node, ProfileNic, UuidPool
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

PAGE = "computer_manage.html"
_MAC = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$")
_UUID_PREFIX = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-$")


def profile_from_row(row: dict[str, Any]) -> ComputeProfile:
    nics = []
    for tok in filter(None, str(row.get("nics", "")).split(";")):
        port, vlan, boot = (tok.split(":") + ["", ""])[:3]
        nics.append(ProfileNic(port=int(port), vlan=int(vlan) if vlan else None, boot=boot == "1"))
    bios = dict(t.split("=", 1) for t in str(row.get("bios", "")).split(";") if "=" in t)
    order = split_list(row.get("bootorder"))
    return ComputeProfile(
        name=row["name"], description=row.get("description", ""),
        boot_order=order or ["Hdd", "Pxe", "Cd"],
        bios=bios, nics=nics, use_mac_pool=flag(row.get("usemacpool", "1")),
        use_uuid_pool=flag(row.get("useuuidpool", "1")),
        nodes=sorted(s for s in (slot_of(n) for n in split_list(row.get("nodes"))) if s))


def profile_fields(p: ComputeProfile) -> dict[str, str]:
    for k, v in p.bios.items():
        if not k or ";" in k or "=" in k or ";" in v:
            raise ValidationError(f"bios: key/value {k!r}={v!r} may not contain ';' (or '=' in "
                                  "the key)", operation="stateless.profile bios")
    return {"name": p.name, "description": p.description, "bootorder": ",".join(p.boot_order),
            "nics": ";".join(f"{n.port}:{'' if n.vlan is None else n.vlan}:{b01(n.boot)}"
                             for n in p.nics),
            "bios": ";".join(f"{k}={v}" for k, v in sorted(p.bios.items())),
            "usemacpool": b01(p.use_mac_pool), "useuuidpool": b01(p.use_uuid_pool)}


class Stateless:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch

    # ------------------------------------------------------------------ profiles
    async def list_profiles(self) -> list[ComputeProfile]:
        web = await self._ch.web()
        out: list[ComputeProfile] = []
        page = 1
        while True:
            lst = await web.policy_templates(page=page, perpage=100)
            out.extend(profile_from_row(r) for r in lst.templates if r.get("name"))
            if len(lst.templates) < 100 or (lst.total is not None and len(out) >= lst.total):
                break
            page += 1
        self._ch.route("stateless.list_profiles", "web")
        return out

    async def get_profile(self, name: str) -> ComputeProfile:
        for p in await self.list_profiles():
            if p.name == name:
                return p
        raise NotFoundError(f"no compute profile {name!r}", target=self._ch.target,
                            operation="stateless.get_profile")

    async def create_profile(self, profile: ComputeProfile) -> ComputeProfile:
        await self._ch.web_write("profilehandler.php", "add", profile_fields(profile),
                                 operation="profilehandler.add", referer=PAGE)
        self._ch.route("stateless.create_profile", "web")
        return await self.get_profile(profile.name)

    async def update_profile(self, profile: ComputeProfile) -> ComputeProfile:
        await self._ch.web_write("profilehandler.php", "modify", profile_fields(profile),
                                 operation="profilehandler.modify", referer=PAGE)
        self._ch.route("stateless.update_profile", "web")
        return await self.get_profile(profile.name)

    async def delete_profile(self, name: str) -> None:
        await self._ch.web_write("profilehandler.php", "delete", {"name": name},
                                 operation="profilehandler.delete", referer=PAGE)
        self._ch.route("stateless.delete_profile", "web")

    async def apply_profile(self, name: str, slot: int) -> Node:
        check_blade_slot(slot, "stateless.apply_profile")
        await self._ch.web_write("profilehandler.php", "apply",
                                 {"name": name, "bladename": f"Slot{slot}"},
                                 operation="profilehandler.apply", referer=PAGE)
        self._ch.route("stateless.apply_profile", "web")
        self._ch.cache.invalidate("nodes")
        return await self.node(slot)

    async def unapply_profile(self, slot: int) -> None:
        check_blade_slot(slot, "stateless.unapply_profile")
        await self._ch.web_write("profilehandler.php", "unapply", {"bladename": f"Slot{slot}"},
                                 operation="profilehandler.unapply", referer=PAGE)
        self._ch.cache.invalidate("nodes")
        self._ch.route("stateless.unapply_profile", "web")

    # ------------------------------------------------------------------ nodes
    async def nodes(self) -> list[Node]:
        """Every present blade with its profile and pool identities (one request per 100)."""
        async def load() -> list[Node]:
            web = await self._ch.web()
            out: list[Node] = []
            page = 1
            while True:
                doc = await web.node_pool(page=page, perpage=100)
                rows = records(doc, "node")
                for r in rows:
                    slot = as_int(r.get("slot")) or slot_of(r.get("bladename", ""))
                    if slot is None:
                        continue
                    out.append(Node(slot=slot, model=r.get("model", ""),
                                    profile=r.get("profile") or None,
                                    macs=split_list(r.get("mac")), uuid=r.get("uuid") or None,
                                    powered_on=flag(r["power"]) if "power" in r else None))
                total = as_int(doc.fields.get("total"))
                if len(rows) < 100 or (total is not None and len(out) >= total):
                    return out
                page += 1
        nodes = await self._ch.cached(("nodes",), load)
        self._ch.route("stateless.nodes", "web")
        return nodes

    async def node(self, slot: int) -> Node:
        for n in await self.nodes():
            if n.slot == slot:
                return n
        raise NotFoundError(f"slot {slot} holds no blade", target=self._ch.target,
                            operation="stateless.node")

    # ------------------------------------------------------------------ pools
    async def mac_pool(self) -> MacPool:
        doc = await self._ch.web_read("poolhandler.php", "getmacpool", referer=PAGE)
        self._ch.route("stateless.mac_pool", "web")
        f = doc.fields
        allocs = {slot_of(r.get("bladename", "")) or 0: split_list(r.get("mac"))
                  for r in records(doc, "alloc")}
        return MacPool(start=f.get("start", ""), size=as_int(f.get("size"), 0) or 0,
                       used=as_int(f.get("used"), 0) or 0, allocations=allocs)

    async def set_mac_pool(self, *, start: str, size: int) -> MacPool:
        if not _MAC.match(start) or int(start[:2], 16) & 1:
            raise ValidationError(f"start: {start!r} is not a unicast MAC address",
                                  operation="stateless.set_mac_pool")
        if not 1 <= size <= 4096:
            raise ValidationError(f"size: must be 1..4096, got {size}",
                                  operation="stateless.set_mac_pool")
        await self._ch.web_write("poolhandler.php", "setmacpool",
                                 {"start": start.upper(), "size": size},
                                 operation="poolhandler.setmacpool", referer=PAGE)
        self._ch.route("stateless.set_mac_pool", "web")
        return await self.mac_pool()

    async def uuid_pool(self) -> UuidPool:
        doc = await self._ch.web_read("poolhandler.php", "getuuidpool", referer=PAGE)
        self._ch.route("stateless.uuid_pool", "web")
        f = doc.fields
        allocs = {slot_of(r.get("bladename", "")) or 0: r.get("uuid", "")
                  for r in records(doc, "alloc")}
        return UuidPool(prefix=f.get("prefix", ""), size=as_int(f.get("size"), 0) or 0,
                        used=as_int(f.get("used"), 0) or 0, allocations=allocs)

    async def set_uuid_pool(self, *, prefix: str, size: int) -> UuidPool:
        if not _UUID_PREFIX.match(prefix):
            raise ValidationError(f"prefix: {prefix!r} is not 'XXXXXXXX-XXXX-XXXX-XXXX-'",
                                  operation="stateless.set_uuid_pool")
        if not 1 <= size <= 4096:
            raise ValidationError(f"size: must be 1..4096, got {size}",
                                  operation="stateless.set_uuid_pool")
        await self._ch.web_write("poolhandler.php", "setuuidpool",
                                 {"prefix": prefix.upper(), "size": size},
                                 operation="poolhandler.setuuidpool", referer=PAGE)
        self._ch.route("stateless.set_uuid_pool", "web")
        return await self.uuid_pool()
