# terraform query (Terraform 1.14+): the chassis' vessel_ldap_domain (a singleton); add
# -generate-config-out=generated.tf to adopt it.
list "vessel_ldap_domain" "this" {
  provider = vessel
}
