# <switch>/<port>
terraform import vessel_switch_port.uplink 2X/10GE2/17/1
