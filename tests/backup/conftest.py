"""Fixtures of the backup CLI tests (helpers in ``backup_helpers``: a module name of its own, so
test modules never import another folder's conftest)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from backup_helpers import CliLab

from vessel_core.sim.testing import EmulatorThread


@pytest.fixture(params=["legacy", "modern"])
def cli_lab(request: Any, tmp_path: Path) -> Iterator[CliLab]:
    with EmulatorThread(tmp_path, profile=request.param) as emu:
        yield CliLab(emu, tmp_path)


