"""The real provider process, driven over its mTLS gRPC socket by a plain grpcio client with the
malformed and unexpected requests of ``tests/framework/test_malformed_rpcs.py`` (unknown type
names, bytes that are not msgpack, wrong-typed values, missing fields, odd IDs), unary and
server-streaming RPCs alike: every call completes with status OK and error diagnostics, never
a gRPC error, a crash or a hang, and the process still serves afterwards."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import grpc
import pytest
from plugin_helpers import plugin_env
from test_plugin_server import health, mtls_channel

from tfprovider.protocol import tfplugin6_pb2 as pb
from tfprovider.protocol import tfplugin6_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("malformed", REPO / "tests" / "framework" / "test_malformed_rpcs.py")
assert _spec is not None and _spec.loader is not None
malformed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(malformed)
NO_INPUT = ("GetProviderSchema", "GetMetadata", "GetResourceIdentitySchemas", "GetFunctions")


def _errors(diags) -> bool:  # noqa: ANN001
    return any(d.severity == pb.Diagnostic.ERROR for d in diags) and all(
        d.summary != "Unexpected Provider Error" for d in diags)


@pytest.mark.timeout(120)
def test_every_rpc_answers_malformed_requests_over_grpc(launch, client_cert):
    env = plugin_env(client_cert, PYTHONPATH=str(REPO))
    p = launch(client_cert, script=REPO / "tfprovider" / "main.py", env=env)
    with mtls_channel(p, client_cert) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        calls = 0
        for name in malformed.RPCS:
            for request in malformed._requests(name):
                response = getattr(stub, name)(request, timeout=10)   # raises on any non-OK status
                calls += 1
                if name in NO_INPUT or request.ByteSize() == 0:
                    continue
                if name == "CallFunction":
                    assert not request.name or response.error.text, request
                    continue
                assert _errors(response.diagnostics), (name, request)
        for name in malformed.STREAMS:
            for request in malformed._requests(name):
                events = list(getattr(stub, name)(request, timeout=10))
                calls += 1
                last = events[-1]
                diags = last.diagnostic if name == "ListResource" else last.completed.diagnostics
                assert _errors(diags), (name, request)
        assert calls > 100
        assert health(ch) == 1                                       # still SERVING
    with pytest.raises(grpc.RpcError):
        with mtls_channel(p, None) as bad:                           # and mTLS still refuses strangers
            tfplugin6_pb2_grpc.ProviderStub(bad).GetMetadata(pb.GetMetadata.Request(), timeout=5)
