output "trunk_vlans" {
  value = provider::vessel::vlan_range("10-20,30") # a set of the numbers 10 to 20 and 30
}
