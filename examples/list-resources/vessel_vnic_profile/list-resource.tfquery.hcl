# terraform query (Terraform 1.14+): every vessel_vnic_profile on the chassis; add
# -generate-config-out=generated.tf to write resource and import blocks for them.
list "vessel_vnic_profile" "all" {
  provider = vessel
}
