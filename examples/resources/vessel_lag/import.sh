# <switch>/<lag_id>
terraform import vessel_lag.uplinks 2X/1
