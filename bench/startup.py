"""Provider start-up: median time from exec to the go-plugin handshake line.

Terraform starts the provider 3 times per plan and 4 times per apply, so this is paid on
every command. Runs the real entry point (console script ``terraform-provider-vessel``)
with AutoMTLS on (PLUGIN_CLIENT_CERT = a fresh P-521 client certificate, as Terraform
sends) and compares with ``python -c pass`` measured in the same run. Prints figures only.
"""
from __future__ import annotations

import os
import selectors
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from tfharness import client_identity, terminate  # noqa: E402

RUNS = 20
COOKIE = ("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")


def entry_point() -> list[str]:
    script = Path(sys.executable).parent / "terraform-provider-vessel"
    if script.exists():
        return [str(script)]
    found = shutil.which("terraform-provider-vessel")
    return [found] if found else [sys.executable, "-m", "tfprovider.main"]


def _server_cert_pem(line: bytes) -> bytes:
    import base64
    import textwrap

    b64 = line.decode().strip().split("|")[5]
    der = base64.b64decode(b64 + "=" * (-len(b64) % 4))
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()


def time_to_serving(cmd: list[str], env: dict[str, str], client: tuple[bytes, bytes]) -> tuple[float, float]:
    """(exec -> handshake line, exec -> first RPC answered over mTLS: health check "plugin")."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    try:
        while b"\n" not in buf:
            if not sel.select(60):
                raise SystemExit("no handshake line within 60 s")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise SystemExit(f"provider exited before the handshake (rc={proc.wait()})")
            buf += chunk
        handshake = time.perf_counter() - t0
        if not buf.startswith(b"1|6|unix|"):
            raise SystemExit(f"unexpected handshake line {buf[:80]!r}")
        creds = grpc.ssl_channel_credentials(_server_cert_pem(buf), client[0], client[1])
        target = "unix:" + buf.decode().split("|")[3]
        with grpc.secure_channel(target, creds, options=[("grpc.ssl_target_name_override", "localhost")]) as ch:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service="plugin"),
                                                         timeout=60, wait_for_ready=True).status
        serving = time.perf_counter() - t0
        if status != health_pb2.HealthCheckResponse.SERVING:
            raise SystemExit(f"health status {status}")
    finally:
        sel.close()
        terminate(proc, 10)
        proc.stdout.close()
    return handshake, serving


def time_to_exit(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - t0


def _fmt(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.1f} ms "
            f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")


def main() -> None:
    client = client_identity()
    # an installed provider runs from compiled .pyc files; let the warm-up run write them
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_", "PLUGIN_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env[COOKIE[0]] = COOKIE[1]
    env["PLUGIN_PROTOCOL_VERSIONS"] = "5,6"
    env["PLUGIN_CLIENT_CERT"] = client[1].decode()
    cmd = entry_point()
    baseline_cmd = [sys.executable, "-c", "pass"]
    # the process layer alone: a provider whose servicer imports nothing but protobuf stubs
    layer_cmd = [sys.executable, str(REPO / "tests" / "plugin" / "mini_provider.py")]
    time_to_serving(cmd, env, client)  # warm the page cache and .pyc files
    time_to_serving(layer_cmd, env, client)
    time_to_exit(baseline_cmd, env)
    handshake, serving, baseline, layer = [], [], [], []
    for _ in range(RUNS):  # interleaved so both see the same machine load
        h, s = time_to_serving(cmd, env, client)
        handshake.append(h)
        serving.append(s)
        layer.append(time_to_serving(layer_cmd, env, client)[1])
        baseline.append(time_to_exit(baseline_cmd, env))
    b_ms = statistics.median(baseline)
    print(f"runs: {RUNS}, entry point: {Path(cmd[-1]).name}, AutoMTLS with a P-521 client certificate")
    print(f"exec -> handshake line:            {_fmt(handshake)}")
    print(f"exec -> first RPC answered (mTLS): {_fmt(serving)}")
    print(f"python -c pass:                    {_fmt(baseline)}")
    print(f"ratio handshake / python -c pass:  {statistics.median(handshake) / b_ms:.2f}x")
    print(f"ratio first RPC / python -c pass:  {statistics.median(serving) / b_ms:.2f}x")
    print(f"process layer only (mini provider) exec -> first RPC: {_fmt(layer)}; the rest of the "
          f"entry point's time is its servicer (vessel resources): "
          f"{(statistics.median(serving) - statistics.median(layer)) * 1000:.1f} ms")
    released_section(client, env)


# --- released executable (release/build.py) next to the development entry point --------------
# The executable users install is frozen by PyInstaller (onedir). It is taken from
# VESSEL_RELEASED_EXE, else the newest zip in dist/release/*/ when it is newer than the sources,
# else built into a temp dir.

def released_executable(tmp: Path) -> tuple[list[str], str]:
    exe = os.environ.get("VESSEL_RELEASED_EXE")
    if exe:
        return [exe], exe
    sys.path.insert(0, str(REPO))
    from release import build

    zips = sorted((REPO / "dist" / "release").glob(f"*/terraform-provider-vessel_*_{build.build_platform()}.zip"),
                  key=lambda p: p.stat().st_mtime)
    newest_source = max(p.stat().st_mtime for pkg in ("tfprovider", "vessel_core") for p in (REPO / pkg).rglob("*.py"))
    if zips and zips[-1].stat().st_mtime > newest_source:  # a zip older than the sources is stale
        zip_path = zips[-1]
    else:
        out = build.release("0.0.0-bench", dist=tmp / "dist", work=tmp / "work")
        zip_path = next(out.glob("*.zip"))
    pkg = build.unpack(zip_path, tmp / "unpacked")
    found = sorted(p for p in pkg.iterdir() if p.name.startswith("terraform-provider-vessel") and p.is_file())
    return [str(found[0])], zip_path.name


def released_section(client: tuple[bytes, bytes], env: dict[str, str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vessel-startup-") as tmp:
        released, origin = released_executable(Path(tmp))
        dev = entry_point()
        time_to_serving(released, env, client)  # warm the page cache
        res = {"dev": ([], []), "released": ([], [])}
        for _ in range(RUNS):  # interleaved
            for name, cmd in (("dev", dev), ("released", released)):
                h, s = time_to_serving(cmd, env, client)
                res[name][0].append(h)
                res[name][1].append(s)
    print()
    print(f"released executable ({origin}) vs development entry point, {RUNS} runs each, interleaved:")
    print(f"{'':34} {'development':>12} {'released':>12} {'ratio':>7}")
    for label, i in (("exec -> handshake line", 0), ("exec -> first RPC answered (mTLS)", 1)):
        d, r = statistics.median(res["dev"][i]), statistics.median(res["released"][i])
        print(f"{label:34} {d * 1000:9.1f} ms {r * 1000:9.1f} ms {r / d:6.2f}x")


if __name__ == "__main__":
    main()
