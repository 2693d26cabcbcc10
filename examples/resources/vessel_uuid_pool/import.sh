# A UUID pool is imported by its name.
terraform import vessel_uuid_pool.workers workers
