"""The provider process as Terraform sees it: handshake, AutoMTLS, lifecycle, debug mode."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from plugin_helpers import MINI_PROVIDER, plugin_env, read_line

from tfprovider.protocol import grpc_controller_pb2, grpc_controller_pb2_grpc, grpc_stdio_pb2_grpc, tfplugin6_pb2, tfplugin6_pb2_grpc

HANDSHAKE = re.compile(r"^1\|6\|(unix|tcp)\|([^|]+)\|grpc\|([A-Za-z0-9+/]+)$")


def mtls_channel(launched, client) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=launched.server_cert_pem,
        private_key=client.key_pem if client else None,
        certificate_chain=client.cert_pem if client else None,
    )
    return grpc.secure_channel(launched.target, creds, options=[("grpc.ssl_target_name_override", "localhost")])


def health(channel: grpc.Channel, service: str = "plugin") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status


def shutdown(channel: grpc.Channel) -> None:
    grpc_controller_pb2_grpc.GRPCControllerStub(channel).Shutdown(grpc_controller_pb2.Empty(), timeout=10)


def test_handshake_line_format(launch, client_cert):
    p = launch(client_cert)
    assert p.line.endswith("\n") and p.line.count("\n") == 1
    m = HANDSHAKE.match(p.line.strip())
    assert m, p.line
    network, path, cert = m.groups()
    assert network == "unix"
    assert len(cert) > 50 and not cert.endswith("=")
    assert os.path.isabs(path) and len(path.encode()) <= 100
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) & 0o077 == 0, oct(st.st_mode)
    assert os.path.dirname(path) == os.path.abspath(tempfile.gettempdir())


def test_server_certificate(launch, client_cert):
    p = launch(client_cert)
    cert = x509.load_der_x509_certificate(p.server_cert_der)
    now = dt.datetime.now(dt.timezone.utc)
    assert cert.not_valid_before_utc <= now - dt.timedelta(seconds=20)
    assert cert.not_valid_before_utc >= now - dt.timedelta(minutes=5)
    assert cert.not_valid_after_utc >= now + dt.timedelta(days=365 * 20)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.subject == cert.issuer
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


def test_fresh_key_per_process(launch, client_cert):
    a, b = launch(client_cert), launch(client_cert)
    ka = x509.load_der_x509_certificate(a.server_cert_der).public_key().public_numbers()
    kb = x509.load_der_x509_certificate(b.server_cert_der).public_key().public_numbers()
    assert ka != kb
    assert a.address != b.address


def test_right_client_cert_is_served(launch, client_cert):
    p = launch(client_cert)
    with mtls_channel(p, client_cert) as ch:
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING
        resp = tfplugin6_pb2_grpc.ProviderStub(ch).GetProviderSchema(tfplugin6_pb2.GetProviderSchema.Request(), timeout=10)
        assert resp.HasField("provider") and resp.provider.HasField("block")
        with pytest.raises(grpc.RpcError) as err:
            health(ch, "no.such.Service")
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("which", ["none", "other"])
def test_wrong_or_missing_client_cert_is_refused(launch, client_cert, other_client_cert, which):
    p = launch(client_cert)
    client = None if which == "none" else other_client_cert
    with mtls_channel(p, client) as ch:
        with pytest.raises(grpc.RpcError) as err:
            health(ch)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    # and plaintext does not get through either
    with grpc.insecure_channel(p.target) as ch:
        with pytest.raises(grpc.RpcError):
            health(ch)
    assert p.proc.poll() is None


def test_without_cookie_explains_and_exits_1():
    env = plugin_env(None)
    del env["TF_PLUGIN_MAGIC_COOKIE"]
    res = subprocess.run([sys.executable, str(MINI_PROVIDER)], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and "plugin" in lines[0] and "terraform" in lines[0], res.stderr


def test_protocol_6_not_offered_fails_clearly(client_cert):
    env = plugin_env(client_cert, PLUGIN_PROTOCOL_VERSIONS="4,5")
    res = subprocess.run([sys.executable, str(MINI_PROVIDER)], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stdout == ""
    assert "protocol 6" in res.stderr and "4,5" in res.stderr


def test_shutdown_rpc_exits_promptly_and_removes_socket(launch, client_cert):
    p = launch(client_cert)
    with mtls_channel(p, client_cert) as ch:
        from google.protobuf import empty_pb2

        stdio = grpc_stdio_pb2_grpc.GRPCStdioStub(ch).StreamStdio(empty_pb2.Empty())
        t0 = time.monotonic()
        shutdown(ch)
        # go-plugin waits 2 s after Shutdown before killing ("plugin failed to exit gracefully")
        assert p.wait(timeout=1.9) == 0
        print(f"exit {1000 * (time.monotonic() - t0):.0f} ms after Shutdown")
        assert list(stdio) == []  # the stdio stream ended cleanly with the server
    assert not os.path.exists(p.address)


def test_sigint_is_ignored_sigterm_exits_cleanly(launch, client_cert):
    p = launch(client_cert)
    p.proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert p.proc.poll() is None
    with mtls_channel(p, client_cert) as ch:
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING
    p.proc.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0
    assert not os.path.exists(p.address)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to watch an orphan")
def test_exits_when_parent_dies(client_cert):
    relay = (
        "import subprocess, sys\n"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)\n"
        "line = p.stdout.readline().decode().strip()\n"
        "print(p.pid, line, flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", relay, sys.executable, str(MINI_PROVIDER)],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=plugin_env(client_cert))
    try:
        pid_s, line = read_line(parent).split()
        pid = int(pid_s)
        socket_path = line.split("|")[3]
        assert not _gone(pid)
    finally:
        parent.kill()
        parent.wait(10)
        parent.stdout.close()
    deadline = time.monotonic() + 15
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not _gone(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("provider outlived its parent")
    assert not os.path.exists(socket_path)


def test_debug_mode_prints_reattach_config(launch):
    env = plugin_env(None)
    del env["TF_PLUGIN_MAGIC_COOKIE"]
    env["VESSELTEST_ADDRESS"] = "registry.terraform.io/popsolutions/vesseltest"
    p = launch(None, "--debug", env=env)
    text = p.line
    while "fish:" not in text:
        text += read_line(p.proc)
    m = re.search(r"export TF_REATTACH_PROVIDERS=(.*)$", text, re.MULTILINE)
    assert m, text
    (value,) = shlex.split(m.group(1))  # what bash would export
    conf = json.loads(value)
    entry = conf["registry.terraform.io/popsolutions/vesseltest"]
    assert entry["Protocol"] == "grpc" and entry["ProtocolVersion"] == 6 and entry["Test"] is True
    assert entry["Pid"] == p.proc.pid
    assert entry["Addr"]["Network"] == "unix" and os.path.isabs(entry["Addr"]["String"])
    fish = re.search(r"set -x TF_REATTACH_PROVIDERS '(.*)'$", text, re.MULTILINE)
    assert fish and json.loads(fish.group(1).replace("\\'", "'").replace("\\\\", "\\")) == conf
    with grpc.insecure_channel("unix:" + entry["Addr"]["String"]) as ch:  # no TLS in debug mode
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING
    p.proc.send_signal(signal.SIGINT)  # a person stops it with Ctrl-C
    assert p.wait(timeout=10) == 0
    assert not os.path.exists(entry["Addr"]["String"])


def test_tcp_transport_in_port_range(launch, client_cert):
    import random

    lo = random.randint(20000, 24000)
    env = plugin_env(client_cert, VESSEL_PLUGIN_TRANSPORT="tcp", PLUGIN_MIN_PORT=str(lo), PLUGIN_MAX_PORT=str(lo + 50))
    p = launch(client_cert, env=env)
    assert p.network == "tcp"
    host, port = p.address.rsplit(":", 1)
    assert host == "127.0.0.1" and lo <= int(port) <= lo + 50
    with mtls_channel(p, client_cert) as ch:
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING


def test_socket_dir_and_large_messages(launch, client_cert, tmp_path):
    sock_dir = tmp_path / "s"
    sock_dir.mkdir()
    env = plugin_env(client_cert, PLUGIN_UNIX_SOCKET_DIR=str(sock_dir))
    p = launch(client_cert, env=env)
    assert os.path.dirname(p.address) == str(sock_dir)
    big = tfplugin6_pb2.DynamicValue(msgpack=b"\x00" * (20 << 20))  # beyond gRPC's 4 MiB default
    opts = [("grpc.max_send_message_length", 64 << 20), ("grpc.ssl_target_name_override", "localhost")]
    creds = grpc.ssl_channel_credentials(p.server_cert_pem, client_cert.key_pem, client_cert.cert_pem)
    with grpc.secure_channel(p.target, creds, options=opts) as ch:
        resp = tfplugin6_pb2_grpc.ProviderStub(ch).ValidateProviderConfig(
            tfplugin6_pb2.ValidateProviderConfig.Request(config=big), timeout=30)
        assert list(resp.diagnostics) == []
        shutdown(ch)
    assert p.wait(timeout=10) == 0
    assert list(sock_dir.iterdir()) == []


def test_unimplemented_rpcs_answer_unimplemented(launch, client_cert):
    p = launch(client_cert)
    with mtls_channel(p, client_cert) as ch:
        with pytest.raises(grpc.RpcError) as err:
            tfplugin6_pb2_grpc.ProviderStub(ch).GetResourceIdentitySchemas(
                tfplugin6_pb2.GetResourceIdentitySchemas.Request(), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_concurrent_rpcs_for_parallelism_10(launch, client_cert):
    """Terraform's default -parallelism=10: ten RPCs must be in flight at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    p = launch(client_cert)
    with mtls_channel(p, client_cert) as ch:
        stub = tfplugin6_pb2_grpc.ProviderStub(ch)
        req = tfplugin6_pb2.ReadDataSource.Request(type_name="vesseltest_probe_10")
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda _: stub.ReadDataSource(req, timeout=60), range(10)))
    summaries = {r.diagnostics[0].summary for r in results}
    assert summaries == {"peak 10"}, summaries


def test_stdout_after_handshake_goes_to_stdio_stream(launch, client_cert):
    from google.protobuf import empty_pb2

    from tfprovider.protocol import grpc_stdio_pb2

    p = launch(client_cert)
    with mtls_channel(p, client_cert) as ch:
        stream = grpc_stdio_pb2_grpc.GRPCStdioStub(ch).StreamStdio(empty_pb2.Empty(), timeout=30)
        tfplugin6_pb2_grpc.ProviderStub(ch).GetMetadata(tfplugin6_pb2.GetMetadata.Request(), timeout=10)
        first = next(stream)
        assert first.channel == grpc_stdio_pb2.StdioData.STDOUT
        assert b"stray output from provider code" in first.data
        shutdown(ch)
    assert p.wait(timeout=10) == 0
    assert p.proc.stdout.read() == b""  # nothing after the handshake line on the real stdout


def test_single_socket_and_group_is_honoured(launch, client_cert, tmp_path):
    sock_dir = tmp_path / "s"
    sock_dir.mkdir()
    gid = os.getgid()
    env = plugin_env(client_cert, PLUGIN_UNIX_SOCKET_DIR=str(sock_dir), PLUGIN_UNIX_SOCKET_GROUP=str(gid))
    p = launch(client_cert, env=env)
    st = os.stat(p.address)
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == gid
    with mtls_channel(p, client_cert) as ch:
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING
    # TLS terminates in the gRPC server itself: no second (plaintext) socket anywhere
    assert [e.name for e in sock_dir.iterdir()] == [os.path.basename(p.address)]
    p.proc.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0
    assert list(sock_dir.iterdir()) == []


def test_unknown_group_fails_clearly(client_cert, tmp_path):
    env = plugin_env(client_cert, PLUGIN_UNIX_SOCKET_DIR=str(tmp_path), PLUGIN_UNIX_SOCKET_GROUP="no-such-group-x")
    res = subprocess.run([sys.executable, str(MINI_PROVIDER)], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and res.stdout == ""
    assert "PLUGIN_UNIX_SOCKET_GROUP" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_plaintext_when_no_client_cert(launch):
    """TF_DISABLE_PLUGIN_TLS: Terraform sends no PLUGIN_CLIENT_CERT and expects plaintext."""
    p = launch(None)
    assert len(p.fields) == 5 or p.fields[5] == "", p.line
    assert p.fields[:3] == ["1", "6", "unix"]
    with grpc.insecure_channel(p.target) as ch:
        assert health(ch) == health_pb2.HealthCheckResponse.SERVING
        shutdown(ch)
    assert p.wait(timeout=10) == 0


def test_garbage_client_cert_fails_before_handshake(tmp_path):
    env = plugin_env(None, PLUGIN_CLIENT_CERT="not a certificate", PLUGIN_UNIX_SOCKET_DIR=str(tmp_path))
    res = subprocess.run([sys.executable, str(MINI_PROVIDER)], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and res.stdout == ""
    assert "PLUGIN_CLIENT_CERT" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_servicer_factory_crash_is_reported_as_hclog_error(client_cert, tmp_path):
    env = plugin_env(client_cert, VESSELTEST_CRASH="1", PLUGIN_UNIX_SOCKET_DIR=str(tmp_path))
    res = subprocess.run([sys.executable, str(MINI_PROVIDER)], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stdout.startswith("1|6|unix|")  # it had announced itself already
    errors = [json.loads(line) for line in res.stderr.splitlines() if line.startswith("{")]
    assert any(e["@level"] == "error" and "schema build failed" in e["@message"] for e in errors), res.stderr
    assert list(tmp_path.iterdir()) == []
