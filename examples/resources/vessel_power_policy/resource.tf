# Cap the chassis at 9 kW: the Kubernetes workers give way first, the storage blades last;
# idle PSUs hibernate, keeping one spare awake.
resource "vessel_power_policy" "this" {
  capping_enabled     = true
  capping_limit_w     = 9000
  slot_priority       = { "1" = "low", "2" = "low", "13" = "high", "14" = "high" }
  hibernation_enabled = true
  hibernation_mode    = "n+1"
}
