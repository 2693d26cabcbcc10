# Stateless computing: ten CH121 blades bound to one compute profile, with two vNIC profiles
# and MAC/UUID pools. The plan warns for every running blade that will be power-cycled to take
# the profile; `terraform show -json` carries the same as `pending_disruption`.
terraform {
  required_providers {
    vessel = { source = "popsolutions/vessel" }
  }
}

# endpoint, credentials and pins from VESSEL_* (see the quickstart); blades with a Redfish iBMC
# in VESSEL_IBMC_ENDPOINTS are driven over Redfish, the others through the HMM's SSH.
provider "vessel" {}

resource "vessel_mac_pool" "workers" {
  name  = "workers"
  start = "02:00:00:AA:00:00"
  size  = 64
}

resource "vessel_uuid_pool" "workers" {
  name   = "workers"
  prefix = "8F3C2A10-0000-4000-8000-"
  size   = 32
}

resource "vessel_vnic_profile" "mgmt" {
  name        = "mgmt"
  vlans       = [10]
  native_vlan = 10
}

resource "vessel_vnic_profile" "data" {
  name          = "data"
  vlans         = [100, 200]
  bandwidth_pct = 80
}

# the workers' VLANs on the uplinks of the 2X/3X switch pair
resource "vessel_switch_profile" "uplinks" {
  name         = "k8s_uplinks"
  switches     = ["Swi2", "Swi3"]
  uplink_ports = ["10GE2/17/1", "10GE3/17/1"]
  vlans        = [10, 100, 200]
}

resource "vessel_compute_profile" "k8s_worker" {
  name            = "k8s-worker-template"
  bios_boot_order = ["pxe", "disk"]
  vnic_profiles   = [vessel_vnic_profile.mgmt.id, vessel_vnic_profile.data.id]
  mac_pool        = vessel_mac_pool.workers.id
  uuid_pool       = vessel_uuid_pool.workers.id
  power_policy    = "always-on"
}

resource "vessel_blade" "worker" {
  for_each = toset(["1", "2", "3", "4", "8", "9", "10", "11", "12", "16"])
  slot     = tonumber(each.key)
  profile  = vessel_compute_profile.k8s_worker.id
}

output "worker_macs" {
  value = { for k, b in vessel_blade.worker : k => b.macs }
}
