terraform {
  required_providers {
    vessel = {
      source = "popsolutions/vessel"
    }
  }
}

# Credentials are best kept out of the configuration: VESSEL_USERNAME / VESSEL_PASSWORD.
provider "vessel" {
  endpoint         = "https://10.0.0.10"
  cert_fingerprint = "3F:9A:5C:0B:7E:21:44:D8:91:AA:0C:6E:57:12:B3:C4:8D:E0:19:F2:6A:7B:30:55:C1:9E:04:DB:82:6F:11:A7"

  ssh_host_key_fingerprint = "SHA256:n7m0vzq2x1hJx3m0o5zY8m2kQm1u9a3M0mJH8cC1w2Q"

  snapshot_dir      = "${path.root}/.vessel/snapshots"
  audit_log         = "${path.root}/.vessel/audit.jsonl"
  request_timeout   = "60s"
  watchdog_deadline = "120s"
}
