"""Regenerate the Python gRPC stubs in ``tfprovider/protocol`` from ``proto/``.

    python -m tfprovider.protogen           # rewrite tfprovider/protocol/*
    python -m tfprovider.protogen --check   # exit 1 if the checked-in stubs are stale

The output is reproducible byte for byte because grpcio-tools is pinned in
pyproject.toml (it bundles protoc). protoc writes absolute imports between the
generated modules (``import tfplugin6_pb2``); they are rewritten to
package-relative imports so the stubs work as ``tfprovider.protocol.*``.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = Path(__file__).resolve().parent / "protocol"

PROTOS = (
    "tfplugin6.proto",
    "grpc_controller.proto",
    "grpc_stdio.proto",
    "grpc_broker.proto",
)

INIT_TEXT = '''"""Generated tfplugin6 and go-plugin gRPC stubs. Regenerate with `make proto`; do not edit."""
'''

# `import foo_pb2 as foo__pb2` for a module generated from one of our own protos
_ABS_IMPORT = re.compile(r"^import (\w+_pb2) as (\w+)$", re.MULTILINE)
# `from foo_pb2 import ...` (seen in .pyi files)
_FROM_IMPORT = re.compile(r"^from (\w+_pb2) import ", re.MULTILINE)


def _own_modules() -> set[str]:
    return {Path(p).stem + "_pb2" for p in PROTOS}


def _relativise(text: str) -> str:
    own = _own_modules()

    def abs_sub(m: re.Match[str]) -> str:
        if m.group(1) in own:
            return f"from . import {m.group(1)} as {m.group(2)}"
        return m.group(0)

    def from_sub(m: re.Match[str]) -> str:
        if m.group(1) in own:
            return f"from .{m.group(1)} import "
        return m.group(0)

    return _FROM_IMPORT.sub(from_sub, _ABS_IMPORT.sub(abs_sub, text))


def generate(out_dir: Path) -> list[str]:
    """Run protoc into ``out_dir``; return the generated file names (sorted)."""
    from importlib import resources

    from grpc_tools import protoc  # dev dependency, imported only here

    include = str(resources.files("grpc_tools") / "_proto")
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *PROTOS,
    ]
    rc = protoc.main(args)
    if rc != 0:
        raise SystemExit(f"protoc failed with exit code {rc} (arguments: {' '.join(args[1:])})")
    names = []
    for path in sorted(out_dir.glob("*_pb2*.py*")):
        path.write_text(_relativise(path.read_text()))
        names.append(path.name)
    (out_dir / "__init__.py").write_text(INIT_TEXT)
    names.append("__init__.py")
    return sorted(names)


def _compare(fresh: Path, current: Path) -> list[str]:
    """Human-readable differences between two stub directories (empty = identical)."""
    problems: list[str] = []
    fresh_names = {p.name for p in fresh.iterdir() if p.is_file()}
    current_names = {p.name for p in current.glob("*.py*") if p.is_file()} if current.is_dir() else set()
    for name in sorted(fresh_names - current_names):
        problems.append(f"missing: {name}")
    for name in sorted(current_names - fresh_names):
        problems.append(f"not generated from proto/ (remove it): {name}")
    for name in sorted(fresh_names & current_names):
        new = (fresh / name).read_text().splitlines(keepends=True)
        old = (current / name).read_text().splitlines(keepends=True)
        if new != old:
            diff = list(difflib.unified_diff(old, new, f"checked-in/{name}", f"generated/{name}", n=0))
            changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            problems.append(f"stale: {name} ({changed} changed lines)")
            problems.extend("    " + line.rstrip("\n") for line in diff[2:12])
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfprovider.protogen", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if tfprovider/protocol differs from what proto/ generates")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.check:
        with tempfile.TemporaryDirectory(prefix="protogen-") as tmp:
            generate(Path(tmp))
            problems = _compare(Path(tmp), opts.out)
        if problems:
            print(f"{opts.out} is stale; run `make proto`:", file=sys.stderr)
            for line in problems:
                print("  " + line, file=sys.stderr)
            return 1
        print(f"{opts.out}: up to date with proto/")
        return 0
    names = generate(opts.out)
    print(f"wrote {len(names)} files to {opts.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
