# A switch profile is imported by its name.
terraform import vessel_switch_profile.core core_uplink
