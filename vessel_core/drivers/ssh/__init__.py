"""SSH CLI drivers: persistent PTY shells with prompt detection, nested hops, typed clients.

Names are imported on first use, so importing the package does not load asyncssh.
"""
from typing import TYPE_CHECKING

from vessel_core._lazy import lazy_exports

_EXPORTS = {
    "HmmCli": "hmm",
    "IbmcCli": "ibmc",
    **dict.fromkeys(["HostKeyPolicy", "fingerprint_of"], "hostkeys"),
    **dict.fromkeys(["HMM", "IBMC", "VRP", "CliCommandError", "CliShell", "Dialect", "Dialog", "NestedHop",
                     "SessionLost", "SshTarget", "UnexpectedDialogError"], "session"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from vessel_core.drivers.ssh.hmm import HmmCli
    from vessel_core.drivers.ssh.hostkeys import HostKeyPolicy, fingerprint_of
    from vessel_core.drivers.ssh.ibmc import IbmcCli
    from vessel_core.drivers.ssh.session import (
        HMM,
        IBMC,
        VRP,
        CliCommandError,
        CliShell,
        Dialect,
        Dialog,
        NestedHop,
        SessionLost,
        SshTarget,
        UnexpectedDialogError,
    )
