# terraform query (Terraform 1.14+): the chassis' vessel_chassis_settings (a singleton); add
# -generate-config-out=generated.tf to adopt it.
list "vessel_chassis_settings" "this" {
  provider = vessel
}
