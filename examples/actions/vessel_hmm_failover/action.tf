# Terraform 1.14+: terraform apply -invoke=action.vessel_hmm_failover.to_hmm1
# (the HMM is unreachable while it switches over: the plan warns before it runs)
action "vessel_hmm_failover" "to_hmm1" {
  config {
    to = "HMM1"
  }
}
