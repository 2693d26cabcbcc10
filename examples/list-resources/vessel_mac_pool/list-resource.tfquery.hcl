# terraform query (Terraform 1.14+): every vessel_mac_pool on the chassis; add
# -generate-config-out=generated.tf to write resource and import blocks for them.
list "vessel_mac_pool" "all" {
  provider = vessel
}
