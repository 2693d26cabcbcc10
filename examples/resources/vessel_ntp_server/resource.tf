# The chassis clock: two NTP servers, China Standard Time, synchronised every 30 minutes.
resource "vessel_ntp_server" "this" {
  preferred_server  = "ntp1.example.net"
  alternate_server  = "10.20.0.1"
  timezone          = "GMT+8"
  sync_interval_min = 30
}
