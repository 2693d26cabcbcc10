# The external address of the iBMC of the blade in slot 3.
resource "vessel_mgmt_network" "slot3" {
  target  = "Slot3"
  ip      = "192.168.10.13"
  mask    = "255.255.255.0"
  gateway = "192.168.10.1"
}

# The floating address is the provider's endpoint: moving it is refused unless
# confirm_new_endpoint names the new address. The apply follows the HMM there (or restores the
# old address if it does not answer); then point the provider's endpoint at the new address.
resource "vessel_mgmt_network" "float" {
  target               = "float"
  ip                   = "192.168.1.40"
  gateway              = "192.168.1.1"
  ipv6_address         = "2001:db8::40/64"
  confirm_new_endpoint = "192.168.1.40"
}
