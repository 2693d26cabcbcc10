"""Generate the provider docs (registry layout, tfplugindocs conventions) from the live schema.

    python release/docs.py            # write docs/
    python release/docs.py --check    # exit 1 when docs/ differs from what would be written

The schema comes from the provider servicer's GetProviderSchema, called in-process, so every
resource, data source and function registered in ``tfprovider.vessel.resources`` is picked
up. Hand-written parts are merged in the way tfplugindocs does it:

* ``templates/index.md.tmpl``, ``templates/<kind>/<name>.md.tmpl`` (optional per page);
* ``examples/provider/provider.tf``, ``examples/resources/<type>/resource.tf`` (+ ``import.sh``),
  ``examples/data-sources/<type>/data-source.tf``, ``examples/functions/<name>/function.tf``.

Templates understand the tfplugindocs subset ``{{ .Name }}``, ``{{ .Type }}``,
``{{ .ProviderName }}``, ``{{ .Description }}``, ``{{ .SchemaMarkdown }}`` (each optionally
``| trimspace``), ``{{ tffile "path" }}`` and ``{{ codefile "lang" "path" }}``.
"""
from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PROVIDER = "vessel"
KINDS = {"resource": "resources", "data-source": "data-sources", "function": "functions",
         "list-resource": "list-resources", "action": "actions"}
NESTING = {1: "Single", 2: "List", 3: "Set", 4: "Map", 5: "Group"}


class DocsError(Exception):
    pass


def live_schema() -> Any:
    """GetProviderSchema.Response of the vessel provider, in-process."""
    from tfprovider.protocol import tfplugin6_pb2 as pb
    from tfprovider.vessel.provider import make_servicer

    resp = asyncio.run(make_servicer().GetProviderSchema(pb.GetProviderSchema.Request(), None))
    errors = [d.summary + ": " + d.detail for d in resp.diagnostics if d.severity == pb.Diagnostic.ERROR]
    if errors:
        raise DocsError("GetProviderSchema failed: " + "; ".join(errors))
    return resp


# --- type names as tfplugindocs prints them ------------------------------------------------

def type_name(t: Any) -> str:
    if isinstance(t, str):
        return {"string": "String", "number": "Number", "bool": "Boolean", "dynamic": "Dynamic"}[t]
    kind, elem = t[0], t[1]
    if kind in ("list", "set", "map"):
        return f"{kind.capitalize()} of {type_name(elem)}"
    if kind == "object":
        return "Object"
    if kind == "tuple":
        return "Tuple"
    raise DocsError(f"unknown cty type {t!r}")


def _anchor(path: list[str], block: bool) -> str:
    return ("nestedblock--" if block else "nestedatt--") + "--".join(path)


@dataclass
class _Section:
    path: list[str]
    block: bool
    lines: list[str] = field(default_factory=list)


def schema_markdown(block: Any, owner: str) -> tuple[str, list[str]]:
    """(markdown, undocumented attribute paths) for a Schema.Block."""
    undocumented: list[str] = []
    sections: list[_Section] = []

    def describe(name_path: list[str], desc: str) -> str:
        text = " ".join(desc.split())
        if not text:
            undocumented.append(f"{owner}.{'.'.join(name_path)}")
        return text

    def render(blk_attrs: list, blk_types: list, path: list[str], heading: str) -> list[str]:
        groups: dict[str, list[str]] = {"Required": [], "Optional": [], "Read-Only": []}
        for a in sorted(blk_attrs, key=lambda a: a.name):
            group = "Required" if a.required else "Optional" if a.optional else "Read-Only"
            if a.HasField("nested_type"):
                nt = a.nested_type
                kind = NESTING.get(nt.nesting, "Single")
                tname = "Attributes" if kind == "Single" else f"Attributes {kind}"
                sub = path + [a.name]
                anchor = _anchor(sub, False)
                extra = f" (see [below for nested schema](#{anchor}))"
                sec = _Section(sub, False)
                sections.append(sec)
                sec.lines = render(list(nt.attributes), [], sub, f"Nested Schema for `{'.'.join(sub)}`")
            else:
                tname = type_name(json.loads(a.type))
                extra = ""
            flags = ", Sensitive" if a.sensitive else ""
            flags += ", Deprecated" if a.deprecated else ""
            flags += ", Write-only" if getattr(a, "write_only", False) else ""
            desc = describe(path + [a.name], a.description)
            groups[group].append(f"- `{a.name}` ({tname}{flags}){' ' + desc if desc else ''}{extra}")
        for b in sorted(blk_types, key=lambda b: b.type_name):
            sub = path + [b.type_name]
            kind = NESTING.get(b.nesting, "List")
            label = f"Block {kind}" if kind != "Single" else "Block"
            if b.max_items:
                label += f", Max: {b.max_items}"
            if b.min_items:
                label += f", Min: {b.min_items}"
            group = "Required" if b.min_items > 0 else "Optional"
            desc = describe(sub, b.block.description)
            anchor = _anchor(sub, True)
            groups[group].append(f"- `{b.type_name}` ({label}){' ' + desc if desc else ''} "
                                 f"(see [below for nested schema](#{anchor}))")
            sec = _Section(sub, True)
            sections.append(sec)
            sec.lines = render(list(b.block.attributes), list(b.block.block_types), sub,
                                        f"Nested Schema for `{'.'.join(sub)}`")
        out: list[str] = []
        if heading:
            out += [f'<a id="{_anchor(path, heading.startswith("Nested") and _is_block(path))}"></a>',
                    f"### {heading}", ""]
        for g, items in groups.items():
            if items:
                out += [f"### {g}" if not heading else f"{g}:", ""] + items + [""]
        return out

    block_paths: set[tuple[str, ...]] = set()

    def _is_block(path: list[str]) -> bool:
        return tuple(path) in block_paths

    def collect(blk: Any, path: list[str]) -> None:
        for b in blk.block_types:
            block_paths.add(tuple(path + [b.type_name]))
            collect(b.block, path + [b.type_name])

    collect(block, [])
    top = render(list(block.attributes), list(block.block_types), [], "")
    lines = ["<!-- schema generated by release/docs.py -->", "## Schema", ""] + top
    for s in sections:
        lines += s.lines
    return "\n".join(lines).rstrip() + "\n", undocumented


# --- template handling --------------------------------------------------------------------

_DIRECTIVE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")


def _read_example(rel: str) -> str:
    p = REPO / rel
    if not p.is_file():
        raise DocsError(f"template refers to missing file {rel}")
    return p.read_text().rstrip("\n")


def render_template(text: str, ctx: dict[str, str], source: str) -> str:
    def sub(m: re.Match) -> str:
        expr = m.group(1)
        trim = False
        if expr.endswith("| trimspace"):
            expr, trim = expr[: -len("| trimspace")].strip(), True
        if expr.startswith("."):
            key = expr[1:]
            if key not in ctx:
                raise DocsError(f"{source}: unknown field {expr}")
            val = ctx[key]
        elif expr.startswith("tffile "):
            val = "```terraform\n" + _read_example(json.loads(expr[len("tffile "):])) + "\n```"
        elif expr.startswith("codefile "):
            lang, path = re.findall(r'"([^"]*)"', expr)
            val = f"```{lang}\n" + _read_example(path) + "\n```"
        else:
            raise DocsError(f"{source}: unsupported template directive {{{{ {m.group(1)} }}}}")
        return val.strip() if trim else val

    return _DIRECTIVE.sub(sub, text)


def _front_matter(title: str, description: str) -> str:
    desc = "\n".join("  " + line for line in (description.strip() or " ").splitlines())
    return f'---\npage_title: "{title}"\nsubcategory: ""\ndescription: |-\n{desc}\n---\n'


def _example(kind: str, name: str) -> tuple[str | None, str | None]:
    base = {"resource": ("resources", "resource.tf"), "data-source": ("data-sources", "data-source.tf"),
            "function": ("functions", "function.tf"), "list-resource": ("list-resources", "list-resource.tfquery.hcl"),
            "action": ("actions", "action.tf")}[kind]
    ex = REPO / "examples" / base[0] / name / base[1]
    imp = REPO / "examples" / base[0] / name / "import.sh"
    return (ex.relative_to(REPO).as_posix() if ex.is_file() else None,
            imp.relative_to(REPO).as_posix() if imp.is_file() else None)


DEFAULT_TEMPLATE = """---
page_title: "{{ .Name }} {{ .Type }} - terraform-provider-vessel"
subcategory: ""
description: |-
{{ .DescriptionIndented }}
---

# {{ .Name }} ({{ .Type }})

{{ .Description | trimspace }}
{{ .ExampleSection }}
{{ .SchemaMarkdown | trimspace }}
{{ .ImportSection }}"""


def _page(kind: str, name: str, description: str, schema_md: str) -> str:
    short = name[len(PROVIDER) + 1:] if name.startswith(PROVIDER + "_") else name
    example, imp = _example(kind, name)
    ctx = {
        "Name": name, "Type": {"resource": "Resource", "data-source": "Data Source", "list-resource": "List Resource",
                               "action": "Action"}[kind],
        "ProviderName": PROVIDER, "Description": description, "SchemaMarkdown": schema_md,
        "DescriptionIndented": "\n".join("  " + line for line in (description.strip() or " ").splitlines()),
        "ExampleSection": f"\n## Example Usage\n\n```terraform\n{_read_example(example)}\n```\n" if example else "",
        "ImportSection": ("\n## Import\n\nImport is supported using the following syntax:\n\n"
                          f"```shell\n{_read_example(imp)}\n```\n") if imp else "",
    }
    tmpl_path = REPO / "templates" / KINDS[kind] / f"{short}.md.tmpl"
    tmpl = tmpl_path.read_text() if tmpl_path.is_file() else DEFAULT_TEMPLATE
    source = str(tmpl_path.relative_to(REPO)) if tmpl_path.is_file() else "default template"
    return render_template(tmpl, ctx, source).rstrip("\n") + "\n"


def _function_page(name: str, fn: Any) -> tuple[str, list[str]]:
    undocumented = []
    params = list(fn.parameters)
    sig_parts = [f"{p.name} {_ftype(p.type)}" for p in params]
    if fn.HasField("variadic_parameter"):
        sig_parts.append(f"{fn.variadic_parameter.name} ...{_ftype(fn.variadic_parameter.type)}")
    sig = f"{name}({', '.join(sig_parts)}) {_ftype(fn.__getattribute__('return').type)}"
    args = []
    for i, p in enumerate(params + ([fn.variadic_parameter] if fn.HasField("variadic_parameter") else []), 1):
        desc = " ".join(p.description.split())
        if not desc:
            undocumented.append(f"function {name}: parameter {p.name}")
        nullable = ", Nullable" if p.allow_null_value else ""
        args.append(f"{i}. `{p.name}` ({type_name(json.loads(p.type))}{nullable}) {desc}".rstrip())
    if not fn.summary.strip():
        undocumented.append(f"function {name}: summary")
    example, _ = _example("function", name)
    lines = [_front_matter(f"{name} function - terraform-provider-vessel", fn.summary), f"# function: {name}", ""]
    if fn.description.strip():
        lines += [fn.description.strip(), ""]
    if example:
        lines += ["## Example Usage", "", "```terraform", _read_example(example), "```", ""]
    lines += ["## Signature", "", "<!-- signature generated by release/docs.py -->", "```text", sig, "```", ""]
    if args:
        lines += ["## Arguments", "", "<!-- arguments generated by release/docs.py -->"] + args + [""]
    tmpl = REPO / "templates" / "functions" / f"{name}.md.tmpl"
    if tmpl.is_file():
        text = render_template(tmpl.read_text(), {"Name": name, "Type": "Function", "ProviderName": PROVIDER,
                                                  "Description": fn.description, "SchemaMarkdown": "\n".join(lines)},
                               str(tmpl.relative_to(REPO)))
        return text.rstrip("\n") + "\n", undocumented
    return "\n".join(lines).rstrip("\n") + "\n", undocumented


def _ftype(raw: bytes) -> str:
    t = json.loads(raw)
    if isinstance(t, str):
        return t
    return f"{t[0]}" if t[0] in ("object", "tuple") else f"{t[0]} of {_ftype(json.dumps(t[1]).encode())}"


def generate() -> tuple[dict[str, str], list[str], list[str]]:
    """({relative path: content}, undocumented attributes, missing examples)."""
    schema = live_schema()
    pages: dict[str, str] = {}
    undocumented: list[str] = []
    missing_examples: list[str] = []

    md, und = schema_markdown(schema.provider.block, "provider")
    undocumented += und
    tmpl = REPO / "templates" / "index.md.tmpl"
    if not tmpl.is_file():
        raise DocsError("templates/index.md.tmpl is missing")
    ctx = {"Name": PROVIDER, "Type": "Provider", "ProviderName": PROVIDER,
           "Description": schema.provider.block.description, "SchemaMarkdown": md}
    pages["index.md"] = render_template(tmpl.read_text(), ctx, "templates/index.md.tmpl").rstrip("\n") + "\n"

    lists = dict(schema.list_resource_schemas)
    actions = {n: a.schema for n, a in schema.action_schemas.items()}
    for kind, table in (("resource", schema.resource_schemas), ("data-source", schema.data_source_schemas),
                        ("list-resource", lists), ("action", actions)):
        for name in sorted(table):
            s = table[name]
            if not s.block.description.strip():
                undocumented.append(f"{kind} {name}: description")
            md, und = schema_markdown(s.block, name)
            undocumented += und
            if _example(kind, name)[0] is None:
                missing_examples.append(f"{kind} {name}")
            short = name[len(PROVIDER) + 1:]
            pages[f"{KINDS[kind]}/{short}.md"] = _page(kind, name, s.block.description, md)
    for name in sorted(schema.functions):
        text, und = _function_page(name, schema.functions[name])
        undocumented += und
        if _example("function", name)[0] is None:
            missing_examples.append(f"function {name}")
        pages[f"functions/{name}.md"] = text
    return pages, undocumented, missing_examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with docs/ instead of writing")
    ap.add_argument("--out", type=Path, default=REPO / "docs")
    a = ap.parse_args(argv)
    try:
        pages, undocumented, missing = generate()
    except DocsError as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    for m in missing:
        print(f"docs: no example for {m}", file=sys.stderr)
    status = 0
    if undocumented:
        print("docs: undocumented (give them a description in the schema):\n  " + "\n  ".join(undocumented),
              file=sys.stderr)
        status = 1
    # docs/design/ holds the developers' notes, written by hand (the registry does not publish it)
    existing = ({p.relative_to(a.out).as_posix() for p in a.out.rglob("*.md")} - {
        p.relative_to(a.out).as_posix() for p in (a.out / "design").rglob("*.md")}) if a.out.is_dir() else set()
    if a.check:
        stale = sorted(p for p in pages if not (a.out / p).is_file() or (a.out / p).read_text() != pages[p])
        extra = sorted(existing - set(pages))
        for p in stale:
            old = (a.out / p).read_text().splitlines() if (a.out / p).is_file() else []
            sys.stderr.writelines(line + "\n" for line in difflib.unified_diff(
                old, pages[p].splitlines(), f"docs/{p} (committed)", f"docs/{p} (generated)", lineterm="", n=1))
        if stale or extra:
            print(f"docs: stale {stale}, not generated any more {extra}: run make docs", file=sys.stderr)
            status = 1
        return status
    for p in sorted(existing - set(pages)):
        (a.out / p).unlink()
    for p, text in pages.items():
        (a.out / p).parent.mkdir(parents=True, exist_ok=True)
        (a.out / p).write_text(text)
    print(f"docs: wrote {len(pages)} pages to {a.out}")
    return status


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
