# <switch>/<vlan_id>
terraform import vessel_vlan.storage 2X/110
