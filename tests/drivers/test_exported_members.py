"""The drivers' public surfaces are pinned: a new export must be added here on purpose."""
from __future__ import annotations

import vessel_core.drivers.hmm_web as hmm_web
import vessel_core.drivers.redfish as redfish
import vessel_core.drivers.tls as tls


def _public(mod) -> list[str]:
    return sorted(n for n in dir(mod) if not n.startswith("_") and n in mod.__all__)


def test_redfish_exports() -> None:
    assert sorted(redfish.__all__) == _public(redfish) == [
        "ForbiddenError", "IDEMPOTENT_METHODS", "PreconditionFailedError", "RedfishClient",
        "RedfishResponse", "RetryPolicy", "SessionLimitError", "TaskFailedError"]


def test_hmm_web_exports() -> None:
    assert sorted(hmm_web.__all__) == _public(hmm_web) == [
        "HmmWebClient", "MinIntervalLimiter", "RateLimiter", "Reply", "referer_for_targets",
        "validate_bladelist"]


def test_tls_exports() -> None:
    assert sorted(tls.__all__) == _public(tls) == [
        "PinMismatchError", "TLSConfig", "TLSVerificationError", "certificate_fingerprint",
        "normalise_fingerprint", "tls_failure"]
