# Terraform 1.14+: boot slot 3 once from the network, now (it is power-cycled).
# terraform apply -invoke=action.vessel_blade_boot_once.pxe3
action "vessel_blade_boot_once" "pxe3" {
  config {
    slot   = 3
    target = "pxe"
  }
}
