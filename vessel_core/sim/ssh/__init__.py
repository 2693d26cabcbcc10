"""SSH services of the emulated chassis: HMM CLI (+ iBMC / VRP hops, SFTP) and direct VRP listeners."""

from vessel_core.sim.ssh.server import HMM_PROMPT, IBMC_PROMPT, SshEndpoint, export_switch_config, start_ssh, start_switch_ssh

__all__ = ["HMM_PROMPT", "IBMC_PROMPT", "SshEndpoint", "export_switch_config", "start_ssh", "start_switch_ssh"]
