"""Project-wide test helpers. Area fixtures live in each tests/<area>/conftest.py."""
from __future__ import annotations

import os
import shutil

import pytest


def find_tf_bin() -> str | None:
    """The CLI the end-to-end tests drive: $TF_BIN, else `tofu` on PATH, else `terraform`."""
    env = os.environ.get("TF_BIN")
    if env:
        return shutil.which(env) or env
    return shutil.which("tofu") or shutil.which("terraform")


@pytest.fixture(scope="session")
def tf_bin() -> str:
    path = find_tf_bin()
    if not path or not os.path.exists(path):
        pytest.fail("no terraform/tofu binary: set TF_BIN or put one on PATH")
    return path
