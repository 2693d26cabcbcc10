# A compute profile is imported by its name.
terraform import vessel_compute_profile.k8s_worker k8s-worker-template
