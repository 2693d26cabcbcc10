# terraform query (Terraform 1.14+): the chassis' NTP client (a singleton: one object); add
# -generate-config-out=generated.tf to write its resource and import blocks.
list "vessel_ntp_server" "hmm" {
  provider = vessel
}
