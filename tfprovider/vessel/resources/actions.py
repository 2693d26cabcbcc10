"""Actions (Terraform 1.14+): imperative operations on a blade, offered only to clients that
know actions and never needed by a configuration (each has a resource-attribute way too:
``vessel_blade.power_state``, ``boot_override``, ``virtual_media``).

Each goes through the guard like any change: the blade's state is captured before, the result
verified (power state reached, the blade's iBMC answering), one audit record; progress lines
stream to Terraform's output while it runs. ``terraform apply -invoke=action.<type>.<name>``.
"""
from __future__ import annotations

from typing import Any

from tfprovider import cty
from tfprovider.framework import Attribute, Diagnostics, Schema, int_range, one_of
from tfprovider.framework.modern import Action, ActionRequest
from tfprovider.vessel.resources._base import diagnose, session_of
from tfprovider.vessel.resources.blade import BOOT_TARGETS

OPERATIONS = {"on": "On", "off": "ForceOff", "graceful-shutdown": "GracefulShutdown", "power-cycle": "ForcePowerCycle"}


def _slot() -> Attribute:
    return Attribute(cty.Number, required=True, validators=[int_range(1, 16)], description="Slot of the blade, 1-16.")


class _BladeAction(Action):
    async def plan(self, req: ActionRequest, diags: Diagnostics) -> None:
        if self.provider_data is None or not cty.is_known(req.config.get("slot")):
            return
        slot = int(req.config["slot"])
        nodes = {n.slot: n for n in await session_of(self.provider_data).chassis.stateless.nodes()}
        if slot not in nodes:
            from tfprovider.cty import AttributePath

            diags.add_attribute_error(AttributePath().attr("slot"), "Empty Slot", f"slot {slot} holds no blade on the chassis.")
            return
        warning = self.disruption(req.config, nodes[slot])
        if warning:
            diags.add_warning("Blade Will Be Disrupted", f"slot {slot} {warning}.")

    def disruption(self, config: Any, node: Any) -> str | None:
        return None

    def _binding(self, req: ActionRequest) -> Any:
        return session_of(self.provider_data).chassis.stateless.blade(int(req.config["slot"]), on_progress=req.progress)


class BladePower(_BladeAction):
    type_name = "vessel_blade_power"
    schema = Schema({
        "slot": _slot(),
        "operation": Attribute(cty.String, required=True, validators=[one_of(*OPERATIONS)],
                               description='"on", "off" (forced), "graceful-shutdown" or "power-cycle".'),
    }, description="Power a blade on or off, shut it down gracefully or power-cycle it (guarded, audited).")

    def disruption(self, config: Any, node: Any) -> str | None:
        op = config.get("operation")
        if op == "power-cycle" or (op in ("off", "graceful-shutdown") and node.powered_on):
            return {"power-cycle": "will be power-cycled", "off": "will be forced off",
                    "graceful-shutdown": "will be shut down"}[op]
        return None

    async def invoke(self, req: ActionRequest, diags: Diagnostics) -> None:
        op = req.config["operation"]
        try:
            await self._binding(req).power_action(OPERATIONS[op])
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            diagnose(diags, f"{self.type_name} {op} failed", exc, schema=self.schema)


class BladeBootOnce(_BladeAction):
    type_name = "vessel_blade_boot_once"
    schema = Schema({
        "slot": _slot(),
        "target": Attribute(cty.String, required=True, validators=[one_of(*BOOT_TARGETS)],
                            description='"pxe", "disk", "cd", "floppy" or "bios-setup".'),
        "reboot": Attribute(cty.Bool, optional=True, description="Power-cycle the blade right after (default true)."),
    }, description="Boot a blade once from a device (and power-cycle it so it does so now, by default).")

    def disruption(self, config: Any, node: Any) -> str | None:
        return None if config.get("reboot") is False else f"will be power-cycled to boot once from {config['target']}"

    async def invoke(self, req: ActionRequest, diags: Diagnostics) -> None:
        from vessel_core.chassis.models import BootOverride

        slot, target = int(req.config["slot"]), req.config["target"]
        try:
            req.progress(f"slot {slot}: next boot from {target}")
            await session_of(self.provider_data).chassis.blade.boot(slot).set(
                BootOverride(target=BOOT_TARGETS[target], enabled="Once"))
            if req.config.get("reboot") is not False:
                await self._binding(req).power_cycle(f"to boot once from {target}")
        except Exception as exc:  # noqa: BLE001
            diagnose(diags, f"{self.type_name} failed", exc, schema=self.schema)


class VirtualMediaEject(_BladeAction):
    type_name = "vessel_virtual_media_eject"
    schema = Schema({"slot": _slot()}, description="Eject the image from a blade's virtual CD (iBMC Redfish).")

    async def invoke(self, req: ActionRequest, diags: Diagnostics) -> None:
        from vessel_core.chassis.models import VirtualMediaState

        slot = int(req.config["slot"])
        try:
            req.progress(f"slot {slot}: ejecting the virtual CD")
            await session_of(self.provider_data).chassis.blade.media(slot).set(VirtualMediaState(device="CD", inserted=False))
        except Exception as exc:  # noqa: BLE001
            diagnose(diags, f"{self.type_name} failed", exc, schema=self.schema)



class HmmFailover(Action):
    type_name = "vessel_hmm_failover"
    schema = Schema({
        # required: a config block without arguments reaches Terraform 1.15 as no body at all, and a
        # plan warning on it crashes the CLI
        "to": Attribute(cty.String, required=True, validators=[one_of("HMM1", "HMM2")],
                        description='The module that must end up active ("HMM1" or "HMM2"); when it already is, '
                                    "nothing happens."),
    }, description="Switch the chassis' management over to the standby HMM (the HMM is unreachable while it "
                   "switches; web and Redfish sessions of every tool drop).")

    async def plan(self, req: ActionRequest, diags: Diagnostics) -> None:
        if self.provider_data is not None:
            have = await session_of(self.provider_data).chassis.management.active.get()
            to = req.config.get("to")
            if to != have.active:
                diags.add_warning("HMM Will Switch Over",
                                  f"{have.active} hands over to {'HMM2' if have.active == 'HMM1' else 'HMM1'}: the HMM "
                                  "is unreachable while it switches, and every web and Redfish session drops.")

    async def invoke(self, req: ActionRequest, diags: Diagnostics) -> None:
        mgmt = session_of(self.provider_data).chassis.management
        try:
            have = await mgmt.active.get()
            if req.config.get("to") == have.active:
                req.progress(f"{have.active} is active already: nothing to do")
                return
            after = await mgmt.failover(on_progress=req.progress)
            req.progress(f"{after.active} is active")
        except Exception as exc:  # noqa: BLE001
            diagnose(diags, f"{self.type_name} failed", exc, schema=self.schema)


ACTIONS = [BladePower, BladeBootOnce, VirtualMediaEject, HmmFailover]
