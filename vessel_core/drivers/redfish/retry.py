"""Retry policy for Redfish calls: which calls may be replayed, and how long to wait.

Replay is safe only where a second delivery cannot do anything the first did not:

* ``GET``/``HEAD`` read; ``PUT`` and ``DELETE`` are idempotent by definition (a replayed
  ``DELETE`` that answers 404 means the first one landed, and is reported as success).
* ``PATCH`` is replayed **only when it carries If-Match**: if the first delivery was applied,
  the ETag moved and the replay gets 412 instead of applying twice; the client's single
  re-read-and-retry then re-sends the same absolute property values, which changes nothing.
* ``POST`` is **never** replayed: session creation would leak a session slot, and actions
  (Reset, SimpleUpdate, VmmControl) are not idempotent — a power cycle must not happen twice.

Retried outcomes: 500/502/503/504 answers and transport failures (connection refused or reset,
read/write errors, protocol errors). A ``Retry-After`` header (seconds) is honoured, capped.
Backoff is exponential with "equal jitter": ``d = min(cap, base·2^n)``, sleep ``d/2 + U(0, d/2)``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

__all__ = ["RetryPolicy", "IDEMPOTENT_METHODS"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4          # total tries, including the first
    base: float = 0.25         # seconds
    cap: float = 8.0           # longest single wait
    retry_after_cap: float = 30.0

    def may_replay(self, method: str, headers: httpx.Headers | dict[str, str] | None) -> bool:
        method = method.upper()
        if method in IDEMPOTENT_METHODS:
            return True
        if method == "PATCH" and headers is not None:
            return any(k.lower() == "if-match" for k in headers.keys())
        return False

    def delay(self, retry_number: int, response: httpx.Response | None = None,
              rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (0-based)."""
        if response is not None:
            ra = response.headers.get("Retry-After")
            if ra and ra.strip().isdigit():
                return min(float(ra.strip()), self.retry_after_cap)
        d = min(self.cap, self.base * (2 ** retry_number))
        r = (rng or random).random()
        return d / 2 + r * d / 2

    @staticmethod
    def retry_status(status: int) -> bool:
        return status in RETRY_STATUSES
