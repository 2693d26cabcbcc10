# 32 UUIDs: 8F3C2A10-0000-4000-8000-000000000000 to ...00000000001F.
resource "vessel_uuid_pool" "workers" {
  name   = "workers"
  prefix = "8F3C2A10-0000-4000-8000-"
  size   = 32
}
