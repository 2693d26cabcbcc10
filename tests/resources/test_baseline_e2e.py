"""The day-one chassis (``examples/tofu/chassis-baseline``) with the real terraform binary:
applies, second plan empty, every secret absent from state, plan JSON, TRACE log, audit log and
snapshots; destroy returns every setting to the factory value and removes the accounts and
alarm destinations."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tofu" / "chassis-baseline" / "main.tf"
SECRETS = {"ldap_bind_password": "Ldap-Bind-7731!", "ops_password": "Ops-Pass-9913!",
           "audit_password": "Audit-Pass-4417!", "trap_community": "trapcomm-8842"}


def body() -> str:
    text = EXAMPLE.read_text()
    return text[text.index('variable "ldap_bind_password"'):]


def test_chassis_baseline_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any) -> None:
    (tmp_path / "ws").mkdir()
    log = tmp_path / "trace.log"
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-baseline-e2e", TF_LOG="TRACE",
                         TF_LOG_PATH=str(log), **{f"TF_VAR_{k}": v for k, v in SECRETS.items()})
    ws.write(body())
    ws.apply()
    st = emulator.call(lambda: emulator.emu.state.model_copy(deep=True))
    assert st.ntp.preferred_server == "ntp1.example.net" and st.chassis.asset_tag == "dc1/row4/rack7"
    assert {a.username for a in st.accounts} >= {"ops", "audit"}
    ws.assert_no_changes()

    show = ws.tf("show", "-json").stdout
    stored = (ws.dir / "terraform.tfstate").read_text()
    snapshots = "".join(p.read_text(errors="replace") for p in ws.snapshot_dir.rglob("*") if p.is_file())
    audit = ws.audit_path.read_text()
    trace = log.read_text(errors="replace")
    for name, secret in SECRETS.items():
        for where, text in (("state", stored), ("show -json", show), ("snapshots", snapshots), ("audit", audit),
                            ("TRACE log", trace)):
            assert secret not in text, f"{name} found in {where}"

    ws.tf("destroy", "-auto-approve", "-input=false")
    end = emulator.call(lambda: emulator.emu.state.model_copy(deep=True))
    assert not ({a.username for a in end.accounts} & {"ops", "audit"})
    assert end.chassis.asset_tag == "" and not end.ntp.enabled
    ws.assert_no_providers_left()
