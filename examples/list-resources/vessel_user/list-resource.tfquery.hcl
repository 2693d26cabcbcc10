# terraform query (Terraform 1.14+): every vessel_user on the chassis; add
# -generate-config-out=generated.tf to write resource and import blocks for them.
list "vessel_user" "all" {
  provider = vessel
}
