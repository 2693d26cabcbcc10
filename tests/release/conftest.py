"""Release fixtures: the frozen provider built once per session, its mirrors served over HTTPS.

The build (PyInstaller onedir, ~30-40 s on 2 cores) and the HTTPS mirror are session-scoped;
every terraform run gets its own workspace with a clean environment: PATH holds only a
directory with the terraform binary, so neither the project's virtualenv nor any Python
is reachable by the provider.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from release_helpers import VERSION, Workspace, processes_under

from release import build, mirror, serve


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release")
    return build.release(VERSION, dist=root / "dist", work=root / "work")


@pytest.fixture(scope="session")
def mirror_site(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("mirror")
    info = mirror.layout(release_dir, root / "out")
    httpd, url, ca = serve.start(Path(info["network"]), root / "tls")
    try:
        yield {**info, "url": url, "ca": ca, "port": httpd.server_address[1]}
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def unpacked(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linux zip extracted the way terraform does it (entry modes applied)."""
    return build.unpack(next(release_dir.glob("*.zip")), tmp_path_factory.mktemp("unpacked"))


@pytest.fixture
def ws(tf_bin: str, tmp_path: Path, mirror_site: dict[str, Any]) -> Any:
    w = Workspace(tf_bin, tmp_path, mirror_site)
    yield w
    deadline = time.monotonic() + 5
    while processes_under(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_under(tmp_path) == [], "provider processes left behind"
