# The chassis' own settings: asset tag, aliases of three blade slots, UEFI boot, black box off.
resource "vessel_chassis_settings" "this" {
  asset_tag        = "dc1/row4/rack7"
  slot_aliases     = { "1" = "k8s-w1", "2" = "k8s-w2", "13" = "ceph-1" }
  bios_boot_mode   = "UEFI"
  blackbox_enabled = false
}
