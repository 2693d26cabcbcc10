"""The released executable: artifacts, clean-environment handshake, installs through mirrors."""
from __future__ import annotations

import base64
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from release_helpers import ADDRESS, COOKIE, REPO, VERSION
from tfharness import client_identity, terminate

from release import build, hashes
from release.build import NAME

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
PLAT = build.build_platform()


def test_artifacts_are_complete_and_signed(release_dir: Path, tmp_path: Path):
    names = sorted(p.name for p in release_dir.iterdir())
    assert names == sorted([f"{NAME}_{VERSION}_{PLAT}.zip", f"{NAME}_{VERSION}_SHA256SUMS",
                            f"{NAME}_{VERSION}_SHA256SUMS.sig", f"{NAME}_{VERSION}_manifest.json", "signing-key.asc"])
    manifest = release_dir / f"{NAME}_{VERSION}_manifest.json"
    assert manifest.read_bytes() == (REPO / "registry-manifest.json").read_bytes()
    sums = (release_dir / f"{NAME}_{VERSION}_SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in sums}
    assert set(listed) == {f"{NAME}_{VERSION}_{PLAT}.zip", manifest.name}
    for name, digest in listed.items():
        assert hashes.sha256_file(release_dir / name) == digest

    # the detached binary signature verifies with the published public key (gpgv: no agent)
    keyring = tmp_path / "key.gpg"
    subprocess.run(["gpg", "--batch", "--dearmor", "--output", str(keyring), str(release_dir / "signing-key.asc")],
                   check=True, capture_output=True)
    sig = release_dir / f"{NAME}_{VERSION}_SHA256SUMS.sig"
    assert sig.read_bytes()[:1] != b"-"  # binary, not armoured
    ok = subprocess.run(["gpgv", "--keyring", str(keyring), str(sig), str(release_dir / f"{NAME}_{VERSION}_SHA256SUMS")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    tampered = tmp_path / "SUMS"
    tampered.write_text("\n".join(sums).replace(sums[0][:8], "00000000") + "\n")
    bad = subprocess.run(["gpgv", "--keyring", str(keyring), str(sig), str(tampered)], capture_output=True, text=True)
    assert bad.returncode != 0 and "BAD signature" in bad.stderr


def test_zip_keeps_modes_and_h1_covers_every_file(release_dir: Path, unpacked: Path):
    z = release_dir / f"{NAME}_{VERSION}_{PLAT}.zip"
    with zipfile.ZipFile(z) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    exe = f"{NAME}_v{VERSION}"
    assert (infos[exe].external_attr >> 16) == 0o100755 and infos[exe].create_system == 3
    support = [n for n in infos if "/" in n]
    assert support, "onedir bundle: the support folder travels inside the zip"
    assert all((i.external_attr >> 16) & 0o170000 == 0o100000 for i in infos.values()), "regular files only"
    # h1: is the same whether computed on the zip or on the extracted tree, and changes with any file
    assert hashes.h1_zip(z) == hashes.h1_dir(unpacked)
    victim = unpacked / support[0]
    original = victim.read_bytes()
    try:
        victim.write_bytes(original + b"x")
        assert hashes.h1_dir(unpacked) != hashes.h1_zip(z)
    finally:
        victim.write_bytes(original)


def test_registry_manifest_matches_served_protocol():
    from tfprovider.plugin.server import APP_PROTOCOL_VERSION

    doc = json.loads((REPO / "registry-manifest.json").read_text())
    assert doc == {"version": 1, "metadata": {"protocol_versions": [f"{APP_PROTOCOL_VERSION}.0"]}}
    assert build.load_manifest() == doc


def test_bad_version_is_refused(tmp_path: Path):
    with pytest.raises(build.BuildError, match="VERSION='v1.0'"):
        build.release("v1.0", dist=tmp_path / "d", work=tmp_path / "w")


def _read_line(proc: subprocess.Popen, timeout: float = 60) -> bytes:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    try:
        while b"\n" not in buf:
            assert sel.select(timeout), "no handshake line within 60 s"
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, f"provider exited before the handshake: rc={proc.wait()} {proc.stderr.read()!r}"
            buf += chunk
    finally:
        sel.close()
    return buf


def test_clean_environment_handshake_and_schema(unpacked: Path):
    """`env -i` + the variables Terraform sets: handshake, mTLS schema call, graceful shutdown."""
    import grpc

    from tfprovider.protocol import grpc_controller_pb2, grpc_controller_pb2_grpc
    from tfprovider.protocol import tfplugin6_pb2 as pb
    from tfprovider.protocol import tfplugin6_pb2_grpc as pb_grpc

    key, cert = client_identity()
    exe = unpacked / f"{NAME}_v{VERSION}"
    cmd = ["/usr/bin/env", "-i", f"{COOKIE[0]}={COOKIE[1]}", "PLUGIN_PROTOCOL_VERSIONS=5,6",
           f"PLUGIN_CLIENT_CERT={cert.decode()}", str(exe)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = _read_line(proc).decode()
        core, app, network, address, protocol, server_cert = line.strip().split("|")
        assert (core, app, network, protocol) == ("1", "6", "unix", "grpc") and os.path.exists(address)
        assert "=" not in server_cert and len(server_cert) > 50
        der = base64.b64decode(server_cert + "=" * (-len(server_cert) % 4))
        body = "\n".join(re.findall(".{1,64}", base64.b64encode(der).decode()))
        server_pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()
        creds = grpc.ssl_channel_credentials(server_pem, key, cert)
        with grpc.secure_channel("unix:" + address, creds,
                                 options=[("grpc.ssl_target_name_override", "localhost")]) as ch:
            schema = pb_grpc.ProviderStub(ch).GetProviderSchema(pb.GetProviderSchema.Request(), timeout=60)
            assert not [d.summary for d in schema.diagnostics]
            attrs = {a.name for a in schema.provider.block.attributes}
            assert {"endpoint", "username", "password", "cert_fingerprint"} <= attrs
            from tfprovider.vessel.provider import VesselProvider

            live = VesselProvider()
            assert set(schema.resource_schemas) == {r.type_name for r in live.resources}
            assert set(schema.data_source_schemas) == {d.type_name for d in live.data_sources}
            grpc_controller_pb2_grpc.GRPCControllerStub(ch).Shutdown(grpc_controller_pb2.Empty(), timeout=10)
        assert proc.wait(10) == 0
        assert not os.path.exists(address), "unix socket removed on exit"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_clean_environment_without_cookie_refuses(unpacked: Path):
    p = subprocess.run(["/usr/bin/env", "-i", str(unpacked / f"{NAME}_v{VERSION}")], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and p.stdout == "" and "plugin" in p.stderr


PROVIDER_ONLY = """
provider "vessel" {
  endpoint = "127.0.0.1:9"
}
output "ok" { value = "installed" }
"""


def test_network_mirror_install_lock_and_reinstall(ws, mirror_site):
    ws.use_network_mirror()
    ws.write(PROVIDER_ONLY)
    out = ws.tf("init").stdout
    assert f"Installed {ADDRESS.split('/', 1)[1]} v{VERSION} (verified checksum)" in out
    zip_path = Path(mirror_site["network"]) / "providers" / ADDRESS / f"{NAME}_{VERSION}_{PLAT}.zip"
    assert ws.lock_hashes() == [hashes.h1_zip(zip_path)]
    installed = ws.installed()
    assert (installed / "_internal").is_dir(), "subfolders of the zip are extracted"
    assert hashes.h1_dir(installed) == hashes.h1_zip(zip_path)

    # a fresh .terraform verifies the mirror's archive against the lock file
    shutil.rmtree(ws.dir / ".terraform")
    ws.tf("init")
    assert ws.lock_hashes() == [hashes.h1_zip(zip_path)]

    # a lock file that pins other content makes init fail
    shutil.rmtree(ws.dir / ".terraform")
    lock = ws.dir / ".terraform.lock.hcl"
    lock.write_text(lock.read_text().replace(hashes.h1_zip(zip_path), "h1:" + "A" * 43 + "="))
    bad = ws.tf("init", expect=1)
    assert "doesn't match any of the checksums" in bad.stderr.replace("\n", " ") or "checksum" in bad.stderr


def test_registry_protocol_install_records_zh_and_h1(ws, mirror_site, release_dir):
    host = ws.use_registry()
    source = f"{host}/popsolutions/vessel"
    ws.write(PROVIDER_ONLY, source=source)
    out = ws.tf("init").stdout
    assert f"Installed {source} v{VERSION} (self-signed, key ID" in out
    zip_path = release_dir / f"{NAME}_{VERSION}_{PLAT}.zip"
    locked = ws.lock_hashes()
    assert hashes.zh(zip_path) in locked and hashes.h1_zip(zip_path) in locked
    shutil.rmtree(ws.dir / ".terraform")
    ws.tf("init")
    assert set(ws.lock_hashes()) == set(locked)


def test_filesystem_mirror_packed_install(ws):
    ws.use_filesystem_mirror()
    ws.write(PROVIDER_ONLY)
    ws.tf("init")
    assert os.access(ws.installed() / f"{NAME}_v{VERSION}", os.X_OK)
    assert ws.tf("apply", "-auto-approve").stdout.count("installed") >= 1


@pytest.fixture
def emulator(tmp_path: Path):
    """The emulated chassis (run from the project's virtualenv; only the provider must do without it)."""
    sim = Path(sys.executable).parent / "vessel-sim"
    proc = subprocess.Popen([str(sim), "--state", str(tmp_path / "sim"), "--fast"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        info = json.loads(_read_line(proc, 60))
        yield info
    finally:
        terminate(proc, 15)
        proc.stdout.close()


def test_plan_and_apply_with_released_provider_against_emulator(ws, emulator):
    ws.use_network_mirror()
    hmm = emulator["hmm"]
    ws.write(f"""
        provider "vessel" {{
          endpoint = "{hmm['url']}"
          username = "{hmm['username']}"
          ca_cert  = "{emulator['ca_cert']}"
        }}

        data "vessel_kvm_screenshot" "blade1" {{
          slot = 1
        }}

        output "screen" {{
          value = "${{data.vessel_kvm_screenshot.blade1.width}}x${{data.vessel_kvm_screenshot.blade1.height}}"
        }}
        output "png_sha256" {{ value = data.vessel_kvm_screenshot.blade1.sha256 }}
        output "vlans" {{ value = provider::vessel::vlan_range("10-12,30") }}
        """)
    ws.tf("init")
    secret = {"VESSEL_PASSWORD": hmm["password"]}
    plan = ws.tf("plan", env=secret)
    assert "screen" in plan.stdout and hmm["password"] not in plan.stdout + plan.stderr
    ws.tf("apply", "-auto-approve", env=secret)
    outputs = json.loads(ws.tf("output", "-json").stdout)
    assert re.fullmatch(r"\d+x\d+", outputs["screen"]["value"]) and outputs["screen"]["value"] != "0x0"
    assert re.fullmatch(r"[0-9a-f]{64}", outputs["png_sha256"]["value"])
    assert outputs["vlans"]["value"] == [10, 11, 12, 30]
