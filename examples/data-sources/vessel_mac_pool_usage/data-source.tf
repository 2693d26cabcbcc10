data "vessel_mac_pool_usage" "workers" {
  pool = "workers"
}

output "worker_macs" {
  value = { for a in data.vessel_mac_pool_usage.workers.allocations : a.mac => a.slot }
}
