"""Harness for tests and benches that drive the real terraform/tofu binary.

Importable as ``tfharness`` from every test folder (tests/conftest.py puts tests/ on sys.path)
and from bench scripts that add tests/ to sys.path. Imports nothing outside the standard
library at module level, so standalone scripts can use it.

- :func:`write_dev_overrides`: a launcher script plus a CLI config pointing terraform at it.
- :func:`tf_env`: the environment for a terraform run (no leaking TF_LOG, reattach, handshake).
- :func:`run_tf`: run one terraform command, check its exit code.
- :func:`pids_with_env_mark` / :func:`pids_matching`: find processes (providers left behind).
- :class:`TfWorkspace`: the common part of the end-to-end workspaces.
- :func:`client_identity`, :func:`terminate`: go-plugin client certificate, process clean-up.
"""
from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, Sequence

# subcommands that take no -no-color flag (state takes its flags after the sub-subcommand)
_NO_FLAGS = ("output", "providers", "version", "state")
_INPUT_FALSE = ("init", "plan", "apply", "destroy", "import", "refresh")


def find_tf_bin() -> str | None:
    """The CLI the end-to-end tests drive: $TF_BIN, else `tofu` on PATH, else `terraform`."""
    env = os.environ.get("TF_BIN")
    if env:
        return shutil.which(env) or env
    return shutil.which("tofu") or shutil.which("terraform")


def required_providers(**sources: str) -> str:
    """A ``terraform`` block requiring each ``local name = source address``."""
    lines = "".join(f'    {name} = {{ source = "{source}" }}\n' for name, source in sources.items())
    return f"\nterraform {{\n  required_providers {{\n{lines}  }}\n}}\n"


def write_launcher(path: Path, argv: Sequence[str]) -> Path:
    """An executable shell script that ``exec``s ``argv`` with terraform's arguments: the
    process is terraform's own child (signals, exit, no orphaned grandchild)."""
    path.write_text(f'#!/bin/sh\nexec {shlex.join(str(a) for a in argv)} "$@"\n')
    path.chmod(0o755)
    return path


def dev_overrides_config(address: str, bin_dir: Path) -> str:
    """CLI config text: ``address`` comes from the launcher in ``bin_dir``, the rest is direct."""
    return f'provider_installation {{\n  dev_overrides {{ "{address}" = "{bin_dir}" }}\n  direct {{}}\n}}\n'


def write_dev_overrides(root: Path, address: str, launcher_argv: Sequence[str]) -> tuple[Path, Path]:
    """Create ``root/bin/terraform-provider-<type>`` running ``launcher_argv`` and
    ``root/cli.tfrc`` with a dev_overrides block for ``address``; returns (cli config, bin dir)."""
    bin_dir = root / "bin"
    bin_dir.mkdir()
    write_launcher(bin_dir / f"terraform-provider-{address.rsplit('/', 1)[-1]}", launcher_argv)
    cli_config = root / "cli.tfrc"
    cli_config.write_text(dev_overrides_config(address, bin_dir))
    return cli_config, bin_dir


def tf_env(cli_config: Path, *, drop: tuple[str, ...] = ("TF_", "PLUGIN_"), **extra: str) -> dict[str, str]:
    """``os.environ`` without the variables whose names start with one of ``drop`` (an outer
    TF_LOG, TF_REATTACH_PROVIDERS or plugin handshake must not reach the run), plus the CLI
    config, non-interactive settings and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    env.update(extra)
    return env


def tf_command(tf_bin: str, *args: str) -> list[str]:
    """``tf_bin args...`` with -no-color and, where terraform would prompt, -input=false."""
    flags = [] if args[0] in _NO_FLAGS else ["-no-color"]
    if args[0] in _INPUT_FALSE:
        flags.append("-input=false")
    return [tf_bin, args[0], *flags, *args[1:]]


def run_tf(tf_bin: str, cwd: Path, env: dict[str, str], *args: str, expect: int | tuple[int, ...] = 0,
           timeout: float = 180) -> subprocess.CompletedProcess:
    """Run one terraform command; fails (AssertionError with its output) unless it exits with
    ``expect`` (one code or a tuple of accepted codes)."""
    cmd = tf_command(tf_bin, *args)
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    codes = expect if isinstance(expect, tuple) else (expect,)
    assert p.returncode in codes, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def pids_matching(match: Callable[[Path], bool]) -> list[int]:
    """PIDs whose /proc/<pid> entry satisfies ``match`` (processes that vanish or that we may
    not inspect, i.e. ``match`` raising OSError, are skipped)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if match(entry):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def pids_with_env_mark(var: str, mark: str) -> list[int]:
    """PIDs whose environment holds ``var=mark`` exactly."""
    needle = f"{var}={mark}".encode()
    return pids_matching(lambda entry: needle in (entry / "environ").read_bytes().split(b"\0"))


class TfWorkspace:
    """A terraform working directory ``root/work`` whose provider processes carry
    ``mark_var=<unique mark>`` in their environment (subclasses build ``self.env`` with it)."""

    timeout: float = 180

    def __init__(self, tf_bin: str, root: Path, mark_var: str, mark_prefix: str) -> None:
        self.tf_bin = tf_bin
        self.root = root
        self.dir = root / "work"
        self.dir.mkdir()
        self.mark_var = mark_var
        self.mark = f"{mark_prefix}-{os.getpid()}-{root.name}"
        self.env: dict[str, str] = {}

    def tf(self, *args: str, expect: int | tuple[int, ...] = 0,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return run_tf(self.tf_bin, self.dir, {**self.env, **(env or {})}, *args, expect=expect, timeout=self.timeout)

    def assert_no_changes(self) -> None:
        p = self.tf("plan", "-detailed-exitcode", expect=(0, 2))
        assert p.returncode == 0, f"second plan is not empty:\n{p.stdout}"

    def provider_pids(self) -> list[int]:
        return pids_with_env_mark(self.mark_var, self.mark)

    def assert_no_providers_left(self, grace: float = 5.0) -> None:
        """Give exiting providers ``grace`` seconds, then fail if any remains."""
        deadline = time.monotonic() + grace
        while self.provider_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.provider_pids() == [], "provider processes left behind"


def client_identity() -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM) shaped like the one-off client certificate Terraform sends
    in PLUGIN_CLIENT_CERT: ECDSA P-521, SHA-512, self-signed CA, localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(seconds=30))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                     data_encipherment=False, key_agreement=True, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA512())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def terminate(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM ``proc`` if it still runs, wait up to ``timeout`` s, then SIGKILL and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
