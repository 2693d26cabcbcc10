# PXE first, then disk; two vNICs with MACs from the workers pool; always back on after a power loss.
resource "vessel_compute_profile" "k8s_worker" {
  name            = "k8s-worker-template"
  bios_boot_order = ["pxe", "disk"]
  vnic_profiles   = [vessel_vnic_profile.mgmt.id, vessel_vnic_profile.data.id]
  mac_pool        = vessel_mac_pool.workers.id
  uuid_pool       = vessel_uuid_pool.workers.id
  power_policy    = "always-on"
  bios = {
    HyperThreading = "Enabled"
  }
}
