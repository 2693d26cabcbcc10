"""Drivers: one per management path (Redfish, HMM web API, SSH CLIs, VRP, KVM).

httpcore's DEBUG trace prints raw request and response headers (Cookie, Set-Cookie with the
HMM's SESSID, X-Auth-Token). Under TF_LOG=DEBUG/TRACE every record of the provider process
reaches Terraform's log, so that trace is capped at INFO (which carries no headers) for every
driver that speaks HTTP, whoever configures logging.
"""
import logging as _logging

_httpcore = _logging.getLogger("httpcore")
_httpcore.setLevel(max(_logging.INFO, _httpcore.level))
