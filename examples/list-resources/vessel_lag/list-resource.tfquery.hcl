# terraform query (Terraform 1.14+): every Eth-Trunk of switch 2X; add
# -generate-config-out=generated.tf to write resource and import blocks for them.
list "vessel_lag" "sw2" {
  provider = vessel
  config {
    switch = "2X"
  }
}
