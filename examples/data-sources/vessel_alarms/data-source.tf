# Active alarms, and the major or worse SEL entries of blade 3 since the start of March.
data "vessel_alarms" "now" {
  sel_source       = "Slot3"
  sel_min_severity = "major"
  sel_since        = "2026-03-01T00:00:00Z"
}

output "critical_alarms" {
  value = [for a in data.vessel_alarms.now.alarms : "${a.source}: ${a.description}" if a.severity == "critical"]
}
