"""Server-side CPU per RPC: the provider's gRPC server (h2 + ssl, AutoMTLS) versus grpc.aio.

Both serve the same trivial handler (tests/plugin/mini_provider.py, ValidateProviderConfig
with a 300-byte DynamicValue) to a grpcio client keeping 10 calls in flight, as Terraform
does with -parallelism=10. The baseline, measured in the same run, is grpc.aio over a
plaintext unix socket (no TLS at all, so it is favoured). CPU time is read from
/proc/<pid>/stat of the server process. Prints figures only.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "plugin"), str(REPO / "tests")]
from plugin_helpers import MINI_PROVIDER, ClientCert, Launched, plugin_env, read_line  # noqa: E402

CALLS = 3000
ROUNDS = 3
IN_FLIGHT = 10

GRPC_AIO_SERVER = """
import asyncio, sys
import grpc
sys.path.insert(0, {plugin_dir!r})
from mini_provider import make_servicer
from tfprovider.protocol import tfplugin6_pb2 as pb

async def main():
    servicer = make_servicer()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("tfplugin6.Provider", {{
        "ValidateProviderConfig": grpc.unary_unary_rpc_method_handler(
            servicer.ValidateProviderConfig,
            request_deserializer=pb.ValidateProviderConfig.Request.FromString,
            response_serializer=pb.ValidateProviderConfig.Response.SerializeToString),
    }})])
    server.add_insecure_port("unix:" + {path!r})
    await server.start()
    print("ready", flush=True)
    await server.wait_for_termination()

asyncio.run(main())
"""


def _cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drive(channel, pid: int) -> tuple[float, float]:
    """(server CPU seconds per call, wall seconds per call)."""
    from tfprovider.protocol import tfplugin6_pb2, tfplugin6_pb2_grpc

    stub = tfplugin6_pb2_grpc.ProviderStub(channel)
    req = tfplugin6_pb2.ValidateProviderConfig.Request(config=tfplugin6_pb2.DynamicValue(msgpack=b"\x80" * 300))
    for _ in range(200):  # warm-up
        stub.ValidateProviderConfig(req, timeout=30)
    c0, t0 = _cpu(pid), time.perf_counter()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        list(pool.map(lambda _: [stub.ValidateProviderConfig(req, timeout=30) for _ in range(CALLS // IN_FLIGHT)],
                      range(IN_FLIGHT)))
    return (_cpu(pid) - c0) / CALLS, (time.perf_counter() - t0) / CALLS


def ours(client: ClientCert) -> tuple[float, float]:
    import grpc

    env = plugin_env(client)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.Popen([sys.executable, str(MINI_PROVIDER)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        line = read_line(proc)
        p = Launched(proc, line, line.strip().split("|"))
        creds = grpc.ssl_channel_credentials(p.server_cert_pem, client.key_pem, client.cert_pem)
        with grpc.secure_channel(p.target, creds, options=[("grpc.ssl_target_name_override", "localhost")]) as ch:
            return _drive(ch, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def grpc_aio() -> tuple[float, float]:
    import grpc

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s")
        code = GRPC_AIO_SERVER.format(plugin_dir=str(MINI_PROVIDER.parent), path=path)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env)
        try:
            read_line(proc)
            with grpc.insecure_channel("unix:" + path) as ch:
                return _drive(ch, proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
            proc.stdout.close()


def main() -> None:
    if not os.path.isdir("/proc"):
        sys.exit("needs /proc to read the server's CPU time")
    client = ClientCert.generate()
    results: dict[str, list[tuple[float, float]]] = {"ours": [], "grpc.aio": []}
    for _ in range(ROUNDS):  # interleaved so both see the same machine load
        results["ours"].append(ours(client))
        results["grpc.aio"].append(grpc_aio())
    cpu = {k: statistics.median(c for c, _ in v) for k, v in results.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in results.items()}
    print(f"{CALLS} unary RPCs, {IN_FLIGHT} in flight, median of {ROUNDS} rounds")
    print(f"  provider server (h2 + ssl, mTLS):  server CPU {cpu['ours'] * 1e6:6.0f} us/RPC, "
          f"wall {wall['ours'] * 1e6:6.0f} us/RPC")
    print(f"  grpc.aio (plaintext, baseline):    server CPU {cpu['grpc.aio'] * 1e6:6.0f} us/RPC, "
          f"wall {wall['grpc.aio'] * 1e6:6.0f} us/RPC")
    print(f"  ratio server CPU ours / grpc.aio:  {cpu['ours'] / cpu['grpc.aio']:.2f}")


if __name__ == "__main__":
    main()
