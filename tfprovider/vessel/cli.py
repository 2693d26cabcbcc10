"""``vessel``: the operator's command beside the provider, on the same settings.

    vessel snapshot [--dir DIR]              whole-chassis snapshot; the last line is its folder
    vessel snapshot list | show ID | verify ID
    vessel restore SNAPSHOT [--scope S]... [--dry-run] [--yes] [--passwords FILE]
    vessel export [--out DIR]                HCL + import blocks for every object on the chassis

The chassis is named exactly as the provider is: every ``VESSEL_*`` variable of the provider
block (``VESSEL_ENDPOINT``, ``VESSEL_PASSWORD``, ``VESSEL_CA_CERT``, ...), merged and validated
by the provider's own configure, so a setting the provider refuses is refused here with the
same message. ``--dir`` defaults to ``VESSEL_SNAPSHOT_DIR`` (else ``.vessel/snapshots``).
Exit codes: 0 done, 1 failed (or differences left, or a scope could not be read), 2 bad usage or
settings.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any, Mapping

import yaml

DEFAULT_SNAPSHOT_DIR = os.path.join(".vessel", "snapshots")


class UsageError(Exception):
    """Settings or arguments the command cannot run with."""


async def open_session(environ: Mapping[str, str], **overrides: Any) -> Any:
    """The :class:`~vessel_core.session.Session` the provider would configure from ``environ``."""
    from dataclasses import replace

    from tfprovider.framework.lifecycle import configure
    from tfprovider.vessel.provider import VesselProvider
    from vessel_core.session import Session

    resp = await configure(VesselProvider(environ), {})
    if resp.diagnostics.has_error():
        raise UsageError("\n".join(f"{d.summary}: {d.detail}" for d in resp.diagnostics))
    session = resp.data
    if overrides:
        session = Session(replace(session.settings, **overrides))
    return session


def _store(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    from vessel_core.backup.snapshot import store_at

    return store_at(args.dir or environ.get("VESSEL_SNAPSHOT_DIR") or DEFAULT_SNAPSHOT_DIR)


async def cmd_snapshot(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    store = _store(args, environ)
    if args.action == "list":
        for sid in store.list():
            snap = store.load(sid)
            print(f"{sid}  {snap.scope:<10} {snap.target:<20} {len(snap.items):>4} files  "
                  f"{snap.actor.get('os_user', '')}@{snap.actor.get('host', '')}")
        return 0
    if args.action in ("show", "verify"):
        if not args.id:
            raise UsageError(f"vessel snapshot {args.action} needs a snapshot ID")
        snap = store.verify(args.id) if args.action == "verify" else store.load(args.id)
        if args.action == "verify":
            print(f"{snap.id}: {len(snap.items)} files match their SHA-256")
            return 0
        print(yaml.safe_dump({"id": snap.id, "created_at": snap.created_at, "actor": snap.actor, "scope": snap.scope,
                              "target": snap.target, "files": [f"{i.path} {i.bytes} {i.sha256}" for i in snap.items],
                              **{k: v for k, v in snap.meta.items() if k in ("parts", "not_captured", "redacted")}},
                             sort_keys=False), end="")
        return 0
    if args.action is not None:
        raise UsageError(f"unknown snapshot action {args.action!r} (list, show, verify)")
    from vessel_core.backup.snapshot import take

    async with await open_session(environ) as session:
        snap, cap = await take(session, store)
    print(f"captured {len(cap.parts)} scopes, {len(snap.items)} files from chassis {snap.target}")
    for m in snap.meta["not_captured"]:
        print(f"not captured: {m['what']}: {m['why']}")
    print(snap.directory)
    return 0


async def cmd_restore(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from vessel_core.backup.restore import restore, show_plan

    store = _store(args, environ)
    snap = store.verify(args.snapshot)
    passwords = _passwords(args.passwords, environ)
    async with await open_session(environ, snapshot_dir=str(store.root)) as session:
        plan = await show_plan(session, snap, args.scope or [])
        for line in plan.lines():
            print(line)
        if args.dry_run or not plan.differs:
            return 1 if plan.unreadable or (args.dry_run and plan.differs and args.exit_code) else 0
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError("restore changes the chassis: pass --yes (or --dry-run to see the differences)")
            if input("restore these differences? [y/N] ").strip().lower() not in ("y", "yes"):
                print("not restored")
                return 1
        report = await restore(session, store, snap, plan, passwords=passwords)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def _passwords(path: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Passwords of accounts a restore must create (a snapshot never holds one): a JSON file
    ``{"user": "password"}`` and/or ``VESSEL_RESTORE_PASSWORD_<USER>`` variables."""
    out: dict[str, str] = {}
    if path:
        data = json.loads(Path(path).read_text())
        if not isinstance(data, dict):
            raise UsageError(f"{path}: expected a JSON object of user name -> password")
        out.update({str(k): str(v) for k, v in data.items()})
    prefix = "VESSEL_RESTORE_PASSWORD_"
    out.update({k[len(prefix):]: v for k, v in environ.items() if k.startswith(prefix)})
    return out


async def cmd_export(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from tfprovider.vessel.export import export

    async with await open_session(environ) as session:
        result = await export(session, Path(args.out))
    for line in result.lines():
        print(line)
    return 0 if result.ok else 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vessel", description="Snapshot, restore and export a Huawei E9000 chassis "
                                "(settings: the provider's VESSEL_* environment variables)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snapshot", help="take a whole-chassis snapshot, or list / show / verify one")
    s.add_argument("action", nargs="?", choices=("list", "show", "verify"))
    s.add_argument("id", nargs="?")
    s.add_argument("--dir", help="snapshot folder (default: VESSEL_SNAPSHOT_DIR, else .vessel/snapshots)")
    r = sub.add_parser("restore", help="restore a snapshot's differences through the guard")
    r.add_argument("snapshot", help="snapshot ID (a folder name of --dir)")
    r.add_argument("--dir", help="snapshot folder (default: VESSEL_SNAPSHOT_DIR, else .vessel/snapshots)")
    r.add_argument("--scope", action="append", help="hmm, hmm.<menu>, switch, switch:2X, blade, blade:3 "
                   "(repeatable; default: every scope)")
    r.add_argument("--dry-run", action="store_true", help="list the differences, change nothing")
    r.add_argument("--exit-code", action="store_true", help="with --dry-run: exit 1 when there are differences")
    r.add_argument("--yes", action="store_true", help="do not ask before restoring")
    r.add_argument("--passwords", help="JSON file {user: password} for accounts the restore must create")
    e = sub.add_parser("export", help="write HCL and import blocks for every object on the chassis")
    e.add_argument("--out", default="vessel-export", help="output folder (default: vessel-export)")
    return p


COMMANDS = {"snapshot": cmd_snapshot, "restore": cmd_restore, "export": cmd_export}


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    from vessel_core.errors import VesselError

    args = _parser().parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        return asyncio.run(COMMANDS[args.command](args, env))
    except UsageError as exc:
        print(f"vessel: {exc}", file=sys.stderr)
        return 2
    except VesselError as exc:
        print(f"vessel: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
