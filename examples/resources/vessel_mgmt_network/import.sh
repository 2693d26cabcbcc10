# A management address is imported by its target: HMM1, HMM2, float, Slot<N> or Swi<N>.
terraform import vessel_mgmt_network.slot3 Slot3
