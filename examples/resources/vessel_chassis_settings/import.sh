# The chassis settings are a singleton: the import ID is always "hmm".
terraform import vessel_chassis_settings.this hmm
