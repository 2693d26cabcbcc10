# terraform query (Terraform 1.14+): the ports of switch 2X configured otherwise than the factory
# (not the members of a LAG: their settings belong to the vessel_lag); include_defaults = true
# lists every port. Add -generate-config-out=generated.tf to write resource and import blocks.
list "vessel_switch_port" "sw2" {
  provider = vessel
  config {
    switch = "2X"
  }
}
