"""Chassis Management → the two management modules: which one is active, and a guarded
switchover (``ch.management.active``, a :class:`Setting` whose scope is the HMM pair).

A switchover makes the HMM unreachable for a while (every web and Redfish session is gone,
the new active module takes the floating address); the change waits until the HMM answers
again, then verifies that the other module is active and the web API answers. The sheet records
no switchover verb for the MM910: this uses the Redfish ``Manager.ForceFailover`` action the
MM920's public code shows, when the active manager advertises it [INF].
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Literal

from vessel_core.chassis.managed import TargetSetting
from vessel_core.chassis.models import FacadeModel
from vessel_core.errors import DeviceTimeoutError, UnsupportedError, VesselError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

log = logging.getLogger(__name__)
MODULES = ("HMM1", "HMM2")


class ActiveModule(FacadeModel):
    active: Literal["HMM1", "HMM2"]


class ActiveHmm(TargetSetting[ActiveModule]):
    """Which management module is active; setting it to the standby one is a switchover."""

    kind, model = "hmm.active", ActiveModule

    def __init__(self, ch: "Chassis") -> None:
        super().__init__(ch, "hmm")
        #: seconds between two attempts to reach the HMM while it switches over
        self.poll_interval = 2.0
        #: called with a line of progress while the HMM switches over
        self.on_progress: Callable[[str], None] | None = None
        self.checks.append(self._web_answers)

    async def read(self) -> ActiveModule:
        rf = await self._ch.hmm_redfish()
        for mid in MODULES:
            doc = await rf.get_json(f"/redfish/v1/Managers/{mid}")
            # the vendor's Oem object (Huawei, xFusion), whatever its key: the HMM's service root
            # names no vendor
            status = next((v.get("ActiveStatus") for v in (doc.get("Oem") or {}).values() if isinstance(v, dict)), None)
            if status == "Active":
                self._ch.route("management.active", "redfish:hmm")
                return ActiveModule(active=mid)
        raise UnsupportedError("neither management module reports itself active", target=self.target,
                               operation="management.active")

    async def write(self, want: ActiveModule) -> None:
        have = await self.read()
        if have.active == want.active:
            return
        rf = await self._ch.hmm_redfish()
        doc = await rf.get_json(f"/redfish/v1/Managers/{have.active}")
        action = ((doc.get("Actions") or {}).get("#Manager.ForceFailover") or {}).get("target")
        if not action:
            raise UnsupportedError(f"{have.active} offers no switchover (Manager.ForceFailover)", target=self.target,
                                   operation="management.failover")
        self._note(f"switching over from {have.active} to {want.active}")
        await rf.post(action, {})
        await self._wait_back(want)

    async def _wait_back(self, want: ActiveModule) -> None:
        """Until the HMM answers again with ``want`` active (bounded by the caller's deadline)."""
        started, last = time.monotonic(), ""
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                if (await self.read()).active == want.active:
                    self._note(f"{want.active} active and answering after {time.monotonic() - started:.1f}s")
                    return
                line = "the HMM answers; the old module is still active"
            except (VesselError, OSError) as exc:
                line = f"the HMM does not answer yet ({type(exc).__name__})"
            if line != last:
                self._note(line)
            last = line

    async def _web_answers(self, have: Any) -> None:
        await self._ch.web_read("queryhandler.php", "getServerTime")

    def _note(self, line: str) -> None:
        log.info("hmm %s", line)
        if self.on_progress is not None:
            self.on_progress(line)


class Management:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        self.active = ActiveHmm(ch)

    async def failover(self, *, on_progress: Callable[[str], None] | None = None,
                       timeout: float | None = None) -> ActiveModule:
        """Switch over to the standby module (guarded: verified, audited)."""
        self.active.on_progress = on_progress
        have = await self.active.get()
        want = ActiveModule(active="HMM2" if have.active == "HMM1" else "HMM1")
        try:
            return await asyncio.wait_for(self.active.set(want, op="hmm.failover"), timeout)
        except asyncio.TimeoutError:
            raise DeviceTimeoutError(f"the HMM did not come back within {timeout:g}s", target="hmm",
                                     operation="hmm.failover") from None
