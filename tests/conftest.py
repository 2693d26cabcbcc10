"""Project-wide test helpers. Area fixtures live in each tests/<area>/conftest.py."""
from __future__ import annotations

import os

import pytest

# this directory is on sys.path (pytest's default "prepend" import mode), so test folders
# import the shared terraform harness as `tfharness`
from tfharness import find_tf_bin  # noqa: F401  (also the tf_bin fixture's lookup)


@pytest.fixture(scope="session")
def tf_bin() -> str:
    path = find_tf_bin()
    if not path or not os.path.exists(path):
        pytest.fail("no terraform/tofu binary: set TF_BIN or put one on PATH")
    return path
