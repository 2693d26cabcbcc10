# A vNIC profile for VM traffic: VLAN 100 untagged (native), VLAN 200 tagged, 40 % of the port.
# Its id is its name, known at plan time, so a compute profile can name it in the same plan.
resource "vessel_vnic_profile" "vm" {
  name          = "vm_traffic"
  vlans         = [100, 200]
  native_vlan   = 100
  bandwidth_pct = 40
  description   = "VM traffic"
}
