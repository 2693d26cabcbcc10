# Every blade's iBMC at 6.10, two blades at a time (the iBMC flash does not touch the host).
resource "vessel_firmware" "ibmc" {
  component = "ibmc"
  version   = "6.10"
  image     = "${path.module}/images/ibmc-6.10.hpm"
  sha256    = filesha256("${path.module}/images/ibmc-6.10.hpm")

  rollout = {
    max_unavailable = 2
  }
}

# Then BIOS on four blades; powered-on ones are powered off for the flash and back on.
resource "vessel_firmware" "bios" {
  component = "bios"
  targets   = ["Slot1", "Slot2", "Slot3", "Slot4"]
  version   = "V502"
  image     = "${path.module}/images/bios-V502.hpm"

  rollout = {
    max_unavailable   = 2
    allow_host_reboot = true
    gate_timeout      = "15m"
  }

  timeouts {
    update = "2h"
  }

  depends_on = [vessel_firmware.ibmc]
}
