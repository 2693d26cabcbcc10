# A full-chassis firmware rollout: both HMMs (the standby first, a failover, then the other),
# both CX310 switches of the 2X/3X fabric pair (one at a time), then every CH121 blade's iBMC,
# three blades a wave. `tofu plan` shows every wave, what is skipped and what goes down; a
# second plan is empty and a second apply flashes nothing.
#
# Against the emulator (`vessel-sim --fast`), make the images first:
#   vessel-sim make-image --component hmm    --version 7.70              --out images/hmm-7.70.hpm
#   vessel-sim make-image --component switch --version V100R001C00SPC300 --out images/cx310-SPC300.hpm
#   vessel-sim make-image --component ibmc   --version 6.10              --out images/ibmc-6.10.hpm
terraform {
  required_providers {
    vessel = { source = "popsolutions/vessel" }
  }
}

# endpoint, credentials and pins from VESSEL_* (see the quickstart)
provider "vessel" {}

locals {
  images = "${path.module}/images"
}

resource "vessel_firmware" "hmm" {
  component = "hmm"
  version   = "7.70"
  image     = "${local.images}/hmm-7.70.hpm"
  sha256    = filesha256("${local.images}/hmm-7.70.hpm")
  rollout = {
    poll_interval = "1s"
  }
}

resource "vessel_firmware" "switch" {
  component = "switch"
  targets   = ["2X", "3X"]
  version   = "V100R001C00SPC300"
  image     = "${local.images}/cx310-SPC300.hpm"
  sha256    = filesha256("${local.images}/cx310-SPC300.hpm")
  rollout = {
    poll_interval = "1s"
  }
  depends_on = [vessel_firmware.hmm]
}

resource "vessel_firmware" "ibmc" {
  component = "ibmc"
  targets   = ["Slot1", "Slot2", "Slot3", "Slot4", "Slot8", "Slot9", "Slot10", "Slot11", "Slot12", "Slot16"]
  version   = "6.10"
  image     = "${local.images}/ibmc-6.10.hpm"
  sha256    = filesha256("${local.images}/ibmc-6.10.hpm")
  rollout = {
    max_unavailable = 3
    gate_timeout    = "5m"
    poll_interval   = "1s"
  }
  timeouts {
    create = "2h"
    update = "2h"
  }
  depends_on = [vessel_firmware.switch]
}

data "vessel_firmware_inventory" "all" {
  depends_on = [vessel_firmware.ibmc]
}

output "waves" {
  value = { for k, r in { hmm = vessel_firmware.hmm, switch = vessel_firmware.switch, ibmc = vessel_firmware.ibmc } :
  k => [for w in r.waves : join(", ", w.members)] }
}
