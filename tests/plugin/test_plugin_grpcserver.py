"""The provider's own gRPC server (h2 + ssl) against grpcio's client: statuses, framing,
flow control, cancellation and keepalive pings over AutoMTLS."""
from __future__ import annotations

import json
import signal
import time

import grpc
import pytest
from google.protobuf import empty_pb2
from plugin_helpers import ClientCert, Launched

from tfprovider.plugin.grpcserver import parse_timeout, percent_encode
from tfprovider.protocol import grpc_stdio_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc


def channel(p: Launched, client: ClientCert, *options: tuple[str, object]) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(p.server_cert_pem, client.key_pem, client.cert_pem)
    return grpc.secure_channel(p.target, creds, options=[("grpc.ssl_target_name_override", "localhost"), *options])


def test_percent_encoding_and_timeouts():
    assert percent_encode("plain text: ok") == b"plain text: ok"
    assert percent_encode("100% nö\n") == b"100%25 n%C3%B6%0A"
    assert parse_timeout(b"250m") == pytest.approx(0.25)
    assert parse_timeout(b"3S") == 3.0 and parse_timeout(b"2H") == 7200.0
    assert parse_timeout(b"12") is None and parse_timeout(b"x1S") is None and parse_timeout(b"123456789S") is None


def test_handler_exception_is_unknown_with_message_and_connection_survives(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        with pytest.raises(grpc.RpcError) as err:
            stub.ImportResourceState(tfplugin6_pb2.ImportResourceState.Request(id="zone/ä 100%"), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNKNOWN
        assert err.value.details() == "Unexpected RuntimeError: import failed: zone/ä 100%"
        with pytest.raises(grpc.RpcError) as err:
            stub.ValidateDataResourceConfig(
                tfplugin6_pb2.ValidateDataResourceConfig.Request(type_name="vesseltest_x"), timeout=10)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert err.value.details() == "refused: vesseltest_x"
        assert stub.GetMetadata(tfplugin6_pb2.GetMetadata.Request(), timeout=10) == tfplugin6_pb2.GetMetadata.Response()
    p.proc.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0
    logged = [json.loads(line) for line in p.proc.stderr.read().decode().splitlines() if line.startswith("{")]
    assert any(e["@level"] == "error" and "import failed" in e["@message"] for e in logged), logged


def test_unknown_service_and_method_are_unimplemented(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        for path in ("/no.such.Service/Call", "/tfplugin6.Provider/NoSuchMethod", "/plugin.GRPCBroker/StartStream"):
            call = ch.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
            with pytest.raises(grpc.RpcError) as err:
                call(b"", timeout=10)
            assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED, path


def test_malformed_request_is_internal(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        call = ch.unary_unary("/tfplugin6.Provider/ValidateProviderConfig",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as err:
            call(b"\x0a\xff\xff\xff", timeout=10)  # truncated length-delimited field
        assert err.value.code() == grpc.StatusCode.INTERNAL
        assert "tfplugin6.ValidateProviderConfig.Request" in err.value.details()


def test_compressed_request_is_refused(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        with pytest.raises(grpc.RpcError) as err:
            req = tfplugin6_pb2.ValidateProviderConfig.Request(config=tfplugin6_pb2.DynamicValue(msgpack=b"a" * 4096))
            stub.ValidateProviderConfig(req, timeout=10, compression=grpc.Compression.Gzip)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize("size", [0, 70_000, 20 << 20])
def test_messages_both_ways_with_flow_control(launch, client_cert, size):
    """Beyond the 64 KiB default windows and gRPC's 4 MiB default: echoed byte for byte."""
    p = launch(client_cert)
    blob = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
    with channel(p, client_cert, *opts) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        req = tfplugin6_pb2.ReadResource.Request(current_state=tfplugin6_pb2.DynamicValue(msgpack=blob), private=b"p")
        resp = stub.ReadResource(req, timeout=60)
    assert resp.new_state.msgpack == blob and resp.private == b"p"


def test_concurrent_large_responses_share_the_connection(launch, client_cert):
    from concurrent.futures import ThreadPoolExecutor

    p = launch(client_cert)
    opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
    with channel(p, client_cert, *opts) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)

        def echo(i: int) -> bool:
            blob = bytes([i]) * (3 << 20)
            req = tfplugin6_pb2.ReadResource.Request(current_state=tfplugin6_pb2.DynamicValue(msgpack=blob))
            return stub.ReadResource(req, timeout=60).new_state.msgpack == blob

        with ThreadPoolExecutor(6) as pool:
            assert all(pool.map(echo, range(6)))


def test_client_cancellation_reaches_the_handler(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        stdio = grpc_stdio_pb2_grpc.GRPCStdioStub(ch).StreamStdio(empty_pb2.Empty(), timeout=30)
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        fut = stub.MoveResourceState.future(tfplugin6_pb2.MoveResourceState.Request(source_type_name="vesseltest_a"))
        time.sleep(0.3)
        assert fut.cancel()
        first = next(stdio)
        assert b"cancelled vesseltest_a True" in first.data
        # the connection and the server go on
        assert stub.GetMetadata(tfplugin6_pb2.GetMetadata.Request(), timeout=10) is not None


def test_keepalive_pings_are_answered(launch, client_cert):
    p = launch(client_cert)
    opts = [("grpc.keepalive_time_ms", 100), ("grpc.keepalive_timeout_ms", 2000),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)]
    with channel(p, client_cert, *opts) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        stub.GetMetadata(tfplugin6_pb2.GetMetadata.Request(), timeout=10)
        time.sleep(0.8)  # several pings; an unanswered one would close the connection
        state = ch._channel.check_connectivity_state(False)  # noqa: SLF001 - no public accessor
        assert state == grpc.ChannelConnectivity.READY.value[0]
        stub.GetMetadata(tfplugin6_pb2.GetMetadata.Request(), timeout=10)
    assert p.proc.poll() is None


def test_deadline_ends_the_handler(launch, client_cert):
    p = launch(client_cert)
    with channel(p, client_cert) as ch:
        stdio = grpc_stdio_pb2_grpc.GRPCStdioStub(ch).StreamStdio(empty_pb2.Empty(), timeout=30)
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        t0 = time.monotonic()
        with pytest.raises(grpc.RpcError) as err:
            stub.MoveResourceState(tfplugin6_pb2.MoveResourceState.Request(source_type_name="vesseltest_d"), timeout=0.5)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert b"cancelled vesseltest_d" in next(stdio).data  # the handler did not run on for 30 s
        assert time.monotonic() - t0 < 10
