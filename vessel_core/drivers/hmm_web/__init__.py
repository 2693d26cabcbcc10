"""HMM web ("dispatcher") API driver: :class:`HmmWebClient` over httpx, XML via defusedxml."""
from vessel_core.drivers.hmm_web.client import HmmWebClient, MinIntervalLimiter, RateLimiter, Reply, referer_for_targets, validate_bladelist

__all__ = ["HmmWebClient", "MinIntervalLimiter", "RateLimiter", "Reply", "referer_for_targets",
           "validate_bladelist"]
