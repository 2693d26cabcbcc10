"""The layers of DESIGN.md: a module imports only from its own layer and the layers below.

Every ``import`` statement counts, including those inside functions and ``TYPE_CHECKING``
blocks: an upward import is a design error even when it is lazy.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: package prefix → prefixes it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "tfprovider.vessel.resources": ("vessel_core.drivers", "vessel_core.safety", "vessel_core.switchops",
                                    "vessel_core.sim"),
    "tfprovider.vessel": ("vessel_core.drivers", "vessel_core.safety", "vessel_core.sim"),
    "tfprovider.framework": ("vessel_core", "tfprovider.vessel"),
    "tfprovider.cty": ("vessel_core", "tfprovider.vessel", "tfprovider.framework", "tfprovider.plugin"),
    "tfprovider.plugin": ("vessel_core", "tfprovider.vessel", "tfprovider.framework"),
    "vessel_core": ("tfprovider",),
    "vessel_core.session": ("vessel_core.sim",),
    "vessel_core.chassis": ("vessel_core.session", "vessel_core.sim"),
    "vessel_core.switchops": ("vessel_core.session", "vessel_core.chassis", "vessel_core.sim"),
    "vessel_core.safety": ("vessel_core.session", "vessel_core.chassis", "vessel_core.switchops",
                           "vessel_core.drivers", "vessel_core.sim"),
    "vessel_core.drivers": ("vessel_core.session", "vessel_core.chassis", "vessel_core.switchops",
                            "vessel_core.safety", "vessel_core.sim"),
    # the emulator is written from the fact sheets, never from the drivers it tests
    "vessel_core.sim": ("vessel_core.session", "vessel_core.chassis", "vessel_core.switchops",
                        "vessel_core.safety", "vessel_core.drivers"),
}


#: known exceptions, each with its reason; the list may only shrink
EXEMPT: dict[str, str] = {
    # the KVM emulator encodes frames with the same codec tables the client decodes with
    # (framing, JPEG tables, key schedule, OldRLE, tiles); the recorded captures under
    # vendor-data cross-check both sides. Splitting an encoder-only copy is open work.
    "vessel_core.sim.kvm": "vessel_core.drivers.kvm.codecs",
}


def _module_name(path: Path, root: Path = REPO) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            out += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return out


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(root: Path = REPO) -> list[str]:
    bad: dict[tuple[str, int], str] = {}
    for top in ("tfprovider", "vessel_core"):
        for path in sorted((root / top).rglob("*.py")):
            if "_pb2" in path.name:
                continue
            module = _module_name(path, root)
            rules = [(p, f) for p, f in FORBIDDEN.items() if _within(module, p)]
            for lineno, name in _imports(path, module):
                for owner, forbidden in rules:
                    hit = next((f for f in forbidden if _within(name, f)), None)
                    exempt = any(_within(module, m) and _within(name, n) for m, n in EXEMPT.items())
                    if hit and not exempt:
                        bad.setdefault((str(path.relative_to(root)), lineno),
                                       f"{path.relative_to(root)}:{lineno}: {module} imports {name} "
                                       f"(the {owner} layer must not import {hit})")
    return [bad[k] for k in sorted(bad)]


def test_no_upward_imports():
    assert violations() == []


def test_the_rule_catches_an_upward_import(tmp_path):
    # the checker itself: a resource importing a driver, written into a copy of the layout
    for top in ("tfprovider/vessel/resources", "vessel_core"):
        (tmp_path / top).mkdir(parents=True)
    (tmp_path / "tfprovider/vessel/resources/bad.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vessel_core.drivers.ssh import x\n")
    (tmp_path / "vessel_core/ok.py").write_text("from .errors import VesselError\n")
    (tmp_path / "vessel_core/worse.py").write_text("def f():\n    import tfprovider.cty\n")
    found = violations(tmp_path)
    assert len(found) == 2
    assert "bad.py:3" in found[0] and "vessel_core.drivers" in found[0]
    assert "worse.py:2" in found[1]


@pytest.mark.parametrize("name", ["vessel_core.drivers.kvm", "vessel_core.safety.guard"])
def test_relative_imports_resolve(name, tmp_path):
    pkg = tmp_path / "vessel_core" / "chassis"
    pkg.mkdir(parents=True)
    rel = name.removeprefix("vessel_core.")
    (pkg / "__init__.py").write_text("")
    (pkg / "m.py").write_text(f"from ..{rel} import thing\n")
    (tmp_path / "tfprovider").mkdir()
    assert _imports(pkg / "m.py", "vessel_core.chassis.m")[0][1] == name
