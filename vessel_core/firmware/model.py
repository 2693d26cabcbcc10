"""The firmware rollout's data: components, desired versions, policy, waves (plain, frozen).

A component is one flashable image on one target: ``HMM1/hmm``, ``Swi2/switch``,
``Slot3/ibmc``, ``Slot3/bios``, ``Slot3/cpld``. Versions are compared without the chip prefix
the HMM shows (``(U4005)6.05`` is ``6.05``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["hmm", "ibmc", "bios", "cpld", "switch"]
KINDS: tuple[Kind, ...] = ("hmm", "switch", "ibmc", "bios", "cpld")
HOST_KINDS = frozenset({"bios", "cpld"})
#: switch slot → label; the two fabric pairs (a pair is never flashed at once)
SWITCH_LABELS = {1: "1E", 2: "2X", 3: "3X", 4: "4E"}
FABRIC_PAIRS: tuple[tuple[str, str], ...] = (("2X", "3X"), ("1E", "4E"))

_PREFIX = re.compile(r"^\(U\d+\)")
_TOKEN = re.compile(r"\d+|[A-Za-z]+")


def norm_version(v: str) -> str:
    """``(U4005)6.05`` → ``6.05``; surrounding blanks dropped."""
    return _PREFIX.sub("", (v or "").strip()).strip()


def _key(v: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(t)) if t.isdigit() else (1, t.upper()) for t in _TOKEN.findall(norm_version(v)))


def compare_versions(a: str, b: str) -> int:
    """-1, 0, 1 as ``a`` is older than, the same as, newer than ``b`` (numbers compared as
    numbers: ``6.10`` > ``6.9``; ``V100R001C00SPC300`` > ``V100R001C00SPC200``)."""
    ka, kb = _key(a), _key(b)
    return (ka > kb) - (ka < kb)


@dataclass(frozen=True)
class Component:
    kind: Kind
    target: str  #: HMM1 / HMM2, a switch label (2X), Slot<N>
    version: str  #: normalised (no chip prefix)
    backup: str | None = None  #: the iBMC's backup image version
    #: further versions the target reports (an HMM's U-Boot, CPLD, FPGA), for the inventory
    details: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.target}/{self.kind}"


@dataclass(frozen=True)
class Inventory:
    components: tuple[Component, ...]
    active_hmm: str = "HMM1"
    #: slot → "On" / "Off" for every present blade
    blade_power: dict[int, str] = field(default_factory=dict)

    def get(self, target: str, kind: str) -> Component | None:
        return next((c for c in self.components if c.target == target and c.kind == kind), None)

    def of_kind(self, kind: str) -> list[Component]:
        return [c for c in self.components if c.kind == kind]

    def as_dict(self) -> dict[str, object]:
        return {"active_hmm": self.active_hmm, "blade_power": {str(k): v for k, v in self.blade_power.items()},
                "components": [{"id": c.id, "kind": c.kind, "target": c.target, "version": c.version,
                                "backup": c.backup, "details": dict(c.details)} for c in self.components]}


@dataclass(frozen=True)
class Desired:
    version: str
    #: targets of this kind to bring to ``version`` (None: every one present)
    targets: frozenset[str] | None = None


@dataclass(frozen=True)
class Policy:
    max_unavailable: int = 1
    allow_host_reboot: bool = False
    allow_downgrade: bool = False
    #: which switch of each fabric pair goes first (default 2X before 3X, 1E before 4E)
    switch_order: tuple[str, ...] = ("2X", "1E", "3X", "4E")


@dataclass(frozen=True)
class Step:
    """One component to flash."""

    kind: Kind
    target: str
    from_version: str
    to_version: str
    #: what the step takes away while it runs: "none" (iBMC: the host keeps running),
    #: "host-reboot", "fabric" (a switch reboots), "management" (an HMM)
    disruption: str = "none"

    @property
    def id(self) -> str:
        return f"{self.target}/{self.kind}"


@dataclass(frozen=True)
class Wave:
    index: int  #: 1-based
    steps: tuple[Step, ...]
    #: switch the HMMs over before this wave (the module to flash is then the standby)
    failover_first: bool = False

    @property
    def members(self) -> list[str]:
        return [s.id for s in self.steps]

    def describe(self) -> str:
        pre = "HMM failover, then " if self.failover_first else ""
        return f"wave {self.index}: {pre}{', '.join(self.members)}"


@dataclass(frozen=True)
class Plan:
    waves: tuple[Wave, ...]
    #: components already at the target version (component id → version)
    skipped: dict[str, str]
    #: host firmware waiting for a reboot the policy does not allow (component id → reason)
    waiting: dict[str, str]
    policy: Policy

    @property
    def steps(self) -> list[Step]:
        return [s for w in self.waves for s in w.steps]

    @property
    def disrupted(self) -> list[str]:
        """Targets taken down at some point: rebooted blades, switches, HMMs."""
        out: list[str] = []
        for s in self.steps:
            if s.disruption != "none" and s.target not in out:
                out.append(s.target)
        return out

    def lines(self) -> list[str]:
        out = [w.describe() for w in self.waves]
        if self.skipped:
            out.append("skipped (already at the target version): " + ", ".join(sorted(self.skipped)))
        for cid, why in sorted(self.waiting.items()):
            out.append(f"waiting: {cid}: {why}")
        return out
