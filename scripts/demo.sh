#!/usr/bin/env bash
# `make demo`: the vessel provider under the real terraform/tofu binary.
#
# Builds nothing beyond the venv (`make venv` ran before us), writes a throw-away CLI
# config with dev_overrides into .demo/, then runs `validate` and `providers schema -json`
# on examples/tofu/quickstart. With dev_overrides, `init` is skipped: the CLI documents
# it as unnecessary for an overridden provider, and validate/plan work without it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
demo="$repo/.demo"
tf=${TF_BIN:-$(command -v tofu || command -v terraform || true)}
[ -n "$tf" ] || { echo "demo: no tofu/terraform on PATH (set TF_BIN)" >&2; exit 1; }

rm -rf "$demo"
mkdir -p "$demo/bin" "$demo/work"
cat > "$demo/bin/terraform-provider-vessel" <<LAUNCH
#!/bin/sh
exec "$repo/.venv/bin/python" -m tfprovider.main "\$@"
LAUNCH
chmod +x "$demo/bin/terraform-provider-vessel"
cat > "$demo/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/popsolutions/vessel" = "$demo/bin"
    "registry.opentofu.org/popsolutions/vessel" = "$demo/bin"
  }
  direct {}
}
CFG
cp "$repo/examples/tofu/quickstart/"*.tf "$demo/work/"
export TF_CLI_CONFIG_FILE="$demo/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cd "$demo/work"

echo "== $("$tf" version | head -1) with dev_overrides ($demo/cli.tfrc); init skipped"
echo "== validate examples/tofu/quickstart"
"$tf" validate -no-color 2>&1 | grep -v -e '^$' -e 'overrides are set' -e 'behavior may' -e 'applying changes' -e 'releases\.' -e '^ - ' -e 'configuration:$' || true
"$tf" validate -no-color >/dev/null 2>&1 || { echo "demo: validate FAILED" >&2; exit 1; }

echo "== providers schema -json"
"$tf" providers schema -json > "$demo/schema.json"
"$repo/.venv/bin/python" - "$demo/schema.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
(addr, prov), = doc["provider_schemas"].items()
attrs = prov["provider"]["block"]["attributes"]
print(f"provider {addr}: {len(attrs)} settings")
for name, a in sorted(attrs.items()):
    flags = ", ".join(k for k in ("required", "optional", "computed", "sensitive") if a.get(k))
    print(f"  {name:26} {json.dumps(a.get('type'))!s:10} {flags}")
print(f"resources: {len(prov.get('resource_schemas', {}))}, data sources: {len(prov.get('data_source_schemas', {}))}")
PY
echo "== demo OK"
