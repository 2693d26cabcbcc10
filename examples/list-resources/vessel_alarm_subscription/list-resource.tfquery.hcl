# terraform query (Terraform 1.14+): every alarm destination (SNMP trap, syslog, e-mail);
# secrets are never listed.
list "vessel_alarm_subscription" "all" {
  provider = vessel
}
