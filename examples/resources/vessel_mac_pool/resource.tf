# 64 locally administered addresses for the worker blades (first octet even: unicast).
resource "vessel_mac_pool" "workers" {
  name  = "workers"
  start = "02:00:00:AA:00:00"
  size  = 64
}
