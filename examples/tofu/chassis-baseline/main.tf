# A day-one chassis: clock, directory login with two groups, two local accounts, alarms to the
# NMS and to syslog, power capping and the asset tag. Secrets are write-only: they never reach
# state or plan (Terraform / OpenTofu 1.11+); pass them as TF_VAR_* and bump *_wo_version to
# send a new value.
terraform {
  required_providers {
    vessel = { source = "popsolutions/vessel" }
  }
}

provider "vessel" {}

variable "ldap_bind_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "ops_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "audit_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "trap_community" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "vessel_ntp_server" "clock" {
  preferred_server  = "ntp1.example.net"
  alternate_server  = "10.20.0.1"
  timezone          = "GMT+8"
  sync_interval_min = 30
}

resource "vessel_ldap_domain" "corp" {
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
}

resource "vessel_user" "ops" {
  name                = "ops"
  role                = "Operator"
  password_wo         = var.ops_password
  password_wo_version = 1
}

resource "vessel_user" "audit" {
  name                = "audit"
  role                = "ReadOnly"
  interfaces          = ["WEB", "REDFISH"]
  password_wo         = var.audit_password
  password_wo_version = 1
}

resource "vessel_alarm_subscription" "nms" {
  type                 = "snmp_trap"
  address              = "10.0.0.5"
  severity             = "major"
  community_wo         = var.trap_community
  community_wo_version = 1
}

resource "vessel_alarm_subscription" "syslog" {
  type     = "syslog"
  address  = "10.0.0.7"
  severity = "normal"
}

resource "vessel_power_policy" "cap" {
  capping_enabled     = true
  capping_limit_w     = 9000
  slot_priority       = { "13" = "high", "14" = "high" }
  hibernation_enabled = true
  hibernation_mode    = "n+1"
}

resource "vessel_chassis_settings" "this" {
  asset_tag = "dc1/row4/rack7"
}
