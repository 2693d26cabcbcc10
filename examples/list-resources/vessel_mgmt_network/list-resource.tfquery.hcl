# terraform query (Terraform 1.14+): every management address set on the chassis; add
# -generate-config-out=generated.tf to adopt them.
list "vessel_mgmt_network" "all" {
  provider = vessel
}
