"""Fixtures for the framework tests: a configured test-provider servicer."""
from __future__ import annotations

from typing import Any

import pytest
from fw_helpers import Harness, dv, pb


@pytest.fixture
async def harness(tmp_path: Any) -> Harness:
    from tests.testprovider.provider import make_servicer

    s = make_servicer()
    pty = s.provider.schema.cty_type
    r = await s.ConfigureProvider(
        pb.ConfigureProvider.Request(config=dv({"device_path": str(tmp_path / "dev.json"), "token": None}, pty)), None
    )
    assert not r.diagnostics
    return Harness(s, str(tmp_path / "dev.json"))
