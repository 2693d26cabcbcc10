# The NTP client is a singleton of the chassis: its import ID is always "hmm".
terraform import vessel_ntp_server.this hmm
