"""Redfish driver (HMM and blade iBMC): :class:`RedfishClient` over httpx."""
from vessel_core.drivers.redfish.client import RedfishClient, RedfishResponse
from vessel_core.drivers.redfish.errors import ForbiddenError, PreconditionFailedError, SessionLimitError, TaskFailedError
from vessel_core.drivers.redfish.retry import IDEMPOTENT_METHODS, RetryPolicy

__all__ = ["ForbiddenError", "IDEMPOTENT_METHODS", "PreconditionFailedError", "RedfishClient",
           "RedfishResponse", "RetryPolicy", "SessionLimitError", "TaskFailedError"]
