# The chassis at a glance, e.g. to refuse a plan while a PSU is unhealthy.
data "vessel_chassis" "this" {}

output "hmm_software" {
  value = data.vessel_chassis.this.hmm_active.version
}

output "unhealthy_psus" {
  value = [for p in data.vessel_chassis.this.power_supplies : p.name if p.present && p.health != "OK"]
}
