"""The per-operation read cache: single flight, expiry, invalidation, errors not cached."""
from __future__ import annotations

import asyncio

import pytest

from vessel_core.chassis.cache import ReadCache


async def test_concurrent_readers_share_one_load():
    cache = ReadCache(ttl=60)
    calls = 0

    async def load():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return calls

    got = await asyncio.gather(*(cache.get(("switch", 2, "state"), load) for _ in range(10)))
    assert got == [1] * 10 and calls == 1
    assert await cache.get(("switch", 2, "state"), load) == 1


async def test_expiry_and_prefix_invalidation():
    cache = ReadCache(ttl=0.05)
    n = {"a": 0}

    async def load():
        n["a"] += 1
        return n["a"]

    assert await cache.get(("switch", 2, "x"), load) == 1
    await asyncio.sleep(0.08)
    assert await cache.get(("switch", 2, "x"), load) == 2
    cache.ttl = 60
    assert await cache.get(("switch", 3, "x"), load) == 3
    cache.invalidate("switch", 2)
    assert await cache.get(("switch", 2, "x"), load) == 4
    assert await cache.get(("switch", 3, "x"), load) == 3   # other switch untouched
    cache.invalidate()
    assert await cache.get(("switch", 3, "x"), load) == 5


async def test_failures_reach_every_waiter_and_are_not_cached():
    cache = ReadCache(ttl=60)
    attempts = 0

    async def flaky():
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.02)
        if attempts == 1:
            raise RuntimeError("boom")
        return "ok"

    results = await asyncio.gather(*(cache.get(("k",), flaky) for _ in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await cache.get(("k",), flaky) == "ok" and attempts == 2


async def test_invalidation_during_a_load_drops_its_result():
    cache = ReadCache(ttl=60)
    gate = asyncio.Event()
    n = 0

    async def load():
        nonlocal n
        n += 1
        if n == 1:
            await gate.wait()
        return n

    task = asyncio.create_task(cache.get(("k",), load))
    await asyncio.sleep(0)
    cache.invalidate("k")      # a write happened while the read was in flight
    gate.set()
    assert await task == 1
    assert await cache.get(("k",), load) == 2


@pytest.mark.parametrize("ttl", [0.0])
async def test_zero_ttl_still_coalesces_concurrent_reads(ttl):
    cache = ReadCache(ttl=ttl)
    n = 0

    async def load():
        nonlocal n
        n += 1
        await asyncio.sleep(0.01)
        return n

    assert await asyncio.gather(cache.get(("k",), load), cache.get(("k",), load)) == [1, 1]
    assert await cache.get(("k",), load) == 2
