# terraform query (Terraform 1.14+): the chassis' vessel_power_policy (a singleton); add
# -generate-config-out=generated.tf to adopt it.
list "vessel_power_policy" "this" {
  provider = vessel
}
