# A MAC pool is imported by its name.
terraform import vessel_mac_pool.workers workers
