"""``vessel snapshot``: the seed's layout, a manifest that verifies, no secret, private files."""
from __future__ import annotations

import json
from pathlib import Path

import yaml
from backup_helpers import assert_private_and_clean

from vessel_core.sim.state import Account


def test_snapshot_layout_manifest_and_secrets(cli_lab) -> None:
    def add_users(st):  # accounts made "by hand", with passwords the snapshot must not hold
        st.accounts.append(Account(id=3, username="operator", password="Op3rator!pw", role="Operator"))
        st.accounts.append(Account(id=4, username="auditor", password="Aud1tor#pw", role="ReadOnly"))
    cli_lab.state(add_users)
    folder = cli_lab.snapshot()
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
    listed = {i["path"] for i in manifest["items"]}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.yaml"}
    assert listed == on_disk
    assert {"hmm/redfish.json", "hmm/smmget.txt", "hmm/accounts.json", "hmm/settings/hmm.ntp.json", "hmm/settings/hmm.profiles.json",
            "switches/swi2.cfg", "switches/swi2.startup.cfg", "switches/swi3.cfg", "ibmc/blade1.json"} <= listed
    assert manifest["meta"]["not_captured"] == []
    assert manifest["actor"]["os_user"] and manifest["created_at"].endswith("Z")
    accounts = json.loads((folder / "hmm/accounts.json").read_text())
    assert {a["name"] for a in accounts} == {"root", "operator", "auditor"}
    assert all("password" not in a for a in accounts)
    assert "return" in (folder / "switches/swi2.cfg").read_text()
    blade = json.loads((folder / "ibmc/blade1.json").read_text())
    assert blade["binding"]["slot"] == 1 and blade["ibmc"]["via"] == ("redfish" if cli_lab.env["VESSEL_IBMC_ENDPOINTS"] != "{}" else "cli")
    redfish = json.loads((folder / "hmm/redfish.json").read_text())
    assert "/redfish/v1" in redfish and "/redfish/v1/Chassis" in redfish
    assert not any("/SessionService/Sessions/" in p for p in redfish)
    smm = (folder / "hmm/smmget.txt").read_text()
    commands = [ln[3:] for ln in smm.splitlines() if ln.startswith("## ")]
    assert commands[:4] == ["smmget -d version", "smmget -d gateway", "smmget -d timezone", "smmget -d presence"]
    assert "Software Version :" in smm and "Swi1 is not present." in smm
    assert "smmget -l swi1 -d version" not in commands and "smmget -l swi2 -d version" in commands  # absent: presence only
    blades = sorted({int(c.split()[2][5:]) for c in commands if " -l blade" in c})
    assert blades == sorted(json.loads((folder / p).read_text())["slot"] for p in listed if p.startswith("ibmc/"))
    for item in ("presence", "health", "biosbootmode", "macaddress", "powerstate"):
        assert f"smmget -l blade{blades[0]} -d {item}" in commands
    assert assert_private_and_clean(cli_lab.snapshots) == len(listed) + 1

    sid = folder.name
    assert sid in cli_lab.vessel("snapshot", "list").stdout
    assert "hmm/accounts.json" in cli_lab.vessel("snapshot", "show", sid).stdout
    assert "match their SHA-256" in cli_lab.vessel("snapshot", "verify", sid).stdout
    (folder / "hmm/settings/hmm.ntp.json").write_text('{"enabled": true}\n')  # tampered
    bad = cli_lab.vessel("snapshot", "verify", sid, expect=1)
    assert "does not match its manifest hash" in bad.stderr


def test_settings_come_from_the_provider_variables(cli_lab, tmp_path: Path) -> None:
    r = cli_lab.vessel("snapshot", expect=2, VESSEL_ENDPOINT="not a host!")
    assert "VESSEL_ENDPOINT" in r.stderr and "Traceback" not in r.stderr
    r = cli_lab.vessel("snapshot", expect=2, VESSEL_REQUEST_TIMEOUT="soon")
    assert "VESSEL_REQUEST_TIMEOUT" in r.stderr
