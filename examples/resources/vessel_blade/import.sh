# A blade is imported by its slot ("Slot3" or "3").
terraform import vessel_blade.worker3 Slot3
