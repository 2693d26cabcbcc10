"""SSH CLI drivers: persistent PTY shells with prompt detection, nested hops, typed clients."""
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

__all__ = ["HMM", "IBMC", "VRP", "CliCommandError", "CliShell", "Dialect", "Dialog", "HmmCli",
           "HostKeyPolicy", "IbmcCli", "NestedHop", "SessionLost", "SshTarget",
           "UnexpectedDialogError", "fingerprint_of"]
