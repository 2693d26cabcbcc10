# An HMM account is imported by its name.
terraform import vessel_user.ops ops
