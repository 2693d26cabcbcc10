"""The pure wave planner: (inventory, desired versions, policy) → ordered waves.

Invariants (property-tested in ``tests/firmware/test_planner_properties.py``):

* components already at the target version are skipped and appear in no wave; every other
  targeted component is in exactly one wave, or waiting (host firmware of a powered-on blade
  whose reboot the policy does not allow);
* never both HMMs in one wave: the standby first, then a failover, then the other one (which
  is then the standby);
* never both switches of a fabric pair (2X/3X, 1E/4E) in one wave;
* at most ``max_unavailable`` blades in a wave;
* per blade, the iBMC (no host outage) in an earlier wave than the host firmware, and BIOS and
  CPLD in the same wave (one reboot).

Tracks run one after another (HMMs, switches, blades): the HMM runs one upgrade job at a
time, so overlapping them would only queue [INF].
"""
from __future__ import annotations

from typing import Mapping

from vessel_core.errors import ValidationError
from vessel_core.firmware.model import (
    FABRIC_PAIRS,
    HOST_KINDS,
    KINDS,
    Desired,
    Inventory,
    Plan,
    Policy,
    Step,
    Wave,
    compare_versions,
    norm_version,
)


class PlanError(ValidationError):
    """A plan that must not run: ``field`` names the input at fault."""


def _partner(label: str) -> str | None:
    for a, b in FABRIC_PAIRS:
        if label == a:
            return b
        if label == b:
            return a
    return None


def plan_waves(inventory: Inventory, desired: Mapping[str, Desired], policy: Policy) -> Plan:
    if policy.max_unavailable < 1:
        raise PlanError(f"max_unavailable must be at least 1, got {policy.max_unavailable}",
                        field="rollout.max_unavailable", operation="firmware.plan")
    todo: dict[str, list[Step]] = {k: [] for k in KINDS}
    skipped: dict[str, str] = {}
    for kind, want in desired.items():
        if kind not in KINDS:
            raise PlanError(f"component {kind!r} is not one of {', '.join(KINDS)}", field="component",
                            operation="firmware.plan")
        present = {c.target: c for c in inventory.of_kind(kind)}
        targets = sorted(present) if want.targets is None else sorted(want.targets)
        version = norm_version(want.version)
        for t in targets:
            comp = present.get(t)
            if comp is None:
                raise PlanError(f"targets: {t!r} has no {kind} firmware on this chassis (present: "
                                f"{', '.join(sorted(present)) or 'none'})", field="targets",
                                operation="firmware.plan")
            order = compare_versions(comp.version, version)
            if order == 0:
                skipped[comp.id] = comp.version
                continue
            if order > 0 and not policy.allow_downgrade:
                raise PlanError(f"{comp.id} runs {comp.version}, newer than {version}: a downgrade needs "
                                "rollout.allow_downgrade = true", field="version", operation="firmware.plan")
            todo[kind].append(Step(kind, t, comp.version, version, _disruption(kind, t, inventory, policy)))

    waves: list[tuple[tuple[Step, ...], bool]] = []
    waves += _hmm_waves(todo["hmm"], inventory)
    waves += _switch_waves(todo["switch"], policy)
    blade_waves, waiting = _blade_waves(todo, inventory, policy)
    waves += blade_waves
    return Plan(waves=tuple(Wave(i + 1, steps, fo) for i, (steps, fo) in enumerate(waves)),
                skipped=skipped, waiting=waiting, policy=policy)


def _disruption(kind: str, target: str, inv: Inventory, policy: Policy) -> str:
    if kind == "hmm":
        return "management"
    if kind == "switch":
        return "fabric"
    if kind in HOST_KINDS and inv.blade_power.get(_slot(target)) == "On":
        return "host-reboot"
    return "none"


def _slot(target: str) -> int:
    return int(target[4:]) if target.startswith("Slot") and target[4:].isdigit() else -1


def _hmm_waves(steps: list[Step], inv: Inventory) -> list[tuple[tuple[Step, ...], bool]]:
    if not steps:
        return []
    by = {s.target: s for s in steps}
    standby = next((t for t in ("HMM1", "HMM2") if t != inv.active_hmm), "HMM2")
    out: list[tuple[tuple[Step, ...], bool]] = []
    if standby in by:
        out.append(((by[standby],), False))
    if inv.active_hmm in by:
        out.append(((by[inv.active_hmm],), True))
    return out


def _switch_waves(steps: list[Step], policy: Policy) -> list[tuple[tuple[Step, ...], bool]]:
    rank = {label: i for i, label in enumerate(policy.switch_order)}
    rounds: list[list[Step]] = []
    for s in sorted(steps, key=lambda s: (rank.get(s.target, len(rank)), s.target)):
        partner = _partner(s.target)
        for r in rounds:
            if all(x.target != partner for x in r):
                r.append(s)
                break
        else:
            rounds.append([s])
    return [(tuple(r), False) for r in rounds]


def _blade_waves(todo: dict[str, list[Step]], inv: Inventory,
                 policy: Policy) -> tuple[list[tuple[tuple[Step, ...], bool]], dict[str, str]]:
    waiting: dict[str, str] = {}
    per: dict[int, dict[str, list[Step]]] = {}
    for s in todo["ibmc"]:
        per.setdefault(_slot(s.target), {"mgmt": [], "host": []})["mgmt"].append(s)
    for kind in sorted(HOST_KINDS):
        for s in todo[kind]:
            if inv.blade_power.get(_slot(s.target)) == "On" and not policy.allow_host_reboot:
                waiting[s.id] = ("the host is powered on and rollout.allow_host_reboot is false: "
                                 "flashed after the host is powered off, or with the reboot allowed")
                continue
            per.setdefault(_slot(s.target), {"mgmt": [], "host": []})["host"].append(s)
    slots = sorted(per)
    out: list[tuple[tuple[Step, ...], bool]] = []
    n = policy.max_unavailable
    for i in range(0, len(slots), n):
        chunk = slots[i:i + n]
        mgmt = tuple(s for slot in chunk for s in per[slot]["mgmt"])
        host = tuple(s for slot in chunk for s in sorted(per[slot]["host"], key=lambda s: s.kind))
        if mgmt:
            out.append((mgmt, False))
        if host:
            out.append((host, False))
    return out, waiting
