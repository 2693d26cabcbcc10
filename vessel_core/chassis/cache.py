"""A per-operation read cache: concurrent readers share one in-flight read, results live for
``ttl`` seconds, and writes invalidate by key prefix.

This is what makes refresh batched: every VLAN resource of one switch read in the same window
is served by one ``display vlan``.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, TypeVar

T = TypeVar("T")


class ReadCache:
    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[Any, ...], tuple[float, asyncio.Future[Any]]] = {}
        self.loads = 0  # how many loaders actually ran (for tests and benches)

    async def get(self, key: tuple[Any, ...], loader: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None:
            expires, fut = hit
            if not fut.done() or (now < expires and fut.exception() is None):
                return await asyncio.shield(fut)
        fut = asyncio.get_running_loop().create_future()
        self._entries[key] = (float("inf"), fut)
        self.loads += 1
        try:
            value = await loader()
        except BaseException as exc:
            self._entries.pop(key, None)
            if not fut.done():
                fut.set_exception(exc)
                fut.exception()  # mark retrieved: waiters get it, nobody else must
            raise
        fut.set_result(value)
        if self._entries.get(key, (0, None))[1] is fut:
            self._entries[key] = (time.monotonic() + self.ttl, fut)
        return value

    def invalidate(self, *prefix: Any) -> None:
        """Drop every entry whose key starts with ``prefix`` (everything when empty)."""
        n = len(prefix)
        for key in [k for k in self._entries if k[:n] == prefix]:
            del self._entries[key]
