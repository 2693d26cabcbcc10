resource "vessel_lag" "uplinks" {
  switch        = "2X"
  lag_id        = 1
  mode          = "lacp"
  members       = ["10GE2/17/1", "10GE2/17/2"]
  link_type     = "trunk"
  allowed_vlans = [100, 110, 120]
  description   = "LACP to the core pair"
}
