data "vessel_firmware_inventory" "ibmc" {
  component = "ibmc"
}

# Blades whose iBMC is not at 6.10 yet.
output "ibmc_behind" {
  value = [for c in data.vessel_firmware_inventory.ibmc.components : c.target if c.version != "6.10"]
}
