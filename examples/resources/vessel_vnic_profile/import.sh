# A vNIC profile is imported by its name.
terraform import vessel_vnic_profile.vm vm_traffic
