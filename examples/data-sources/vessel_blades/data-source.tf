data "vessel_blades" "all" {}

# The CH121 blades that are present, for a for_each.
output "ch121_slots" {
  value = [for b in data.vessel_blades.all.blades : b.slot if b.present && b.model == "CH121"]
}
