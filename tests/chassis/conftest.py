"""Fixtures for the chassis facade tests (helpers live in chassis_helpers.py)."""
from __future__ import annotations

import pytest_asyncio
from chassis_helpers import PROFILES, chassis_for, emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def emu(request):  # type: ignore[no-untyped-def]
    async with emulator(request.param) as e:
        yield e


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ch(emu):  # type: ignore[no-untyped-def]
    async with chassis_for(emu) as c:
        yield c
