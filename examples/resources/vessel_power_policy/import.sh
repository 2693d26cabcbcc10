# The power policy is a singleton: the import ID is always "hmm".
terraform import vessel_power_policy.this hmm
