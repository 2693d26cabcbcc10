"""Package hashes as Terraform/OpenTofu record them in ``.terraform.lock.hcl``.

* ``zh:`` - lower-case hex SHA-256 of the release zip itself;
* ``h1:`` - Go's ``dirhash.Hash1`` over the package contents: one line per regular file
  (``<hex sha256>  <path>\\n``, paths sorted, forward slashes), SHA-256 of the whole,
  standard base64 with padding. Same value for the zip and for its extracted directory.
"""
from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path
from typing import Iterable


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def zh(zip_path: str | os.PathLike[str]) -> str:
    return "zh:" + sha256_file(zip_path)


def _hash1(entries: Iterable[tuple[str, str]]) -> str:
    summary = "".join(f"{digest}  {name}\n" for name, digest in sorted(entries))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def h1_zip(zip_path: str | os.PathLike[str]) -> str:
    entries = []
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            if "\n" in info.filename:
                raise ValueError(f"{zip_path}: entry name with a newline: {info.filename!r}")
            entries.append((info.filename, hashlib.sha256(zf.read(info)).hexdigest()))
    return _hash1(entries)


def h1_dir(root: str | os.PathLike[str]) -> str:
    """Hash1 of an extracted package directory (release packages hold no symlinks)."""
    base = Path(root)
    entries = []
    for dirpath, _dirs, files in os.walk(base):
        for name in files:
            p = Path(dirpath) / name
            if p.is_file():
                entries.append((p.relative_to(base).as_posix(), sha256_file(p)))
    return _hash1(entries)
