"""The chassis singletons and accounts with the real terraform binary against the emulator:
``vessel_chassis_settings``, ``vessel_power_policy``, ``vessel_ldap_domain`` (LDAP-only login
against a server that answers), two ``vessel_user`` (write-only password, and ``password`` for
older clients) and the ``vessel_chassis`` data source applied together; a second plan empty;
import of each by command and by ``import {}`` + ``-generate-config-out`` (planning imports
only); destroy resets the singletons and deletes the accounts. The secrets used never reach the
state (but the documented ``password``), ``terraform show -json``, the TRACE log, the audit log
or the snapshot folder."""
from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from vessel_ws import VesselWorkspace

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

BIND_PW, WO_PW, OLD_PW = "Bind-e2e-s3cret", "WoPass-e2e-123", "OldPass-e2e-456"

CONFIG = """
resource "vessel_chassis_settings" "this" {
  asset_tag        = "dc1/row4/rack7"
  slot_aliases     = { "1" = "k8s-w1", "13" = "ceph-1" }
  bios_boot_mode   = "UEFI"
  blackbox_enabled = false
}

resource "vessel_power_policy" "this" {
  capping_enabled     = true
  capping_limit_w     = 9000
  slot_priority       = { "1" = "low", "13" = "high" }
  hibernation_enabled = true
  hibernation_mode    = "n+n"
}

resource "vessel_ldap_domain" "this" {
  server                   = "ldap://127.0.0.1:%(port)d"
  base_dn                  = "DC=lab,DC=example"
  user_folder              = "OU=Staff"
  bind_dn                  = "CN=svc-hmm,DC=lab,DC=example"
  bind_password_wo         = "%(bind)s"
  bind_password_wo_version = 1
  groups = [{ name = "CN=hmm-ops,OU=Groups,DC=lab,DC=example", role = "Operator" }]
  local_login_enabled = false
}

resource "vessel_user" "wo" {
  name                = "ops-wo"
  role                = "Operator"
  interfaces          = ["WEB", "REDFISH"]
  password_wo         = "%(wo)s"
  password_wo_version = 1
}

resource "vessel_user" "old" {
  name     = "ops-old"
  role     = "ReadOnly"
  password = "%(old)s"
}

data "vessel_chassis" "this" {}

output "psus" {
  value = length(data.vessel_chassis.this.power_supplies)
}

output "active_hmm" {
  value = data.vessel_chassis.this.hmm_active.version
}
"""

ADDRESSES = {"vessel_chassis_settings.this": "hmm", "vessel_power_policy.this": "hmm",
             "vessel_ldap_domain.this": "hmm", "vessel_user.wo": "ops-wo", "vessel_user.old": "ops-old"}


@pytest.fixture
def ldap_port() -> Iterator[int]:
    """A TCP port that answers (the LDAP server the plan-time probe must reach)."""
    srv = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                conn.close()
            except OSError:
                continue
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    srv.close()


def _state(emu: Any) -> dict:
    def read() -> dict:
        st = emu.emu.state
        return {"chassis": st.chassis.model_dump(), "power": st.power_capping.model_dump(),
                "ldap": st.ldap.model_dump(), "accounts": {a.username: a.model_dump() for a in st.accounts}}
    return emu.call(read)


def _secret_free(text: str, where: str, *, allow_old: bool = False) -> None:
    for s in (BIND_PW, WO_PW) if allow_old else (BIND_PW, WO_PW, OLD_PW):
        assert s not in text, f"a password used in the test is in {where}"


def test_settings_and_accounts_with_terraform(tf_bin: str, tmp_path: Path, emulator: Any, ldap_port: int) -> None:
    (tmp_path / "ws").mkdir()
    ws = VesselWorkspace(tf_bin, tmp_path / "ws", emulator, "vessel-settings-e2e")
    factory = _state(emulator)
    ws.write(CONFIG % {"port": ldap_port, "bind": BIND_PW, "wo": WO_PW, "old": OLD_PW})
    trace = tmp_path / "trace.log"
    ws.tf("apply", "-auto-approve", env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(trace)})

    st = _state(emulator)
    assert (st["chassis"]["asset_tag"], st["chassis"]["bios_boot_mode"], st["chassis"]["blackbox_enabled"]) == \
        ("dc1/row4/rack7", "UEFI", False)
    assert {k: v for k, v in st["chassis"]["slot_alias"].items() if v} == {"1": "k8s-w1", "13": "ceph-1"}
    assert (st["power"]["enabled"], st["power"]["limit_w"], st["power"]["slot_priority"], st["power"]["hibernate_mode"]) \
        == (True, 9000, {"1": "low", "13": "high"}, "N+N")
    assert st["ldap"]["local_login"] is False and st["ldap"]["bind_password"] == BIND_PW
    assert st["accounts"]["ops-wo"]["password"] == WO_PW and st["accounts"]["ops-wo"]["interfaces"] == ["WEB", "REDFISH"]
    assert st["accounts"]["ops-old"]["password"] == OLD_PW
    out = ws.tf("output", "-json").stdout
    assert '"value": 6' in out.replace('"value":6', '"value": 6') and "7.63" in out
    ws.assert_no_changes()     # root, the default administrator, still logs in under LDAP-only login

    # secrets: state holds only the documented old-client password; show -json likewise; TRACE, audit,
    # snapshots none
    state_text = (ws.dir / "terraform.tfstate").read_text()
    _secret_free(state_text, "the state", allow_old=True)
    assert OLD_PW in state_text                            # documented: `password` lands in state
    _secret_free(ws.tf("show", "-json").stdout, "terraform show -json", allow_old=True)
    trace_text = trace.read_text(errors="ignore")
    assert "vessel_ldap_domain" in trace_text and "ApplyResourceChange" in trace_text   # it did log the apply
    _secret_free(trace_text, "the TRACE log")
    _secret_free(ws.audit_path.read_text(), "the audit log")
    snaps = [p for p in ws.snapshot_dir.rglob("*") if p.is_file()]
    assert snaps and ws.verify_snapshots()
    for p in snaps:
        _secret_free(p.read_text(errors="ignore"), f"the snapshot {p.name}")
    resources = ws.resources()
    assert resources["vessel_ldap_domain.this"]["bind_password_wo"] is None
    assert resources["vessel_user.wo"]["password_wo"] is None

    # import of each by command: nothing to change afterwards but the write-only versions (unknown after import)
    ws.tf("state", "rm", *ADDRESSES)
    for address, ident in ADDRESSES.items():
        ws.tf("import", "-input=false", address, ident)
    plan = ws.tf("plan", "-input=false", "-detailed-exitcode", expect=(0, 2)).stdout
    changed = set(re.findall(r"# (\S+) will be updated in-place", plan))
    assert changed == {"vessel_ldap_domain.this", "vessel_user.wo", "vessel_user.old"}, plan
    assert "bind_password_wo_version" in plan and "password_wo_version" in plan
    ws.apply()
    ws.assert_no_changes()

    # import {} + -generate-config-out, in a workspace of its own: the plan imports, nothing else
    (tmp_path / "adopt").mkdir()
    adopt = VesselWorkspace(tf_bin, tmp_path / "adopt", emulator, "vessel-settings-adopt")
    adopt.write("".join(f'import {{\n  to = {a}\n  id = "{i}"\n}}\n' for a, i in ADDRESSES.items()))
    adopt.tf("plan", "-input=false", "-generate-config-out=generated.tf")
    generated = (adopt.dir / "generated.tf").read_text()
    assert 'resource "vessel_power_policy" "this"' in generated and "dc1/row4/rack7" in generated
    _secret_free(generated, "the generated configuration")
    plan = adopt.tf("plan", "-input=false").stdout
    assert re.search(r"Plan: 5 to import, 0 to add, 0 to change, 0 to destroy", plan), plan

    ws.tf("destroy", "-auto-approve", "-input=false")
    after = _state(emulator)
    assert after["chassis"] == factory["chassis"] and after["power"] == factory["power"]
    assert {k: v for k, v in after["ldap"].items() if k != "bind_password"} == \
        {k: v for k, v in factory["ldap"].items() if k != "bind_password"}
    assert set(after["accounts"]) == set(factory["accounts"])
    ops = [r["op"] for r in ws.audit()]
    assert ops.count("hmm.users.delete") == 2
    assert {"hmm.chassis_settings.reset", "hmm.power_policy.reset", "hmm.ldap.reset"} <= set(ops)
    assert all(r["outcome"] in ("success", "no-op") for r in ws.audit())
    _secret_free(ws.audit_path.read_text(), "the audit log")
    ws.assert_no_providers_left()
