# Terraform 1.14+: terraform apply -invoke=action.vessel_blade_power.cycle3
action "vessel_blade_power" "cycle3" {
  config {
    slot      = 3
    operation = "power-cycle"
  }
}
