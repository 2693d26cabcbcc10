"""Client helpers shared by the SSH tests of the emulated chassis."""
from __future__ import annotations

import asyncssh

from vessel_core.sim.state import DEFAULT_PASSWORD

PASSWORD = DEFAULT_PASSWORD


def connect(ep, username="root", password=PASSWORD):
    return asyncssh.connect(ep.host, ep.port, username=username, password=password,
                            known_hosts=None, client_keys=None)
