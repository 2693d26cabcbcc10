# Quickstart: point the vessel provider at a chassis (or the emulator, `vessel-sim`).
# Every provider setting can also come from the environment (VESSEL_ENDPOINT,
# VESSEL_USERNAME, VESSEL_PASSWORD, VESSEL_CA_CERT, VESSEL_CERT_FINGERPRINT, ...).

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
