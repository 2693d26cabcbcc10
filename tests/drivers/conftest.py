"""Fixtures for driver tests (doubles live in driver_fakes.py)."""
from __future__ import annotations

import pytest
from driver_fakes import FakeHmmWeb, FakeRedfish, SleepRecorder


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fake_redfish() -> FakeRedfish:
    return FakeRedfish()


@pytest.fixture
def fake_hmm() -> FakeHmmWeb:
    return FakeHmmWeb()
