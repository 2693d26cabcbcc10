"""The round trip (the seed's phase-1 gate): configure, snapshot, factory reset, restore; a new
snapshot's captures equal the first's. The dry run lists exactly the differences."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml
from conftest import TEST_PASSWORDS, assert_private_and_clean

from vessel_core.sim.state import Account, EasyLinkNicProfile, MacPool, StatelessProfile


def _configure(st) -> None:
    st.accounts.append(Account(id=3, username="operator", password="Op3rator!pw", role="Operator"))
    st.ntp.enabled, st.ntp.preferred_server = True, "ntp1.lab"
    st.mac_pools.append(MacPool(name="web_macs", start="28:6E:D4:10:00:00", size=64))
    st.easylink_nic_profiles.append(EasyLinkNicProfile(name="data", vlans=[30], native_vlan=30))
    st.profiles.append(StatelessProfile(name="web", description="web tier", mac_pool="web_macs"))
    vlans = st.switches[2].vrp.running.vlans
    vlans[30] = next(iter(vlans.values())).model_copy(update={"id": 30, "description": "web"})


def _captures(folder: Path) -> dict[str, str]:
    """The restorable files of a snapshot (readouts and the blades' iBMC readouts aside)."""
    m = yaml.safe_load((folder / "manifest.yaml").read_text())
    out = {}
    for part in m["meta"]["parts"]:
        for path in part["files"].values():
            text = (folder / path).read_text()
            out[path] = json.dumps(json.loads(text)["binding"]) if part["group"] == "blade" else text
    return out


def test_round_trip_through_factory_reset(cli_lab) -> None:
    cli_lab.state(_configure)
    first = cli_lab.snapshot()
    info = cli_lab.emu.info["admin"]
    httpx.post(info["url"] + "/factory-reset", headers={"Authorization": f"Bearer {info['token']}"},
               verify=cli_lab.emu.info["ca_cert"]).raise_for_status()
    assert cli_lab.state(lambda st: [a.username for a in st.accounts]) == ["root"]

    dry = cli_lab.vessel("restore", first.name, "--dry-run").stdout
    assert "hmm.ntp: 1 difference(s)" in dry and "preferred_server \"\" -> \"ntp1.lab\"" in dry
    assert "create operator" in dry and "create web" in dry and "switch:2X" in dry and "vlan 30" in dry
    assert cli_lab.state(lambda st: st.ntp.enabled) is False  # the dry run changed nothing

    r = cli_lab.vessel("restore", first.name, "--yes", expect=0, VESSEL_RESTORE_PASSWORD_operator="Op3rator!pw")
    assert "FAILED" not in r.stdout and "restored hmm.users" in r.stdout, r.stdout
    assert cli_lab.state(lambda st: st.account("operator").password) == "Op3rator!pw"
    second = cli_lab.snapshot()
    assert _captures(second) == _captures(first)
    assert "no differences" in cli_lab.vessel("restore", first.name, "--dry-run").stdout
    assert_private_and_clean(cli_lab.snapshots, TEST_PASSWORDS)
    audit = [json.loads(x) for x in (cli_lab.root / "audit.jsonl").read_text().splitlines()]
    assert {a["op"] for a in audit} == {"snapshot.restore"} and all(a["outcome"] == "success" for a in audit)


def test_an_account_without_password_is_reported_not_invented(cli_lab) -> None:
    cli_lab.state(_configure)
    first = cli_lab.snapshot()
    cli_lab.state(lambda st: st.accounts.pop())  # operator removed by hand
    r = cli_lab.vessel("restore", first.name, "--yes", "--scope", "hmm.users", expect=1)
    assert "not restored: hmm.users operator" in r.stdout and "VESSEL_RESTORE_PASSWORD_operator" in r.stdout
    assert cli_lab.state(lambda st: st.account("operator")) is None
