"""``vessel_blade``: one compute node (Compute Nodes → Slot N): its compute profile binding and
its power state.

A blade always exists while it sits in its slot, so creating the resource takes the slot over
(like a singleton setting: nothing is adopted by surprise, the plan shows every change it makes
and the guard's snapshot keeps what was there). Destroying it unbinds the profile and leaves
the blade's power as it is, unless ``power_off_on_destroy`` says otherwise.

Everything that reboots or powers off a blade is in the plan before anyone types yes: a warning
per blade and ``pending_disruption`` (for policy tools reading ``terraform show -json``).
"""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import (
    SINGLE,
    Attribute,
    NestedAttribute,
    Resource,
    Schema,
    int_range,
    one_of,
    regex,
    requires_replace,
    timeouts_block,
    use_state_for_unknown,
)
from tfprovider.vessel.resources._base import ChassisIdentity, chassis_identity, claimed_twice, diagnose, leaves, partial_state, session_of
from tfprovider.vessel.resources._stateless import DISRUPTION, disruption, macs_for, pool_demand, pool_size, profile_view

_FROM_NODE = ("model", "serial_number", "bios_version", "ibmc_version", "health")
#: boot_override.target -> the Redfish BootSourceOverrideTarget
BOOT_TARGETS = {"pxe": "Pxe", "disk": "Hdd", "cd": "Cd", "floppy": "Floppy", "bios-setup": "BiosSetup"}
_TARGET_BACK = {v: k for k, v in BOOT_TARGETS.items()}


def _slot_of(text: str) -> int | None:
    t = text.strip()
    t = t[4:] if t.lower().startswith("slot") else t
    return int(t) if t.isdigit() and 1 <= int(t) <= 16 else None


class Blade(ChassisIdentity, Resource):
    type_name = "vessel_blade"
    import_id = "id"
    identity = chassis_identity(slot=cty.Number)
    default_timeouts = {"create": 30 * 60.0, "update": 30 * 60.0, "delete": 30 * 60.0}
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='"Slot<N>" (known at plan time); the import ID is "Slot<N>" or "<N>".'),
            "slot": Attribute(cty.Number, required=True, validators=[int_range(1, 16)], plan_modifiers=[requires_replace()],
                              description="Slot of the blade, 1-16 (a slot that holds no blade is refused at plan time)."),
            "profile": Attribute(cty.String, optional=True,
                                 description="`vessel_compute_profile` id to bind (null: no profile; an existing binding "
                                             "is removed). Binding, changing or unbinding power-cycles a powered-on blade."),
            "power_state": Attribute(cty.String, optional=True, computed=True, validators=[one_of("on", "off")],
                                     description='Desired power state, "on" or "off" (null: leave it as it is; the state '
                                                 'shows what it is). "off" is a graceful shutdown.'),
            "power_off_on_destroy": Attribute(cty.Bool, optional=True, computed=True, default=False,
                                              description="Shut the blade down when the resource is destroyed "
                                                          "(default false: destroy unbinds the profile and leaves the "
                                                          "power alone)."),
            "boot_override": NestedAttribute(SINGLE, {
                "target": Attribute(cty.String, required=True, validators=[one_of(*BOOT_TARGETS)],
                                    description='"pxe", "disk", "cd", "floppy" or "bios-setup".'),
                "once": Attribute(cty.Bool, optional=True,
                                  description="true or null: the next boot only (the iBMC forgets it after that boot, "
                                              "which is not drift); false: every boot until changed (read back, drift "
                                              "repaired, cleared on destroy)."),
                "reboot": Attribute(cty.Bool, optional=True,
                                    description="Power-cycle the blade (or power it on) right after setting the "
                                                "override, so it boots from the target now (default false)."),
                "trigger": Attribute(cty.String, optional=True,
                                     description="Any value: changing it sends the override again (another one-time "
                                                 "boot) without changing anything else."),
            }, optional=True, description="A boot device override, sent when it (or its `trigger`) changes."),
            "virtual_media": Attribute(cty.String, optional=True,
                                       validators=[regex(r"^(nfs|cifs|https)://\S+$", "must be an nfs://, cifs:// or "
                                                         "https:// image URL")],
                                       description="Image URL to insert in the blade's virtual CD (nfs://, cifs://, "
                                                   "https://); back to null ejects it. Needs the blade's iBMC Redfish "
                                                   "service (`ibmc_endpoints`): the legacy iBMC CLI has no virtual "
                                                   "media verb. Null: the resource does not manage the virtual CD."),
            "model": Attribute(cty.String, computed=True, description='Board model, e.g. "CH121".'),
            "serial_number": Attribute(cty.String, computed=True, description="Board serial number."),
            "bios_version": Attribute(cty.String, computed=True, description="BIOS version."),
            "ibmc_version": Attribute(cty.String, computed=True, description="iBMC (iMana) firmware version."),
            "health": Attribute(cty.String, computed=True, description='"OK", "Warning" or "Critical".'),
            "macs": Attribute(cty.List(cty.String), computed=True,
                              description="MACs the blade presents (drawn from the profile's MAC pool, else burned-in)."),
            "uuid": Attribute(cty.String, computed=True,
                              description="UUID the blade presents (from the profile's UUID pool, else burned-in)."),
            "pending_disruption": Attribute(cty.List(DISRUPTION), computed=True,
                                            description="What the planned change does to the running blade (`slot`, "
                                                        '`action` = "power-cycle" / "power-off" / "power-on", `reason`); '
                                                        "kept in state as the disruption of the last change."),
        },
        blocks={"timeouts": timeouts_block("create", "update", "delete")},
        description="A blade (compute node) of the chassis: the compute profile bound to it and its power state. "
                    "Binding a profile draws the blade's MACs/UUID from the profile's pools and power-cycles a "
                    "powered-on blade; the apply waits until the HMM reports the profile applied, the blade is back "
                    "in its power state and its iBMC answers, else the previous binding is restored. Destroy unbinds "
                    "the profile and leaves the power alone (see `power_off_on_destroy`).",
    )

    # ------------------------------------------------------------------ plan
    async def modify_plan(self, req: Any, resp: Any) -> None:
        plan, prior = resp.state, req.state
        if self.provider_data is None or not cty.is_known(plan.get("slot")):
            return
        slot = int(plan["slot"])
        plan["id"] = f"Slot{slot}"
        session = session_of(self.provider_data)
        node = next((n for n in await session.chassis.stateless.nodes() if n.slot == slot), None)
        if node is None:
            resp.diagnostics.add_attribute_error(AttributePath().attr("slot"), "Empty Slot",
                                                 f"slot {slot} holds no blade on the chassis.")
            return
        if claimed_twice(self, req, resp, self.type_name, str(slot), attribute="slot", summary="Blade Managed Twice",
                         detail=lambda owners: f"slot = {slot}: {len(owners)} vessel_blade resources of this configuration "
                         "manage this blade; they would undo each other on every apply. Keep one."):
            return
        session.note(self.type_name, str(slot), plan)
        powered = "on" if node.powered_on else "off"
        if plan.get("power_state") is None or not cty.is_known(plan["power_state"]):
            plan["power_state"] = powered if prior is None or (req.config or {}).get("power_state") is None else plan["power_state"]
        for name in _FROM_NODE:
            plan[name] = getattr(node, name) if getattr(node, name) is not None else ""
        want, have = plan.get("profile"), node.profile
        if not cty.is_known(want):
            plan["macs"] = plan["uuid"] = plan["pending_disruption"] = cty.UNKNOWN
            return
        if want != have:
            plan["macs"] = plan["uuid"] = cty.UNKNOWN
            await self._check_pools(session, want, node, resp)
        else:
            plan["macs"], plan["uuid"] = node.macs, node.uuid or ""
        boot = plan.get("boot_override")
        if not cty.is_wholly_known(boot) or not cty.is_known(plan.get("virtual_media")):
            plan["pending_disruption"] = cty.UNKNOWN
            return
        send_boot = boot is not None and boot != (prior or {}).get("boot_override")
        media = plan.get("virtual_media")
        if media is not None and media != (prior or {}).get("virtual_media") \
                and not await session.chassis.blade.has_redfish(slot):
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("virtual_media"), "Virtual Media Not Available",
                f"slot {slot} is driven over the iBMC CLI (legacy firmware, or no ibmc_endpoints entry for it), "
                "which has no virtual media verb; give the provider the blade's iBMC Redfish URL in ibmc_endpoints.")
            return
        if prior is not None and want == prior.get("profile") and plan.get("power_state") == prior.get("power_state") \
                and want == have and plan["power_state"] == powered and not send_boot:
            plan["pending_disruption"] = prior.get("pending_disruption") or []
            return
        hits = self._disruptions(slot, want, have, powered, plan["power_state"], resp)
        if send_boot and boot.get("reboot"):
            reason = f"to boot {'once ' if boot.get('once') is not False else ''}from {boot['target']}"
            hits.append(disruption(slot, "power-cycle" if plan["power_state"] == "on" else "power-on", reason))
            resp.diagnostics.add_attribute_warning(AttributePath().attr("boot_override"), "Blade Will Be Power-Cycled",
                                                   f"slot {slot} will be power-cycled {reason} (boot_override.reboot).")
        plan["pending_disruption"] = hits

    def _disruptions(self, slot: int, want: str | None, have: str | None, powered: str, power: Any,
                     resp: Any) -> list[dict[str, Any]]:
        hits = []
        if want != have and (powered == "on" or power == "on"):
            reason = (f"to bind compute profile {want!r}" if have is None else
                      f"to unbind compute profile {have!r}" if want is None else
                      f"to replace compute profile {have!r} with {want!r}")
            hits.append(disruption(slot, "power-cycle", reason))
            resp.diagnostics.add_attribute_warning(AttributePath().attr("profile"), "Blade Will Be Power-Cycled",
                                                   f"slot {slot} will be power-cycled {reason}.")
        if power != powered and cty.is_known(power):
            action = "power-off" if power == "off" else "power-on"
            reason = "shut down (power_state = \"off\")" if power == "off" else "powered on (power_state = \"on\")"
            hits.append(disruption(slot, action, reason))
            if power == "off":
                resp.diagnostics.add_attribute_warning(AttributePath().attr("power_state"), "Blade Will Be Shut Down",
                                                       f"slot {slot} will be {reason}.")
        return hits

    async def _check_pools(self, session: Any, want: str | None, node: Any, resp: Any) -> None:
        """The pools the new profile draws from hold enough for every blade this plan binds."""
        if want is None:
            return
        view = await profile_view(session, want)
        if view is None:
            resp.diagnostics.add_attribute_error(
                AttributePath().attr("profile"), "No Such Compute Profile",
                f"profile = {want!r}: the chassis has no compute profile of that name and this configuration does not "
                "create one (a vessel_compute_profile).")
            return
        for kind, pool in (("mac", view.mac_pool), ("uuid", view.uuid_pool)):
            if pool is None:
                continue
            size = await pool_size(session, kind, pool)
            need, slots = await pool_demand(session, kind, pool)
            if size is not None and need > size:
                each = f"{macs_for(view, node)} MACs per blade" if kind == "mac" else "one UUID per blade"
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr("profile"), f"{kind.upper()} Pool Exhausted",
                    f"slot {node.slot}: {kind} pool {pool!r} has {size} {'addresses' if kind == 'mac' else 'UUIDs'}, "
                    f"and binding the blades in slots {', '.join(map(str, slots))} to profiles drawing from it "
                    f"needs {need} ({each}).")

    async def plan_destroy(self, req: Any, resp: Any) -> None:
        if self.provider_data is None or req.state is None:
            return
        slot = int(req.state["slot"])
        node = next((n for n in await session_of(self.provider_data).chassis.stateless.nodes() if n.slot == slot), None)
        if node is None:
            return
        if node.profile is not None and node.powered_on:
            resp.diagnostics.add_attribute_warning(AttributePath().attr("profile"), "Blade Will Be Power-Cycled",
                                                   f"slot {slot} will be power-cycled to unbind compute profile "
                                                   f"{node.profile!r} (destroy).")
        if req.state.get("power_off_on_destroy") and node.powered_on:
            resp.diagnostics.add_attribute_warning(AttributePath().attr("power_off_on_destroy"), "Blade Will Be Shut Down",
                                                   f"slot {slot} will be shut down (power_off_on_destroy).")

    # ------------------------------------------------------------------ apply
    def _binding(self, slot: int) -> Any:
        return session_of(self.provider_data).chassis.stateless.blade(
            slot, on_progress=lambda line: self.log.info("slot %s: %s", slot, line))

    async def _state(self, base: dict[str, Any], slot: int) -> dict[str, Any] | None:
        chassis = session_of(self.provider_data).chassis
        node = next((n for n in await chassis.stateless.nodes() if n.slot == slot), None)
        if node is None:
            return None
        out = {**base, "id": f"Slot{slot}", "slot": slot, "profile": node.profile,
               "power_state": "on" if node.powered_on else "off", "macs": node.macs, "uuid": node.uuid or ""}
        for name in _FROM_NODE:
            out[name] = getattr(node, name) if getattr(node, name) is not None else ""
        if out.get("power_off_on_destroy") is None:
            out["power_off_on_destroy"] = False
        if not cty.is_known(out.get("pending_disruption")) or out.get("pending_disruption") is None:
            out["pending_disruption"] = []
        return out

    async def _apply(self, req: Any, resp: Any, what: str) -> None:
        from vessel_core.chassis.models import BladeConfig

        plan = req.plan
        slot = int(plan["slot"])
        want = BladeConfig(slot=slot, profile=plan.get("profile"),
                           power_state="On" if plan.get("power_state") == "on" else "Off")
        try:
            binding = self._binding(slot)
            if await binding.get() != want:  # nothing to bind or power: no change, no record
                await binding.set(want)
            await self._boot_and_media(binding, req.state or {}, plan)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            diagnose(resp.diagnostics, f"{self.type_name} not {what}d", exc, schema=self.schema)
            known, _ = partial_state(exc, lambda m: m)
            rolled_back_create = what == "create" and any(getattr(e, "rolled_back", False) for e in leaves(exc))
            if (known or what == "update") and not rolled_back_create:  # the chassis says what is live
                resp.state = await self._state(req.state or plan, slot)
            return
        session_of(self.provider_data).chassis.cache.invalidate("nodes")
        resp.state = await self._state(plan, slot)

    async def _boot_and_media(self, binding: Any, prior: dict[str, Any], plan: dict[str, Any]) -> None:
        from vessel_core.chassis.models import BootOverride, VirtualMediaState

        blades = session_of(self.provider_data).chassis.blade
        slot = binding.slot
        boot = plan.get("boot_override")
        if boot is not None and boot != prior.get("boot_override"):
            once = boot.get("once") is not False
            await blades.boot(slot).set(BootOverride(target=BOOT_TARGETS[boot["target"]],
                                                     enabled="Once" if once else "Continuous"))
            if boot.get("reboot"):
                await binding.power_cycle(f"to boot {'once ' if once else ''}from {boot['target']}")
        elif boot is None and (prior.get("boot_override") or {}).get("once") is False:
            await blades.boot(slot).set(BootOverride(target="None", enabled="Disabled"))
        media = plan.get("virtual_media")
        if media != prior.get("virtual_media"):
            await blades.media(slot).set(VirtualMediaState(device="CD", inserted=media is not None, image=media))

    async def create(self, req: Any, resp: Any) -> None:
        await self._apply(req, resp, "create")

    async def update(self, req: Any, resp: Any) -> None:
        await self._apply(req, resp, "update")

    async def read(self, req: Any, resp: Any) -> None:
        slot = int(req.state["slot"])
        resp.state = await self._state(req.state, slot)
        if resp.state is not None:
            await self._read_boot_and_media(slot, resp.state)
        if resp.state is None:
            self.log.warning("slot %s holds no blade any more: vessel_blade removed from state", slot)
            resp.diagnostics.add_warning("Blade Removed From Its Slot",
                                         f"slot {slot} holds no blade on the chassis any more; the vessel_blade is "
                                         "removed from state (a plan to create it again fails until a blade is back).")

    async def _read_boot_and_media(self, slot: int, state: dict[str, Any]) -> None:
        """What the device shows of the parts the resource manages: a persistent override and an
        inserted image (a one-time override is consumed by the boot it was for: not drift)."""
        blades = session_of(self.provider_data).chassis.blade
        boot = state.get("boot_override")
        if boot is not None and boot.get("once") is False:
            have = await blades.boot(slot).get()
            if have.enabled != "Continuous" or have.target == "None":
                state["boot_override"] = None
            elif _TARGET_BACK.get(have.target) != boot.get("target"):
                state["boot_override"] = {**boot, "target": _TARGET_BACK.get(have.target, have.target.lower())}
        if state.get("virtual_media") is not None:
            media = await blades.media(slot).get()
            state["virtual_media"] = media.image if media.inserted else None

    async def delete(self, req: Any, resp: Any) -> None:
        from vessel_core.chassis.models import BladeConfig

        state = req.state
        slot = int(state["slot"])
        binding = self._binding(slot)
        try:
            have = await binding.get()
        except Exception:  # noqa: BLE001 - the blade is gone: nothing to unbind
            return
        power = "Off" if state.get("power_off_on_destroy") else have.power_state
        try:
            await self._boot_and_media(binding, state, {**state, "boot_override": None, "virtual_media": None})
            await binding.set(BladeConfig(slot=slot, profile=None, power_state=power))
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"{self.type_name} not destroyed", exc, schema=self.schema)

    async def import_state(self, req: Any, resp: Any) -> None:
        slot = _slot_of(req.id)
        if slot is None:
            resp.diagnostics.add_error("Invalid Import ID", f'import a vessel_blade by its slot: "Slot3" or "3", not {req.id!r}.')
            return
        resp.state = {**self.schema.null_value(), "id": f"Slot{slot}", "slot": slot}


RESOURCES = [Blade]
