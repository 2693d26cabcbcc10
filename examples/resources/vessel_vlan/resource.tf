resource "vessel_vlan" "storage" {
  switch      = "2X"
  vlan_id     = 110
  name        = "storage"
  description = "iSCSI, blades 1-8"
}
