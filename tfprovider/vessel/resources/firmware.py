"""``vessel_firmware``: one component class of the chassis (HMMs, CX310 switches, or each blade's
iBMC, BIOS or CPLD) at a declared version, rolled out in waves.

The plan shows the rollout before anyone types yes: one warning per wave (the word "wave" with
its members), what is skipped because it is already at the version, which blades, switches and
HMMs are disrupted, and the same as computed attributes (``waves``, ``skipped``, ``waiting``,
``pending_disruption``) for policy tools. Bad input is refused at plan time: an image whose
SHA-256 does not match, an image for another component or version, a downgrade without
``rollout.allow_downgrade``. Apply stages the image, then runs the waves through the guard (a
health gate after each; a failed wave rolled back, later waves never started). Read shows the
versions on the chassis, so a component flashed by hand is drift; when every target runs the
version the plan is empty, so a second apply flashes and reboots nothing. Destroy forgets the
resource and leaves the firmware as it is.
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
    duration,
    int_range,
    one_of,
    regex,
    requires_replace,
    timeouts_block,
    use_state_for_unknown,
)
from tfprovider.framework.schema import parse_duration, timeout
from tfprovider.vessel.resources._base import ChassisIdentity, chassis_identity, diagnose, session_of

COMPONENTS = ("hmm", "switch", "ibmc", "bios", "cpld")
WAVE = cty.Object({"index": cty.Number, "members": cty.List(cty.String), "failover_first": cty.Bool})
HIT = cty.Object({"target": cty.String, "action": cty.String, "reason": cty.String})
_ACTION = {"host-reboot": ("reboot", "powered off for its host firmware and back on"),
           "fabric": ("fabric-down", "reboots into the new image: its fabric is down meanwhile"),
           "management": ("hmm-flash", "flashed as the standby module (the HMMs fail over around it)")}
_COMPUTED = ("waves", "skipped", "waiting", "pending_disruption", "versions")


def _rollout(obj: dict[str, Any]) -> dict[str, Any]:
    r = obj.get("rollout") or {}
    return {"max_unavailable": 1 if r.get("max_unavailable") is None else int(r["max_unavailable"]),
            "allow_host_reboot": bool(r.get("allow_host_reboot")), "allow_downgrade": bool(r.get("allow_downgrade")),
            "gate_timeout": parse_duration(r["gate_timeout"]) if r.get("gate_timeout") else 600.0,
            "poll_interval": parse_duration(r["poll_interval"]) if r.get("poll_interval") else 3.0}


class Firmware(ChassisIdentity, Resource):
    type_name = "vessel_firmware"
    #: one per component class of a chassis, like its id (import is not offered: adopt by applying)
    identity = chassis_identity(component=cty.String)
    default_timeouts = {"create": 4 * 3600.0, "update": 4 * 3600.0}
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                            description='"firmware/<component>".'),
            "component": Attribute(cty.String, required=True, validators=[one_of(*COMPONENTS)],
                                   plan_modifiers=[requires_replace()],
                                   description='"hmm", "switch", "ibmc", "bios" or "cpld".'),
            "targets": Attribute(cty.Set(cty.String), optional=True,
                                 description='Which ones: "HMM1"/"HMM2", switch labels ("2X", "3X", "1E", "4E") or '
                                             '"Slot<N>" (null: every one of the component class on the chassis).'),
            "version": Attribute(cty.String, required=True,
                                 description='The version every target should run, without the chip prefix the HMM '
                                             'shows ("6.10" for "(U4005)6.10").'),
            "image": Attribute(cty.String, required=True,
                               description="Path (or file:// URL) of the image, read at plan time. An image with the "
                                           "emulator's header (`vessel-sim make-image`) must name this component "
                                           "and version."),
            "sha256": Attribute(cty.String, optional=True,
                                validators=[regex(r"^[0-9a-fA-F]{64}$", "must be 64 hex digits")],
                                description="SHA-256 of the image; a mismatch is refused at plan time."),
            "rollout": NestedAttribute(SINGLE, {
                "max_unavailable": Attribute(cty.Number, optional=True, validators=[int_range(1, 16)],
                                             description="Blades flashed at once (default 1)."),
                "allow_host_reboot": Attribute(cty.Bool, optional=True,
                                               description="BIOS/CPLD of a powered-on blade: power it off for the "
                                                           "flash and back on (default false: it waits, and the "
                                                           "plan says so)."),
                "allow_downgrade": Attribute(cty.Bool, optional=True,
                                             description="Allow a version older than the one running (default false)."),
                "gate_timeout": Attribute(cty.String, optional=True, validators=[duration()],
                                          description='How long the health gate after a wave may keep failing '
                                                      '(default "10m") before the wave is rolled back.'),
                "poll_interval": Attribute(cty.String, optional=True, validators=[duration()],
                                           description='Pause between upgrade-progress polls (default "3s", as the '
                                                       "HMM GUI)."),
            }, optional=True, description="How the rollout runs."),
            "versions": Attribute(cty.Map(cty.String), computed=True,
                                  description="Target → the version it runs (read from the chassis: drift shows here)."),
            "waves": Attribute(cty.List(WAVE), computed=True,
                               description="The planned waves: `index`, `members` (component ids such as "
                                           '"Slot3/ibmc"), `failover_first`; kept in state as the last rollout\'s.'),
            "skipped": Attribute(cty.List(cty.String), computed=True,
                                 description="Targets already at the version (not flashed)."),
            "waiting": Attribute(cty.List(cty.String), computed=True,
                                 description="Host firmware of powered-on blades that waits for a reboot the policy "
                                             "does not allow."),
            "pending_disruption": Attribute(cty.List(HIT), computed=True,
                                            description="What the rollout takes down (`target`, `action` = "
                                                        '"reboot" / "fabric-down" / "hmm-flash", `reason`).'),
        },
        blocks={"timeouts": timeouts_block("create", "update")},
        description="Firmware as desired state: every target of one component class at `version`, rolled out in "
                    "waves (never both HMMs or both switches of a fabric pair at once, at most "
                    "`rollout.max_unavailable` blades), each followed by a health gate; a failed wave is rolled back "
                    "to the previous images and later waves never start.",
    )

    # ------------------------------------------------------------------ helpers
    def _desired(self, obj: dict[str, Any]) -> Any:
        from vessel_core.firmware import Desired

        targets = obj.get("targets")
        return {obj["component"]: Desired(obj["version"], None if targets is None else frozenset(targets))}

    def _policy(self, obj: dict[str, Any]) -> Any:
        from vessel_core.firmware import Policy

        r = _rollout(obj)
        return Policy(max_unavailable=r["max_unavailable"], allow_host_reboot=r["allow_host_reboot"],
                      allow_downgrade=r["allow_downgrade"])

    async def _plan(self, obj: dict[str, Any]) -> tuple[Any, Any]:
        from vessel_core.firmware import plan_waves
        from vessel_core.firmware.inventory import read_inventory

        ch = session_of(self.provider_data).chassis
        inv = await read_inventory(ch)
        return inv, plan_waves(inv, self._desired(obj), self._policy(obj))

    @staticmethod
    def _versions(inv: Any, obj: dict[str, Any]) -> dict[str, str]:
        targets = obj.get("targets")
        return {c.target: c.version for c in inv.of_kind(obj["component"]) if targets is None or c.target in targets}

    @staticmethod
    def _computed(plan: Any) -> dict[str, Any]:
        return {"waves": [{"index": w.index, "members": w.members, "failover_first": w.failover_first}
                          for w in plan.waves],
                "skipped": sorted(cid.split("/")[0] for cid in plan.skipped),
                "waiting": sorted(cid.split("/")[0] for cid in plan.waiting),
                "pending_disruption": [{"target": s.target, "action": _ACTION[s.disruption][0],
                                        "reason": f"wave {w.index}: {s.id} {s.from_version} -> {s.to_version}; "
                                                  f"{_ACTION[s.disruption][1]}"}
                                       for w in plan.waves for s in w.steps if s.disruption in _ACTION]}

    # ------------------------------------------------------------------ plan
    async def modify_plan(self, req: Any, resp: Any) -> None:
        from vessel_core.errors import VesselError
        from vessel_core.firmware.image import stage

        plan, prior = resp.state, req.state
        if plan is None or self.provider_data is None:
            return
        if not all(cty.is_wholly_known(plan.get(k)) for k in ("component", "targets", "version", "image", "sha256",
                                                                "rollout")):
            for k in _COMPUTED:
                plan[k] = cty.UNKNOWN
            return
        plan["id"] = f"firmware/{plan['component']}"
        try:
            stage(plan["image"], plan["component"], plan["version"], plan.get("sha256"))
            inv, fw = await self._plan(plan)
        except VesselError as exc:
            diagnose(resp.diagnostics, "Firmware Rollout Refused", exc, schema=self.schema,
                     aliases={"rollout.max_unavailable": "rollout"})
            return
        if not fw.waves and prior is not None and all(plan.get(k) == prior.get(k) for k in
                                                      ("component", "targets", "version", "image", "sha256")):
            for k in _COMPUTED:  # nothing to flash: the state stays as the last rollout left it
                plan[k] = prior.get(k)
            plan["versions"] = self._versions(inv, plan)
            self._warn_waiting(fw, resp)
            return
        plan.update(self._computed(fw))
        plan["versions"] = {**self._versions(inv, plan), **{s.target: s.to_version for s in fw.steps}}
        for w in fw.waves:
            hits = [f"{s.target} ({_ACTION[s.disruption][0]})" for s in w.steps if s.disruption in _ACTION]
            resp.diagnostics.add_attribute_warning(
                AttributePath().attr("waves"), f"Firmware Wave {w.index}",
                w.describe() + (f"; disrupted: {', '.join(hits)}" if hits else "; no outage (management firmware)"))
        if fw.skipped:
            resp.diagnostics.add_attribute_warning(
                AttributePath().attr("skipped"), "Firmware Already At Version",
                f"skipped, already at {plan['version']}: {', '.join(sorted(fw.skipped))}")
        self._warn_waiting(fw, resp)

    @staticmethod
    def _warn_waiting(fw: Any, resp: Any) -> None:
        for cid, why in sorted(fw.waiting.items()):
            resp.diagnostics.add_attribute_warning(AttributePath().attr("waiting"), "Firmware Waiting",
                                                   f"{cid}: {why}")

    # ------------------------------------------------------------------ apply
    async def create(self, req: Any, resp: Any) -> None:
        await self._apply(req, resp, "create")

    async def update(self, req: Any, resp: Any) -> None:
        await self._apply(req, resp, "update")

    async def _apply(self, req: Any, resp: Any, what: str) -> None:
        from vessel_core.firmware.image import stage
        from vessel_core.firmware.rollout import Rollout, RolloutError

        plan = dict(req.plan)
        ch = session_of(self.provider_data).chassis
        r = _rollout(plan)
        try:
            image = stage(plan["image"], plan["component"], plan["version"], plan.get("sha256"))
            inv, fw = await self._plan(plan)
            if self._computed(fw)["waves"] != plan.get("waves") and fw.waves:
                resp.diagnostics.add_error(
                    "Chassis Changed Since The Plan",
                    "the firmware inventory differs from the one planned (now: " + "; ".join(fw.lines()) +
                    "); nothing was flashed: plan again.")
                resp.state = {**plan, "versions": self._versions(inv, plan)} if what == "update" else None
                return
            rollout = Rollout(ch, fw, {plan["component"]: image}, gate_timeout=r["gate_timeout"],
                              poll_interval=r["poll_interval"],
                              flash_timeout=timeout(plan, what, self.default_timeouts[what]),
                              on_event=lambda ev: self.log.info("%s", ev))
            await rollout.run()
        except RolloutError as exc:
            diagnose(resp.diagnostics, f"{self.type_name} not {what}d", exc, schema=self.schema)
            versions = {cid.split("/")[0]: v for cid, v in exc.report.versions.items()
                        if cid.endswith("/" + plan["component"])}
            wanted = plan.get("targets")
            resp.state = {**plan, "versions": {t: v for t, v in versions.items() if wanted is None or t in wanted}}
            return
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            diagnose(resp.diagnostics, f"{self.type_name} not {what}d", exc, schema=self.schema)
            resp.state = req.state if what == "update" else None
            return
        from vessel_core.firmware.inventory import read_inventory

        resp.state = {**plan, "versions": self._versions(await read_inventory(ch), plan)}

    async def read(self, req: Any, resp: Any) -> None:
        from vessel_core.firmware.inventory import read_inventory

        state = dict(req.state)
        inv = await read_inventory(session_of(self.provider_data).chassis)
        state["versions"] = self._versions(inv, state)
        resp.state = state

    async def delete(self, req: Any, resp: Any) -> None:
        return None  # the firmware stays as it is; the resource is forgotten


RESOURCES = [Firmware]
