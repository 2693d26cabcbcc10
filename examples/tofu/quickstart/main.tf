# Quickstart: point the vessel provider at a chassis (or the emulator, `vessel-sim`).
# Every provider setting can also come from the environment (VESSEL_ENDPOINT,
# VESSEL_USERNAME, VESSEL_PASSWORD, VESSEL_CA_CERT, VESSEL_CERT_FINGERPRINT, VESSEL_SSH_PORT,
# VESSEL_SSH_HOST_KEY_FINGERPRINT, ...). Switch CLIs are reached through the HMM's SSH service.

terraform {
  required_providers {
    vessel = {
      source = "popsolutions/vessel"
    }
  }
}

variable "endpoint" {
  description = "HMM address, e.g. https://10.0.0.10 (null: use VESSEL_ENDPOINT)"
  type        = string
  default     = null
}

variable "username" {
  type    = string
  default = null
}

variable "password" {
  type      = string
  default   = null
  sensitive = true
}

variable "cert_fingerprint" {
  description = "SHA-256 fingerprint of the HMM certificate to pin (null: VESSEL_CERT_FINGERPRINT)"
  type        = string
  default     = null
}

provider "vessel" {
  endpoint          = var.endpoint
  username          = var.username
  password          = var.password
  cert_fingerprint  = var.cert_fingerprint
  snapshot_dir      = "${path.root}/.vessel/snapshots"
  audit_log         = "${path.root}/.vessel/audit.jsonl"
  request_timeout   = "60s"
  watchdog_deadline = "120s"
}

# ---------------------------------------------------------------------------------------
# Switch module 2X (CX310): VLANs, trunk ports and one LACP Eth-Trunk.
# Every change is snapshotted first, watched by a management heartbeat after the commit
# (rolled back automatically if the switch stops answering) and written to the audit log.

variable "switch" {
  description = "Switch module label as the HMM shows it"
  type        = string
  default     = "2X"
}

locals {
  vlans = {
    10 = { name = "mgmt", description = "Management" }
    20 = { name = "web", description = "Web tier" }
    30 = { name = "db", description = "Databases" }
  }
}

resource "vessel_vlan" "this" {
  for_each    = local.vlans
  switch      = var.switch
  vlan_id     = tonumber(each.key)
  name        = each.value.name
  description = each.value.description
}

# Blade 1's two 10GE downlinks carry every VLAN tagged, untagged traffic lands in VLAN 10.
resource "vessel_switch_port" "blade1" {
  for_each      = toset(["10GE2/1/1", "10GE2/1/2"])
  switch        = var.switch
  port          = each.key
  link_type     = "trunk"
  default_vlan  = 10
  allowed_vlans = provider::vessel::vlan_range("10,20-30")
  description   = "blade1"
  depends_on    = [vessel_vlan.this]
}

# Two external uplinks bundled with LACP towards the core.
resource "vessel_lag" "uplink" {
  switch        = var.switch
  lag_id        = 1
  mode          = "lacp"
  members       = ["10GE2/17/1", "10GE2/17/2"]
  link_type     = "trunk"
  allowed_vlans = provider::vessel::vlan_range("10-30")
  description   = "core uplink"
}

# The chassis clock: the HMM's NTP client (a singleton; destroy turns it back to factory).
resource "vessel_ntp_server" "this" {
  preferred_server  = "ntp1.example.net"
  alternate_server  = "10.20.0.1"
  timezone          = "GMT+8"
  sync_interval_min = 30
}

data "vessel_switch" "this" {
  switch     = var.switch
  depends_on = [vessel_vlan.this, vessel_switch_port.blade1, vessel_lag.uplink]
}

output "switch" {
  value = {
    version  = data.vessel_switch.this.version
    flavour  = data.vessel_switch.this.flavour
    vlans    = [for v in data.vessel_switch.this.vlans : v.vlan_id]
    ports_up = length([for p in data.vessel_switch.this.ports : p if p.link_up])
    lldp     = [for n in data.vessel_switch.this.lldp_neighbors : "${n.local_port} -> ${n.neighbor_device}"]
  }
}
