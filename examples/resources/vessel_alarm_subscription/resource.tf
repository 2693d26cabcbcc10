# Major and critical alarms as SNMPv2c traps. The community is write-only (Terraform 1.11+):
# it never reaches state or plan; bump community_wo_version to send a new one.
variable "trap_community" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "vessel_alarm_subscription" "nms" {
  type                 = "snmp_trap"
  address              = "10.0.0.5"
  severity             = "major"
  community_wo         = var.trap_community
  community_wo_version = 1
}

# Every alarm to the syslog server (port 514 by default).
resource "vessel_alarm_subscription" "syslog" {
  type     = "syslog"
  address  = "10.0.0.7"
  severity = "normal"
}
