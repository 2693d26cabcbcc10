"""The committed provider docs are complete and match the live schema (make docs regenerates)."""
from __future__ import annotations

import json

from release_helpers import REPO

from release import docs


def test_every_schema_element_is_documented_and_docs_are_fresh():
    pages, undocumented, _missing = docs.generate()
    assert undocumented == [], f"attributes without a description: {undocumented}"
    schema = docs.live_schema()
    expected = {"index.md"}
    expected |= {f"resources/{n.removeprefix('vessel_')}.md" for n in schema.resource_schemas}
    expected |= {f"data-sources/{n.removeprefix('vessel_')}.md" for n in schema.data_source_schemas}
    expected |= {f"functions/{n}.md" for n in schema.functions}
    expected |= {f"list-resources/{n.removeprefix('vessel_')}.md" for n in schema.list_resource_schemas}
    expected |= {f"actions/{n.removeprefix('vessel_')}.md" for n in schema.action_schemas}
    assert schema.list_resource_schemas and schema.action_schemas
    assert set(pages) == expected

    def names(block, prefix=""):
        for a in block.attributes:
            yield a.name
            if a.HasField("nested_type"):
                yield from (x.name for x in a.nested_type.attributes)
        for b in block.block_types:
            yield b.type_name
            yield from names(b.block)

    checks = [("index.md", schema.provider.block)]
    checks += [(f"resources/{n.removeprefix('vessel_')}.md", s.block) for n, s in schema.resource_schemas.items()]
    checks += [(f"data-sources/{n.removeprefix('vessel_')}.md", s.block) for n, s in schema.data_source_schemas.items()]
    checks += [(f"list-resources/{n.removeprefix('vessel_')}.md", s.block) for n, s in schema.list_resource_schemas.items()]
    checks += [(f"actions/{n.removeprefix('vessel_')}.md", a.schema.block) for n, a in schema.action_schemas.items()]
    for page, block in checks:
        for name in names(block):
            assert f"- `{name}` (" in pages[page], f"{page} does not document {name}"
    for n, fn in schema.functions.items():
        for p in fn.parameters:
            assert f"`{p.name}` (" in pages[f"functions/{n}.md"]

    stale = sorted(p for p, text in pages.items()
                   if not (REPO / "docs" / p).is_file() or (REPO / "docs" / p).read_text() != text)
    hand_written = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs" / "design").rglob("*.md")}
    extra = sorted({p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*.md")}
                   - set(pages) - hand_written)
    assert not stale and not extra, f"docs/ is stale ({stale}, extra {extra}): run `make docs` and commit docs/"


def test_undocumented_attribute_is_reported():
    from tfprovider.protocol import tfplugin6_pb2 as pb

    block = pb.Schema.Block(attributes=[
        pb.Schema.Attribute(name="documented", type=json.dumps("string").encode(), optional=True, description="Yes."),
        pb.Schema.Attribute(name="bare", type=json.dumps(["list", "number"]).encode(), required=True),
    ], block_types=[pb.Schema.NestedBlock(type_name="rule", nesting=pb.Schema.NestedBlock.LIST, block=pb.Schema.Block(
        description="A rule.", attributes=[pb.Schema.Attribute(name="cidr", type=b'"string"', required=True)]))])
    md, undocumented = docs.schema_markdown(block, "vessel_x")
    assert undocumented == ["vessel_x.bare", "vessel_x.rule.cidr"]
    assert "- `bare` (List of Number)" in md and "- `rule` (Block List) A rule." in md
    assert '<a id="nestedblock--rule"></a>' in md and "- `cidr` (String)" in md


def test_templates_reject_unknown_directives():
    import pytest

    with pytest.raises(docs.DocsError, match="unsupported template directive"):
        docs.render_template("{{ range .Things }}", {}, "t.md.tmpl")
    with pytest.raises(docs.DocsError, match="unknown field .Nope"):
        docs.render_template("{{ .Nope }}", {}, "t.md.tmpl")
