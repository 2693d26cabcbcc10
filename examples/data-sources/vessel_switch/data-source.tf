data "vessel_switch" "sw2" {
  switch = "2X"
}

output "switch_version" {
  value = data.vessel_switch.sw2.version
}
