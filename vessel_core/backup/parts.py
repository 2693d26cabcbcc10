"""The parts of a whole-chassis snapshot: every restorable scope of a live chassis, found, not listed.

A :class:`Part` is one :class:`~vessel_core.safety.Scope` with its place in a snapshot folder:

* ``hmm.<menu>`` — every chassis-wide :class:`~vessel_core.chassis.managed.Setting` and
  :class:`~vessel_core.chassis.managed.Collection` of the facade, found by walking its menu
  objects (a scope a menu module adds later joins without being named here); files
  ``hmm/settings/<kind>.json``, except the accounts: ``hmm/accounts.json``;
* ``switch:<label>`` — each present switch's running configuration (``switches/swi<N>.cfg``);
* ``blade:<slot>`` — each present blade's binding and power state (inside ``ibmc/blade<N>.json``,
  beside that iBMC's readout).

Restore order (:func:`restore_order`): HMM settings, then the objects others refer to (pools,
easyLink profiles) before the compute profiles that name them, then switches, then blade
bindings (a binding names a profile).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vessel_core.chassis.managed import Collection, Setting, TargetSetting

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis
    from vessel_core.safety.guard import Scope
    from vessel_core.session import Session

#: [INF] switch slot -> the chassis label (slots 1 and 4 hold the E modules, 2 and 3 the X ones)
SWITCH_LABELS = {1: "1E", 2: "2X", 3: "3X", 4: "4E"}
#: kinds restored after every other HMM scope (they refer to pools and easyLink profiles)
REFERRING_KINDS = ("hmm.profiles",)
#: the snapshot path of a scope whose file is named by the seed's layout
NAMED_FILES = {"hmm.users": "hmm/accounts.json"}


@dataclass
class Part:
    """One restorable scope and where its capture lives in a snapshot folder."""

    id: str  #: "hmm.ntp", "switch:2X", "blade:3"
    group: str  #: "hmm" | "switch" | "blade"
    scope: "Scope"
    #: capture file name -> path in the snapshot (blade parts are embedded in a readout file)
    files: dict[str, str] = field(default_factory=dict)
    #: model fields the device computes (never compared, never restored)
    read_only: frozenset[str] = frozenset()

    def selected(self, selectors: list[str]) -> bool:
        """``--scope`` words: ``hmm``, ``hmm.ntp``, ``switch``, ``switch:2X``, ``blade``, ``blade:3``."""
        return not selectors or any(s in (self.id, self.group) for s in selectors)


def web_scopes(ch: "Chassis") -> list[Setting[Any] | Collection[Any, Any]]:
    """Every chassis-wide setting and collection of the facade's menus, by kind."""
    found: dict[str, Any] = {}
    for menu in vars(ch).values():
        if not type(menu).__module__.startswith("vessel_core.chassis.") or not hasattr(menu, "__dict__"):
            continue
        for value in vars(menu).values():
            if isinstance(value, (Setting, Collection)) and not isinstance(value, TargetSetting):
                found.setdefault(value.kind, value)
    return [found[k] for k in sorted(found)]


def hmm_path(kind: str) -> str:
    return NAMED_FILES.get(kind, f"hmm/settings/{kind}.json")


async def discover(session: "Session", *, switches: bool = True) -> tuple[list[Part], list[dict[str, str]]]:
    """The parts of the live chassis, and what could not be enumerated (with why)."""
    ch = session.chassis
    parts = [Part(s.kind, "hmm", s, {f"{s.kind}.json": hmm_path(s.kind)}, frozenset(s.read_only))
             for s in web_scopes(ch)]
    missing: list[dict[str, str]] = []
    if switches:
        try:
            present = await ch.network_info.present("swi")
            ops = session.switches
        except Exception as exc:  # noqa: BLE001 - reported in the manifest, the rest goes on
            missing.append({"what": "switches", "why": str(exc) or type(exc).__name__})
        else:
            for name in sorted(present):
                slot = int(name.lower().removeprefix("swi"))
                label = SWITCH_LABELS[slot]
                sw = ops.switch(label)
                parts.append(Part(f"switch:{label}", "switch", sw, {"running-config.cfg": f"switches/swi{slot}.cfg"}))
    for node in sorted(await ch.stateless.nodes(), key=lambda n: n.slot):
        binding = ch.stateless.blade(node.slot)
        parts.append(Part(f"blade:{node.slot}", "blade", binding, {"blade.json": f"ibmc/blade{node.slot}.json"},
                          frozenset({"bios_version", "ibmc_version", "health", "apply_state"})))
    return parts, missing


def restore_order(parts: list[Part]) -> list[Part]:
    rank = {"hmm": 0, "switch": 2, "blade": 3}
    return sorted(parts, key=lambda p: (rank[p.group] + (1 if p.id in REFERRING_KINDS else 0), p.id))
