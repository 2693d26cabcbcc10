"""Snapshot store: the "snapshot first" half of the change-safety envelope.

Layout (one folder per snapshot, named by its UTC stamp, which is also its id)::

    <root>/20261125T181500Z/
        switches/swi2.cfg          captured files, any relative paths
        manifest.yaml              what, when, who, and the SHA-256 of every file

The manifest never lists itself. Two snapshots taken in the same second get ``-2``, ``-3``
suffixes; the folder is created with ``mkdir`` so concurrent processes never share one.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from vessel_core.errors import ValidationError, VesselError

MANIFEST = "manifest.yaml"


class SnapshotError(VesselError):
    """A snapshot is missing, incomplete, or fails its hash check."""


@dataclass(frozen=True)
class SnapshotItem:
    path: str
    sha256: str
    bytes: int
    kind: str = "file"


@dataclass(frozen=True)
class Snapshot:
    id: str
    directory: Path
    created_at: str
    actor: dict[str, Any]
    scope: str
    target: str
    items: tuple[SnapshotItem, ...] = field(default_factory=tuple)
    meta: dict[str, Any] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        return (self.directory / _safe_relpath(path)).read_bytes()


def _safe_relpath(path: str) -> Path:
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise ValidationError(f"snapshot file path {path!r} must be relative and stay inside the snapshot",
                              operation="snapshot.create")
    return Path(*p.parts)


def _stamp(now: _dt.datetime) -> str:
    return now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class SnapshotStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def create(self, *, scope: str, target: str, files: dict[str, bytes | str], actor: dict[str, Any],
               kinds: dict[str, str] | None = None, meta: dict[str, Any] | None = None,
               now: _dt.datetime | None = None) -> Snapshot:
        """Write ``files`` and their manifest atomically enough that a reader never sees a
        manifest pointing at a missing file: files first (fsync'd), manifest last. Folders are
        made 0700 and files 0600 (a snapshot describes the chassis' accounts and networks)."""
        if not files:
            raise ValidationError("a snapshot needs at least one file", target=target, operation="snapshot.create")
        now = now or _dt.datetime.now(_dt.timezone.utc)
        _mkdirs(self.root)
        base = _stamp(now)
        directory, n = self.root / base, 1
        while True:
            try:
                directory.mkdir(mode=0o700)
                break
            except FileExistsError:
                n += 1
                directory = self.root / f"{base}-{n}"
        items = []
        for rel, content in sorted(files.items()):
            data = content.encode() if isinstance(content, str) else bytes(content)
            dest = directory / _safe_relpath(rel)
            _mkdirs(dest.parent)
            _write_synced(dest, data)
            items.append(SnapshotItem(path=rel, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data),
                                      kind=(kinds or {}).get(rel, "file")))
        created = now.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        manifest = {
            "id": directory.name,
            "created_at": created,
            "actor": dict(actor),
            "scope": scope,
            "target": target,
            "items": [item.__dict__ for item in items],
            "meta": dict(meta or {}),
        }
        _write_synced(directory / MANIFEST, yaml.safe_dump(manifest, sort_keys=True).encode())
        _fsync_dir(directory)
        return Snapshot(id=directory.name, directory=directory, created_at=created, actor=dict(actor),
                        scope=scope, target=target, items=tuple(items), meta=dict(meta or {}))

    def load(self, snapshot_id: str) -> Snapshot:
        directory = self.root / _safe_relpath(snapshot_id)
        try:
            manifest = yaml.safe_load((directory / MANIFEST).read_text())
        except FileNotFoundError:
            raise SnapshotError(f"snapshot {snapshot_id!r} has no manifest", target=str(self.root),
                                operation="snapshot.load") from None
        items = tuple(SnapshotItem(**item) for item in manifest.get("items", []))
        return Snapshot(id=manifest["id"], directory=directory, created_at=manifest["created_at"],
                        actor=manifest.get("actor", {}), scope=manifest.get("scope", ""),
                        target=manifest.get("target", ""), items=items, meta=manifest.get("meta", {}))

    def verify(self, snapshot_id: str) -> Snapshot:
        """Load a snapshot and check every listed file against its recorded SHA-256."""
        snap = self.load(snapshot_id)
        for item in snap.items:
            try:
                data = snap.read(item.path)
            except FileNotFoundError:
                raise SnapshotError(f"snapshot {snapshot_id}: {item.path} is missing",
                                    target=snap.target, operation="snapshot.verify") from None
            if hashlib.sha256(data).hexdigest() != item.sha256 or len(data) != item.bytes:
                raise SnapshotError(f"snapshot {snapshot_id}: {item.path} does not match its manifest hash",
                                    target=snap.target, operation="snapshot.verify")
        return snap

    def list(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / MANIFEST).is_file())


def _mkdirs(directory: Path) -> None:
    """``directory`` and its missing parents, each made 0700 (umask aside)."""
    if directory.is_dir():
        return
    _mkdirs(directory.parent)
    try:
        directory.mkdir(mode=0o700)
    except FileExistsError:
        pass
    os.chmod(directory, 0o700)


def _write_synced(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
