"""Fixtures for the provider process layer: client certificates and launched providers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from plugin_helpers import MINI_PROVIDER, ClientCert, Launched, plugin_env, read_line
from tfharness import terminate


@pytest.fixture(scope="session")
def client_cert() -> ClientCert:
    return ClientCert.generate()


@pytest.fixture(scope="session")
def other_client_cert() -> ClientCert:
    return ClientCert.generate()


@pytest.fixture
def launch():
    """Start mini_provider.py (or another script); everything started is reaped at teardown."""
    procs: list[subprocess.Popen] = []

    def _launch(client: ClientCert | None, *args: str, script: Path = MINI_PROVIDER, env: dict | None = None,
                **popen_kw) -> Launched:
        proc = subprocess.Popen([sys.executable, str(script), *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env if env is not None else plugin_env(client), **popen_kw)
        procs.append(proc)
        line = read_line(proc)
        return Launched(proc, line, line.strip().split("|"))

    yield _launch
    for proc in procs:
        terminate(proc, 5)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
