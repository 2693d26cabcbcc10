"""``vessel export``: the configuration of a chassis that already runs, as HCL plus ``import {}``
blocks, so ``terraform plan`` on it shows only imports and ``apply`` adopts every object.

It asks the provider's own list resources (``LIST_RESOURCES``: the objects ``terraform query``
finds on Terraform 1.14+) for every object with its state and identity, so a resource type that
gains a list resource is exported without a change here. Each object becomes

* a ``resource`` block with every configurable attribute its state holds (computed-only and
  write-only attributes left out: no password is ever written), and
* an ``import`` block by ID (the identity's key attributes joined by "/", as ``terraform
  import`` takes it), which Terraform >= 1.5 and OpenTofu both read.

A list resource that needs an argument (the VLANs of one switch) is asked once per value the
chassis has (:data:`ARGUMENTS`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from tfprovider.framework import Diagnostics
from tfprovider.framework.modern import ListRequest

if TYPE_CHECKING:
    from vessel_core.session import Session

PROVIDERS_TF = """terraform {
  required_providers {
    vessel = {
      source = "popsolutions/vessel"
    }
  }
}

# the chassis is named by the VESSEL_* environment variables, as for the export
provider "vessel" {}
"""


async def _switch_labels(session: "Session") -> list[str]:
    from vessel_core.backup.parts import SWITCH_LABELS

    present = await session.chassis.network_info.present("swi")
    return [SWITCH_LABELS[int(n.lower().removeprefix("swi"))] for n in sorted(present)]

#: list-resource argument -> the values the live chassis has for it
ARGUMENTS: dict[str, Callable[["Session"], Awaitable[list[Any]]]] = {"switch": _switch_labels}


@dataclass
class ExportResult:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped

    def lines(self) -> list[str]:
        rows = [f"{n:>4} {t}" for t, n in sorted(self.counts.items())]
        rows += [f"not exported: {s}" for s in self.skipped]
        return [*rows, f"{sum(self.counts.values())} objects; terraform init && terraform plan in:", str(self.out)]


def hcl_string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + out.replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_value(value: Any, indent: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal, Fraction, float)):
        return str(int(value)) if value == int(value) else str(float(value))
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value) if not isinstance(value, (set, frozenset)) else sorted(value, key=repr)
        return "[" + ", ".join(hcl_value(v, indent) for v in items) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        body = "".join(f"{inner}{_key(k)} = {hcl_value(v, inner)}\n" for k, v in value.items())
        return "{\n" + body + indent + "}"
    if value is None:
        return "null"
    raise TypeError(f"no HCL for {type(value).__name__}")


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name) else hcl_string(name)


def configurable(attributes: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The attributes of ``values`` a configuration may set, non-null, nested ones filtered alike."""
    out: dict[str, Any] = {}
    for name, attr in attributes.items():
        value = values.get(name)
        if value is None or getattr(attr, "write_only", False):
            continue
        if not (getattr(attr, "required", False) or getattr(attr, "optional", False)):
            continue  # computed only
        nested = getattr(attr, "attributes", None)
        if nested is not None and isinstance(value, dict):
            value = configurable(nested, value)
        elif nested is not None and isinstance(value, list):
            value = [configurable(nested, v) if isinstance(v, dict) else v for v in value]
        out[name] = value
    return out


def label_of(type_name: str, keys: list[Any], taken: set[str]) -> str:
    base = "_".join([type_name.removeprefix("vessel_"), *(str(k) for k in keys)])
    base = re.sub(r"[^a-z0-9_]+", "_", base.lower()).strip("_") or "object"
    label, n = base, 1
    while label in taken:
        n += 1
        label = f"{base}_{n}"
    taken.add(label)
    return label


async def export(session: "Session", out: Path) -> ExportResult:
    from tfprovider.vessel.provider import VesselProvider

    result = ExportResult(out)
    provider = VesselProvider(environ={})
    resources = {r.type_name: r for r in provider.resources}
    blocks: list[str] = []
    imports: list[str] = []
    taken: set[str] = set()
    for list_cls in provider.list_resources:
        res_cls = resources.get(list_cls.type_name)
        if res_cls is None:
            result.skipped.append(f"{list_cls.type_name}: no managed resource of that type")
            continue
        configs: list[dict[str, Any]] = [{}]
        for arg, attr in list_cls.schema.attributes.items():
            if not attr.required:
                continue
            if arg not in ARGUMENTS:
                result.skipped.append(f"{list_cls.type_name}: its list needs {arg!r}, which the export cannot enumerate")
                configs = []
                break
            configs = [{**c, arg: v} for c in configs for v in await ARGUMENTS[arg](session)]
        lister = list_cls()
        lister.provider_data = session
        res = res_cls()
        id_keys = [k for k in res.identity.attributes if k != "chassis_serial"] if res.identity else []
        for config in configs:
            diags = Diagnostics()
            async for found in lister.list(ListRequest(config=config, include_resource_object=True), diags):
                keys = [found.identity[k] for k in id_keys]
                label = label_of(list_cls.type_name, keys, taken)
                values = configurable(res.schema.attributes, found.state or {})
                body = "".join(f"  {_key(k)} = {hcl_value(v, '  ')}\n" for k, v in values.items())
                blocks.append(f'resource "{list_cls.type_name}" "{label}" {{\n{body}}}\n')
                imports.append(f"import {{\n  to = {list_cls.type_name}.{label}\n"
                               f"  id = {hcl_string('/'.join(str(k) for k in keys))}\n}}\n")
                result.counts[list_cls.type_name] = result.counts.get(list_cls.type_name, 0) + 1
            result.skipped.extend(f"{list_cls.type_name} {config}: {d.summary}: {d.detail}" for d in diags)
    out.mkdir(parents=True, exist_ok=True)
    (out / "providers.tf").write_text(PROVIDERS_TF)
    (out / "main.tf").write_text("\n".join(blocks))
    (out / "imports.tf").write_text("\n".join(imports))
    return result
