"""Lay out release artifacts as provider mirrors Terraform/OpenTofu install from.

    python release/mirror.py --release dist/release/1.2.3 [--out dist/mirror]

``<out>/network/`` (static, serve it over HTTPS, e.g. with release/serve.py):

* ``providers/HOST/NAMESPACE/TYPE/index.json`` and ``VERSION.json`` - the network_mirror
  protocol; archive URLs are relative to the JSON document, ``hashes`` carry ``h1:`` and ``zh:``;
  the zips sit next to them. CLI config: ``network_mirror { url = "<base>/providers/" }``.
* ``.well-known/terraform.json``, ``v1/providers/NAMESPACE/TYPE/versions`` and
  ``v1/providers/NAMESPACE/TYPE/VERSION/download/OS/ARCH`` - the provider registry protocol
  (signed SHA256SUMS, public key), for a source address ``<host:port>/NAMESPACE/TYPE``;
* ``releases/VERSION/`` - the release artifacts as published.

``<out>/filesystem/HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip`` - a
filesystem_mirror in the packed layout.

Versions already in ``<out>`` are kept, so running it once per release builds a multi-version
mirror.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from release.hashes import h1_zip, sha256_file, zh  # noqa: E402

DEFAULT_HOST = "registry.terraform.io"
NAMESPACE = "popsolutions"
TYPE = "vessel"
ZIP_RE = re.compile(rf"terraform-provider-{TYPE}_(?P<version>[^_]+)_(?P<os>[a-z0-9]+)_(?P<arch>[a-z0-9]+)\.zip")


def _write_json(path: Path, doc: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def release_files(release: Path) -> tuple[str, dict[str, Path], Path, Path, Path]:
    """(version, {os_arch: zip}, SHA256SUMS, .sig, signing-key.asc) of one release directory."""
    zips: dict[str, Path] = {}
    version = None
    for p in sorted(release.glob("*.zip")):
        m = ZIP_RE.fullmatch(p.name)
        if not m:
            raise SystemExit(f"mirror: unexpected file name {p.name}")
        if version not in (None, m["version"]):
            raise SystemExit(f"mirror: {release} mixes versions {version} and {m['version']}")
        version = m["version"]
        zips[f"{m['os']}_{m['arch']}"] = p
    if not version:
        raise SystemExit(f"mirror: no release zip in {release} (run make release first)")
    base = f"terraform-provider-{TYPE}_{version}"
    sums, sig, key = release / f"{base}_SHA256SUMS", release / f"{base}_SHA256SUMS.sig", release / "signing-key.asc"
    for p in (sums, sig, key):
        if not p.is_file():
            raise SystemExit(f"mirror: {p} is missing")
    listed = dict(reversed(line.split("  ", 1)) for line in sums.read_text().splitlines() if line)
    for z in zips.values():
        if listed.get(z.name) != sha256_file(z):
            raise SystemExit(f"mirror: {z.name} does not match {sums.name}")
    return version, zips, sums, sig, key


def layout(release: Path, out: Path, host: str = DEFAULT_HOST) -> dict[str, str]:
    version, zips, sums, sig, key = release_files(release)
    net = out / "network"
    rel = net / "releases" / version
    shutil.rmtree(rel, ignore_errors=True)
    rel.mkdir(parents=True)
    for p in release.iterdir():
        shutil.copy2(p, rel / p.name)

    # network_mirror protocol
    prov = net / "providers" / host / NAMESPACE / TYPE
    prov.mkdir(parents=True, exist_ok=True)
    archives = {}
    for plat, z in zips.items():
        shutil.copy2(z, prov / z.name)
        archives[plat] = {"url": z.name, "hashes": [h1_zip(z), zh(z)]}
    _write_json(prov / f"{version}.json", {"archives": archives})
    index = prov / "index.json"
    versions = json.loads(index.read_text())["versions"] if index.exists() else {}
    versions[version] = {}
    _write_json(index, {"versions": versions})

    # provider registry protocol (served under any host name; paths are root-relative)
    _write_json(net / ".well-known" / "terraform.json", {"providers.v1": "/v1/providers/"})
    reg = net / "v1" / "providers" / NAMESPACE / TYPE
    protocols = json.loads((REPO / "registry-manifest.json").read_text())["metadata"]["protocol_versions"]
    armor = key.read_text()
    key_id = _key_id(armor)
    for plat, z in zips.items():
        os_name, arch = plat.split("_", 1)
        _write_json(reg / version / "download" / os_name / arch, {
            "protocols": protocols, "os": os_name, "arch": arch, "filename": z.name,
            "download_url": f"/releases/{version}/{z.name}",
            "shasums_url": f"/releases/{version}/{sums.name}",
            "shasums_signature_url": f"/releases/{version}/{sig.name}",
            "shasum": sha256_file(z),
            "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]},
        })
    vfile = reg / "versions"
    entries = {v["version"]: v for v in json.loads(vfile.read_text())["versions"]} if vfile.exists() else {}
    entries[version] = {"version": version, "protocols": protocols,
                        "platforms": [dict(zip(("os", "arch"), p.split("_", 1))) for p in sorted(zips)]}
    _write_json(vfile, {"versions": [entries[v] for v in sorted(entries)]})

    # filesystem_mirror, packed layout
    fs = out / "filesystem" / host / NAMESPACE / TYPE
    fs.mkdir(parents=True, exist_ok=True)
    for z in zips.values():
        shutil.copy2(z, fs / z.name)
    return {"version": version, "network": str(net), "filesystem": str(out / "filesystem"),
            "network_mirror_path": "providers/", "platforms": ",".join(sorted(zips))}


def _key_id(armor: str) -> str:
    """Upper-case hex long key id of an armoured public key (what the registry protocol lists)."""
    import base64
    import hashlib

    body = armor.split("\n\n", 1)[1].split("\n=", 1)[0].split("-----END", 1)[0]
    data = base64.b64decode("".join(body.split()))
    # first packet: the public key (tag 6); V4 fingerprint = SHA-1(0x99 || len16 || body)
    tag = data[0]
    if tag & 0x40:  # new format
        ln, off = data[1], 2
        if ln >= 192:
            ln, off = ((ln - 192) << 8) + data[2] + 192, 3
    else:
        ltype = tag & 3
        n = {0: 1, 1: 2, 2: 4}[ltype]
        ln, off = int.from_bytes(data[1:1 + n], "big"), 1 + n
    packet = data[off:off + ln]
    fpr = hashlib.sha1(b"\x99" + len(packet).to_bytes(2, "big") + packet).hexdigest().upper()
    return fpr[-16:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--release", type=Path, required=True, help="a dist/release/VERSION directory")
    ap.add_argument("--out", type=Path, default=REPO / "dist" / "mirror")
    ap.add_argument("--host", default=DEFAULT_HOST, help="provider source host in the mirror paths")
    a = ap.parse_args(argv)
    info = layout(a.release, a.out, a.host)
    for k, v in info.items():
        print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
