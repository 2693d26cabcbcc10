# Bind the blade in slot 3 to the worker profile and keep it powered on. A powered-on blade is
# power-cycled to take the profile: the plan warns before the apply.
resource "vessel_blade" "worker3" {
  slot        = 3
  profile     = vessel_compute_profile.k8s_worker.id
  power_state = "on"
}
