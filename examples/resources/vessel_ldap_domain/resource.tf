# LDAP login against Active Directory over LDAPS. The bind password is write-only (Terraform /
# OpenTofu 1.11+): it never reaches state or plan; bump bind_password_wo_version to send a new one.
variable "ldap_bind_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "vessel_ldap_domain" "this" {
  server                   = "ldaps://dc1.example.com:636"
  tls                      = true
  base_dn                  = "DC=example,DC=com"
  user_folder              = "OU=Staff"
  bind_dn                  = "CN=svc-hmm,OU=Service,DC=example,DC=com"
  bind_password_wo         = var.ldap_bind_password
  bind_password_wo_version = 1
  groups = [
    { name = "CN=hmm-admins,OU=Groups,DC=example,DC=com", role = "Administrator" },
    { name = "CN=hmm-ops,OU=Groups,DC=example,DC=com", role = "Operator" },
  ]
  # LDAP-only login: refused at plan unless dc1.example.com:636 answers the provider
  local_login_enabled = false
}
