# Terraform 1.14+: terraform apply -invoke=action.vessel_virtual_media_eject.cd3
action "vessel_virtual_media_eject" "cd3" {
  config {
    slot = 3
  }
}
