"""Vessel SDK facade: one async object per chassis, one module per HMM menu.

    from vessel_core.chassis import Chassis
    async with Chassis.connect(endpoint=..., username=..., password=..., ca_cert=...,
                               ssh_host_keys="SHA256:…") as ch:
        await ch.blade.power_on(3, wait=True)

Modules: ``basic``, ``network``, ``stateless``, ``easylink``, ``network_info``, ``power``,
``fan``, ``alarms``, ``system``, ``upgrade``, ``blade``, ``switch``, ``kvm``. A blocking wrapper
is in :mod:`vessel_core.chassis.sync`. Names load on first use, so importing a pure module of
the package (``models``, ``switching``) costs no driver import.
"""
from typing import TYPE_CHECKING

from vessel_core._lazy import lazy_exports

_EXPORTS = {"Chassis": "core", "IbmcEndpoint": "core"}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = ["Chassis", "IbmcEndpoint", "models"]

if TYPE_CHECKING:
    from vessel_core.chassis import models
    from vessel_core.chassis.core import Chassis, IbmcEndpoint
