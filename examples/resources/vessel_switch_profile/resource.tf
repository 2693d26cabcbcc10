# The uplinks of the 2X/3X stacking pair: one external port on each switch, VLANs 100 and 200.
resource "vessel_switch_profile" "core" {
  name         = "core_uplink"
  switches     = ["Swi2", "Swi3"]
  uplink_ports = ["10GE2/17/1", "10GE3/17/1"]
  vlans        = [100, 200]
  description  = "to the core switches"
}
