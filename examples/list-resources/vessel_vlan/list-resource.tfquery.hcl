# terraform query (Terraform 1.14+): every VLAN of switch 2X; add
# -generate-config-out=generated.tf to write resource and import blocks for them.
list "vessel_vlan" "sw2" {
  provider = vessel
  config {
    switch = "2X"
  }
}
