# A destination is imported as "<type>/<address>".
terraform import vessel_alarm_subscription.nms snmp_trap/10.0.0.5
