"""The checked-in stubs in tfprovider/protocol must match what proto/ generates."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import tfprovider.protocol

PROTOCOL_DIR = Path(tfprovider.protocol.__file__).parent
ROOT = PROTOCOL_DIR.parent.parent


def _check(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfprovider.protogen", "--check", *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_checked_in_stubs_are_current():
    res = _check()
    assert res.returncode == 0, res.stderr


def test_check_detects_stale_and_extra_stubs(tmp_path: Path):
    stale = tmp_path / "protocol"
    shutil.copytree(PROTOCOL_DIR, stale, ignore=shutil.ignore_patterns("__pycache__"))
    target = stale / "tfplugin6_pb2_grpc.py"
    target.write_text(target.read_text().replace("GetProviderSchema", "GetProviderSchemaX", 1))
    (stale / "old_pb2.py").write_text("# left over\n")
    res = _check("--out", str(stale))
    assert res.returncode == 1
    assert "stale: tfplugin6_pb2_grpc.py" in res.stderr
    assert "old_pb2.py" in res.stderr


def test_generated_modules_import_as_a_package():
    from tfprovider.protocol import grpc_controller_pb2_grpc, grpc_stdio_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc

    assert tfplugin6_pb2.DESCRIPTOR.package == "tfplugin6"
    assert hasattr(tfplugin6_pb2_grpc, "ProviderServicer")
    assert hasattr(grpc_controller_pb2_grpc, "GRPCControllerServicer")
    assert hasattr(grpc_stdio_pb2_grpc, "GRPCStdioServicer")
