resource "vessel_switch_port" "uplink" {
  switch        = "2X"
  port          = "10GE2/17/1"
  link_type     = "trunk"
  default_vlan  = 1
  allowed_vlans = provider::vessel::vlan_range("100-120,200")
  description   = "uplink to core-sw-1"
}
