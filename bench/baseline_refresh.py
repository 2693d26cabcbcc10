"""Refresh of the day-one chassis (``examples/tofu/chassis-baseline``) with the real terraform
binary: HMM requests per plan, and the same with more accounts and alarm destinations (target:
a count that does not grow with the number of objects), next to a plan of as many
``terraform_data`` resources in the same run. Prints figures only.

Requests are counted inside the emulator as ``bench/stateless_scale.py`` counts them.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import stateless_scale as ss  # noqa: E402
from tfharness import find_tf_bin, run_tf  # noqa: E402

from vessel_core.sim import emulator as sim_emulator  # noqa: E402

EXAMPLE = REPO / "examples" / "tofu" / "chassis-baseline" / "main.tf"
SECRETS = {"ldap_bind_password": "Ldap-Bind-7731!", "ops_password": "Ops-Pass-9913!",
           "audit_password": "Audit-Pass-4417!", "trap_community": "trapcomm-8842"}
EXTRA = 4  # accounts and syslog destinations added for the second count


def baseline(extra: int) -> str:
    text = EXAMPLE.read_text()
    body = text[text.index('variable "ldap_bind_password"'):]
    body += "".join(f'resource "vessel_user" "u{i}" {{\n  name                = "user{i}"\n  role = "ReadOnly"\n'
                    f'  password_wo         = var.ops_password\n  password_wo_version = 1\n}}\n' for i in range(extra))
    body += "".join(f'resource "vessel_alarm_subscription" "s{i}" {{\n  type     = "syslog"\n'
                    f'  address  = "10.0.1.{10 + i}"\n  severity = "major"\n}}\n' for i in range(min(extra, 3)))
    return body


def count(body: str) -> int:
    return body.count('\nresource "') + body.startswith('resource "')


def main() -> None:
    tf_bin = find_tf_bin()
    if not tf_bin:
        raise SystemExit("no terraform/tofu binary (set TF_BIN)")
    sim_emulator.fault_middleware = ss._counting(sim_emulator.fault_middleware)  # type: ignore[assignment]
    root = Path(tempfile.mkdtemp(prefix="vessel-bench-baseline-"))
    rows = []
    try:
        emu = ss.new_emulator(root / "sim")
        try:
            ws = ss.workspace(tf_bin, root / "ws", emu)
            ws.env.update({f"TF_VAR_{k}": v for k, v in SECRETS.items()})
            for extra in (0, EXTRA):
                body = baseline(extra)
                (ws.dir / "main.tf").write_text(ss.REQUIRED + body)
                ws.tf(*ss.APPLY)
                secs, counts = ss.plans(ws, f"baseline + {extra}")
                rows.append((count(body), secs, counts))
            base = root / "data"
            base.mkdir()
            (base / "main.tf").write_text(ss.data(rows[0][0]))
            run_tf(tf_bin, base, ws.env, *ss.APPLY)
            tb = statistics.median(ss.timed(ws, *ss.PLAN, cwd=base)[0] for _ in range(ss.RUNS))
        finally:
            emu.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"-- plan (refresh) of the chassis baseline after apply: HMM requests per plan (counted in the emulator, "
          f"{ss.RUNS} plans each)")
    for n, _, counts in rows:
        web = ss.web(counts[0])
        other: Counter[str] = counts[0] - web
        totals = sorted({sum(ss.web(c).values()) for c in counts})
        print(f"{n:>2} resources: {'/'.join(map(str, totals))} HMM web requests ({ss.breakdown(web)})"
              + (f"; besides: {ss.breakdown(other)}" if other else ""))
    print(f"-- plan wall time, median of {ss.RUNS}")
    print(f"baseline ({rows[0][0]} resources): {rows[0][1]:.2f}s; with {rows[1][0]} resources: {rows[1][1]:.2f}s")
    print(f"{rows[0][0]} terraform_data: {tb:.2f}s; ratio baseline / terraform_data: {rows[0][1] / tb:.2f}")


if __name__ == "__main__":
    main()
