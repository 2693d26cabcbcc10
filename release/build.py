"""Build the release artifacts of terraform-provider-vessel for the build platform.

    python release/build.py --version 1.2.3 [--bundler pyinstaller-onedir] [--dist dist/release]

Writes into ``<dist>/<version>/``:

* ``terraform-provider-vessel_<V>_<os>_<arch>.zip`` - the frozen provider
  (``terraform-provider-vessel_v<V>`` plus, for onedir bundles, its ``_internal/`` support
  folder), Unix modes stored in every entry, fixed timestamps, no symlinks;
* ``terraform-provider-vessel_<V>_manifest.json`` - a copy of ``registry-manifest.json``;
* ``terraform-provider-vessel_<V>_SHA256SUMS`` covering the zips and the manifest, and its
  detached binary GPG signature ``..._SHA256SUMS.sig``;
* ``signing-key.asc`` - the ASCII-armoured public key that made the signature.

Signing: ``GPG_KEY_ID`` (with the caller's ``GNUPGHOME``) names the release key. Without it an
ephemeral key is generated in a temporary GNUPGHOME (good for tests and local mirrors only:
the registries need the project's published key).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NAME = "terraform-provider-vessel"
BUNDLERS = ("pyinstaller-onedir", "pyinstaller-onefile", "nuitka-onefile", "nuitka-standalone")
DEFAULT_BUNDLER = "pyinstaller-onedir"
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?")
# Zip timestamps: SOURCE_DATE_EPOCH when set (reproducible builds), else 1980-01-01.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# Imported lazily or by name at run time, or never needed by the provider process.
PROJECT_PACKAGES = ("tfprovider", "vessel_core")
COLLECT_DATA = ("tfprovider", "vessel_core", "ntc_templates")
EXCLUDE = ("vessel_core.sim", "tfprovider.protogen", "grpc_tools", "pytest", "_pytest", "hypothesis",
           "netmiko", "tkinter", "setuptools", "pip", "zstandard")


class BuildError(Exception):
    pass


def build_platform() -> str:
    os_name = {"linux": "linux", "darwin": "darwin", "win32": "windows", "freebsd": "freebsd"}.get(
        sys.platform, sys.platform)
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
            "i686": "386", "armv7l": "arm"}.get(platform.machine().lower(), platform.machine().lower())
    return f"{os_name}_{arch}"


def exe_name(version: str) -> str:
    return f"{NAME}_v{version}" + (".exe" if sys.platform == "win32" else "")


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, **kw)
    if p.returncode:
        raise BuildError(f"{cmd[0]} {cmd[1] if len(cmd) > 1 else ''} exited {p.returncode}")


def _excluded(module: str) -> bool:
    return any(module == e or module.startswith(e + ".") for e in EXCLUDE)


def project_modules() -> list[str]:
    """Every module of the project's packages the provider may import by name, minus EXCLUDE."""
    found = []
    for top in PROJECT_PACKAGES:
        root = REPO / top
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join(parts)
            if not _excluded(name):
                found.append(name)
    return found


def runtime_distributions() -> list[str]:
    """The project's runtime requirements (some read their own metadata at import time)."""
    from importlib.metadata import requires

    names = []
    for req in requires("vessel") or []:
        if "extra ==" in req:
            continue
        names.append(re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0])
    return names


def _pyinstaller(version: str, onefile: bool, work: Path) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise BuildError("PyInstaller is not installed: pip install -e '.[release]'") from None
    name = exe_name(version)
    cmd = [sys.executable, "-m", "PyInstaller", str(REPO / "release" / "entry.py"),
           "--name", name, "--onefile" if onefile else "--onedir", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(work / "dist"), "--workpath", str(work / "build"), "--specpath", str(work),
           "--paths", str(REPO)]
    for m in project_modules():
        cmd += ["--hidden-import", m]
    for m in COLLECT_DATA:
        cmd += ["--collect-data", m]
    for d in runtime_distributions():
        cmd += ["--copy-metadata", d]
    for m in EXCLUDE:
        cmd += ["--exclude-module", m]
    _run(cmd, cwd=REPO)
    return work / "dist" / name if onefile else work / "dist" / name


def _nuitka(version: str, onefile: bool, work: Path) -> Path:
    try:
        import nuitka  # noqa: F401
    except ImportError:
        raise BuildError("Nuitka is not installed: pip install nuitka") from None
    name = exe_name(version)
    cmd = [sys.executable, "-m", "nuitka", "--standalone", "--assume-yes-for-downloads",
           f"--output-dir={work}", f"--output-filename={name}", "--quiet",
           f"--jobs={os.cpu_count() or 1}"]
    if onefile:
        cmd.append("--onefile")
    for m in project_modules():
        cmd.append(f"--include-module={m}")
    for m in COLLECT_DATA:
        cmd.append(f"--include-package-data={m}")
    for d in runtime_distributions():
        cmd.append(f"--include-distribution-metadata={d}")
    for m in EXCLUDE:
        cmd.append(f"--nofollow-import-to={m}")
    cmd.append(str(REPO / "release" / "entry.py"))
    _run(cmd, cwd=REPO)
    if onefile:
        return work / name
    return work / "entry.dist"


def bundle(version: str, bundler: str, work: Path) -> Path:
    """Freeze the provider; returns the package root (a directory holding the executable)."""
    if bundler not in BUNDLERS:
        raise BuildError(f"unknown bundler {bundler!r} (one of {', '.join(BUNDLERS)})")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tool, kind = bundler.split("-")
    onefile = kind == "onefile"
    out = (_pyinstaller if tool == "pyinstaller" else _nuitka)(version, onefile, work)
    pkg = work / "package"
    if onefile:
        pkg.mkdir()
        shutil.copy2(out, pkg / exe_name(version))
    else:
        shutil.copytree(out, pkg, symlinks=False)  # dereference: Go's dirhash refuses symlinks
    exe = pkg / exe_name(version)
    if not exe.is_file():
        raise BuildError(f"{bundler} produced no {exe}")
    return pkg


def _zip_time() -> tuple[int, int, int, int, int, int]:
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if not sde:
        return ZIP_EPOCH
    t = time.gmtime(max(int(sde), 315532800))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def write_zip(pkg: Path, dest: Path) -> None:
    """Zip ``pkg``'s contents with each entry's Unix mode (0755 executables, 0644 the rest)."""
    when = _zip_time()
    files = sorted(p for p in pkg.rglob("*") if p.is_file())
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            mode = 0o755 if os.stat(p).st_mode & stat.S_IXUSR else 0o644
            info = zipfile.ZipInfo(p.relative_to(pkg).as_posix(), date_time=when)
            info.create_system = 3  # Unix: external_attr carries st_mode in its high 16 bits
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(p, "rb") as f:
                zf.writestr(info, f.read())


def unpack(zip_path: Path, dest: Path) -> Path:
    """Extract a release zip the way terraform's installer does (entry modes applied)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            zf.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(dest / info.filename, mode)
    return dest


def write_sums(out: Path, version: str) -> Path:
    from release.hashes import sha256_file

    sums = out / f"{NAME}_{version}_SHA256SUMS"
    names = sorted(p.name for p in out.iterdir()
                   if p.name.endswith(".zip") or p.name == f"{NAME}_{version}_manifest.json")
    sums.write_text("".join(f"{sha256_file(out / n)}  {n}\n" for n in names))
    return sums


def _gpg(args: list[str], home: str) -> subprocess.CompletedProcess:
    gpg = shutil.which("gpg")
    if not gpg:
        raise BuildError("gpg not found: apt-get install -y gnupg")
    return subprocess.run([gpg, "--batch", "--no-tty", "--homedir", home, *args],
                          capture_output=True, text=True, check=False)


def ephemeral_key(home: str, uid: str = "Vessel release (ephemeral) <release@vessel.invalid>") -> str:
    """Generate an RSA-4096 signing key without passphrase in ``home``; returns its fingerprint."""
    p = _gpg(["--pinentry-mode", "loopback", "--passphrase", "", "--quick-generate-key", uid,
              "rsa3072", "sign", "1d"], home)
    if p.returncode:
        raise BuildError(f"gpg key generation failed: {p.stderr.strip()}")
    return fingerprint(home, uid)


def fingerprint(home: str, who: str) -> str:
    p = _gpg(["--with-colons", "--list-secret-keys", who], home)
    for line in p.stdout.splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    raise BuildError(f"no secret key {who!r} in {home}: {p.stderr.strip()}")


def sign(sums: Path, home: str, key: str) -> tuple[Path, str]:
    sig = sums.with_name(sums.name + ".sig")
    p = _gpg(["--yes", "--local-user", key, "--output", str(sig), "--detach-sign", str(sums)], home)
    if p.returncode:
        raise BuildError(f"gpg signing failed: {p.stderr.strip()}")
    armor = _gpg(["--armor", "--export", key], home)
    if armor.returncode or "BEGIN PGP PUBLIC KEY BLOCK" not in armor.stdout:
        raise BuildError(f"gpg export of {key} failed: {armor.stderr.strip()}")
    return sig, armor.stdout


def load_manifest() -> dict:
    m = json.loads((REPO / "registry-manifest.json").read_text())
    from tfprovider.plugin.server import APP_PROTOCOL_VERSION

    want = {"version": 1, "metadata": {"protocol_versions": [f"{APP_PROTOCOL_VERSION}.0"]}}
    if m != want:
        raise BuildError(f"registry-manifest.json is {m}, expected {want} (the protocol the provider serves)")
    return m


def release(version: str, bundler: str = DEFAULT_BUNDLER, dist: Path | None = None,
            work: Path | None = None) -> Path:
    if not SEMVER.fullmatch(version):
        raise BuildError(f"VERSION={version!r} is not a semantic version like 1.2.3 (no 'v' prefix)")
    load_manifest()
    dist = dist or REPO / "dist" / "release"
    work = work or REPO / "build" / "release"
    out = dist / version
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t0 = time.monotonic()
    pkg = bundle(version, bundler, work)
    built = time.monotonic() - t0
    plat = build_platform()
    write_zip(pkg, out / f"{NAME}_{version}_{plat}.zip")
    shutil.copyfile(REPO / "registry-manifest.json", out / f"{NAME}_{version}_manifest.json")
    sums = write_sums(out, version)
    key = os.environ.get("GPG_KEY_ID")
    if key:
        home = os.environ.get("GNUPGHOME") or str(Path.home() / ".gnupg")
        _sig, armor = sign(sums, home, fingerprint(home, key))
    else:
        with tempfile.TemporaryDirectory(prefix="vessel-gpg-") as home:
            print("release: GPG_KEY_ID not set, signing with an ephemeral key (not for publishing)", flush=True)
            _sig, armor = sign(sums, home, ephemeral_key(home))
            subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False)
    (out / "signing-key.asc").write_text(armor)
    print(f"release: {bundler} bundle built in {built:.1f} s; artifacts in {out}:")
    for p in sorted(out.iterdir()):
        print(f"  {p.name}  ({p.stat().st_size} bytes)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", required=True, help="semantic version without 'v', e.g. 1.2.3")
    ap.add_argument("--bundler", default=os.environ.get("BUNDLER", DEFAULT_BUNDLER), choices=BUNDLERS)
    ap.add_argument("--dist", type=Path, help="output root (default dist/release)")
    ap.add_argument("--work", type=Path, help="scratch directory (default build/release)")
    a = ap.parse_args(argv)
    try:
        release(a.version, a.bundler, a.dist, a.work)
    except BuildError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
