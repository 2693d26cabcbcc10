data "vessel_network_info" "chassis" {}

# The MACs of every mezzanine card, per slot.
output "macs_by_slot" {
  value = { for m in data.vessel_network_info.chassis.mezz : "Slot${m.slot}/${m.position}" => m.macs... }
}
