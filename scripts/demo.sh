#!/usr/bin/env bash
# `make demo`: the vessel provider under the real terraform/tofu binary, against the emulator.
#
# 1. starts the emulated chassis (`vessel-sim`, state in .demo/sim) and reads its ready line;
# 2. wires the provider in with dev_overrides (a throw-away CLI config in .demo/; with
#    dev_overrides `init` is unnecessary and skipped);
# 3. `apply -auto-approve` of examples/tofu/quickstart (VLANs, trunk ports, an LACP LAG on 2X, NTP);
# 4. a second `plan -detailed-exitcode` must be empty;
# 5. stops the emulator and prints a summary (snapshots, audit records).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
demo="$repo/.demo"
py="$repo/.venv/bin/python"
tf=${TF_BIN:-$(command -v tofu || command -v terraform || true)}
[ -n "$tf" ] || { echo "demo: no tofu/terraform on PATH (set TF_BIN)" >&2; exit 1; }
[ -x "$py" ] || { echo "demo: run 'make venv' first" >&2; exit 1; }

rm -rf "$demo"
mkdir -p "$demo/bin" "$demo/work" "$demo/sim"

sim_pid=""
stop_sim() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  sim_pid=""
}
trap stop_sim EXIT

echo "== starting the emulated chassis (vessel-sim, state in .demo/sim)"
"$py" -m vessel_core.sim.cli --state "$demo/sim" --fast > "$demo/sim.json" 2> "$demo/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do
  [ -s "$demo/sim.json" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "demo: vessel-sim exited:" >&2; cat "$demo/sim.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$demo/sim.json" ] || { echo "demo: vessel-sim gave no ready line" >&2; exit 1; }

# provider settings from the ready line (the HMM SSH host key is pinned by its fingerprint)
eval "$("$py" - "$demo/sim.json" "$demo/sim" <<'PY'
import json, shlex, sys
import asyncssh
info = json.loads(open(sys.argv[1]).readline())
key = asyncssh.read_private_key(f"{sys.argv[2]}/ssh_host_hmm_ed25519_key")
env = {
    "VESSEL_ENDPOINT": info["hmm"]["url"],
    "VESSEL_USERNAME": info["hmm"]["username"],
    "VESSEL_PASSWORD": info["hmm"]["password"],
    "VESSEL_CA_CERT": info["ca_cert"],
    "VESSEL_SSH_PORT": str(info["ssh"]["port"]),
    "VESSEL_SSH_HOST_KEY_FINGERPRINT": key.get_fingerprint("sha256"),
    "VESSEL_WATCHDOG_DEADLINE": "20s",
    "SIM_SWITCHES": " ".join(f"{k}={v['label']}/{v['vrp']}" for k, v in sorted(info["switches"].items())),
}
for k, v in env.items():
    print(f"export {k}={shlex.quote(v)}")
PY
)"
echo "   HMM at $VESSEL_ENDPOINT, SSH port $VESSEL_SSH_PORT, switches: $SIM_SWITCHES"

cat > "$demo/bin/terraform-provider-vessel" <<LAUNCH
#!/bin/sh
exec "$py" -m tfprovider.main "\$@"
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
quiet() { grep -v -e 'overrides are in effect' -e 'provider development overrides' -e '^ - ' \
  -e 'configuration:$' -e 'behavior may therefore' -e 'applying changes may' -e '^releases\.$' || true; }

echo "== $("$tf" version | head -1) with dev_overrides ($demo/cli.tfrc); init skipped"
echo "== apply -auto-approve (examples/tofu/quickstart)"
start=$(date +%s)
if ! "$tf" apply -auto-approve -no-color -input=false > "$demo/apply.log" 2>&1; then
  quiet < "$demo/apply.log"; echo "demo: apply FAILED" >&2; exit 1
fi
grep -E '^(Apply complete|vessel_|data\.vessel)' "$demo/apply.log" | grep -v 'Refreshing\|Reading\|Read complete' | sed 's/^/   /' || true
echo "   ($(( $(date +%s) - start ))s)"
"$tf" output -no-color switch | sed 's/^/   /'

echo "== second plan -detailed-exitcode (must be empty)"
set +e
"$tf" plan -detailed-exitcode -no-color -input=false > "$demo/plan.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  quiet < "$demo/plan.log"; echo "demo: second plan is not empty (exit $rc)" >&2; exit 1
fi
grep -E '^No changes' "$demo/plan.log" | sed 's/^/   /'

echo "== stopping the emulator"
stop_sim

"$py" - "$demo/work/.vessel" "$("$tf" state list | wc -l)" <<'PY'
import sys
from collections import Counter
from pathlib import Path
from vessel_core.safety import AuditLog, SnapshotStore
root, n = Path(sys.argv[1]), sys.argv[2]
store = SnapshotStore(root / "snapshots")
snaps = store.list()
for s in snaps:
    store.verify(s)
records = AuditLog(root / "audit.jsonl").read()
ops = Counter(f"{r['op']}:{r['outcome']}" for r in records)
print("== summary")
print(f"   {n} objects in state; second plan empty")
print(f"   {len(snaps)} snapshot(s) in .demo/work/.vessel/snapshots, manifest hashes verified")
print(f"   {len(records)} audit record(s) in .demo/work/.vessel/audit.jsonl: "
      + ", ".join(f"{k} x{v}" for k, v in sorted(ops.items())))
PY
echo "== demo OK"
