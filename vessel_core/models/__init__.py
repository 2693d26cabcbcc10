"""Pydantic models of device data: :mod:`.redfish` (DMTF + Huawei OEM) and :mod:`.hmm_web`."""
