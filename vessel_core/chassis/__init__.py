"""Vessel SDK facade: one async object per chassis, one module per HMM menu.

    from vessel_core.chassis import Chassis
    async with Chassis.connect(endpoint=..., username=..., password=..., ca_cert=...,
                               ssh_host_keys="SHA256:…") as ch:
        await ch.blade.power_on(3, wait=True)

Modules: ``basic``, ``network``, ``stateless``, ``easylink``, ``network_info``, ``power``,
``fan``, ``alarms``, ``system``, ``upgrade``, ``blade``, ``switch``. A blocking wrapper is
in :mod:`vessel_core.chassis.sync`.
"""
from vessel_core.chassis.core import Chassis, IbmcEndpoint
from vessel_core.chassis import models

__all__ = ["Chassis", "IbmcEndpoint", "models"]
