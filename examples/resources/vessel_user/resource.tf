# An operator account. The password is write-only (Terraform 1.11+): it never reaches state or
# plan; bump password_wo_version to send a new one.
variable "ops_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "vessel_user" "ops" {
  name                = "ops"
  role                = "Operator"
  password_wo         = var.ops_password
  password_wo_version = 1
}
