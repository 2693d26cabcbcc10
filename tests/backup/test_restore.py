"""The round trip (the seed's phase-1 gate): configure, snapshot, factory reset, restore; a new
snapshot's captures equal the first's. The dry run lists exactly the differences."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import yaml
from backup_helpers import TEST_PASSWORDS, assert_private_and_clean

from vessel_core.sim.ssh.server import switch_reachable
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


def _factory_reset(cli_lab) -> None:
    info = cli_lab.emu.info["admin"]
    httpx.post(info["url"] + "/factory-reset", headers={"Authorization": f"Bearer {info['token']}"},
               verify=cli_lab.emu.info["ca_cert"]).raise_for_status()


def test_round_trip_through_factory_reset(cli_lab) -> None:
    cli_lab.state(_configure)
    first = cli_lab.snapshot()
    _factory_reset(cli_lab)
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


def test_a_switch_losing_management_during_its_restore_is_rolled_back_and_the_rest_restored(cli_lab) -> None:
    def configure(st) -> None:
        _configure(st)
        vlans = st.switches[3].vrp.running.vlans
        vlans[31] = next(iter(vlans.values())).model_copy(update={"id": 31, "description": "db"})
    cli_lab.state(configure)
    first = cli_lab.snapshot()
    _factory_reset(cli_lab)
    reset_2x = cli_lab.state(lambda st: st.switches[2].vrp.running.model_copy(deep=True))
    # Swi2 stops answering for 8 s after each commit: longer than the 2 s watchdog
    cli_lab.emu.call(lambda: setattr(cli_lab.emu.emu.faults, "mgmt_loss_after_commit_s", {"Swi2": 8.0}))

    r = cli_lab.vessel("restore", first.name, "--yes", expect=1, VESSEL_WATCHDOG_DEADLINE="2s",
                       VESSEL_RESTORE_PASSWORD_operator="Op3rator!pw")
    failed = [ln for ln in r.stdout.splitlines() if ln.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED switch:2X: ") and "(rollback)" in failed[0], r.stdout
    assert "verification failed within 2s" in failed[0] and "the state before the change was restored" in failed[0]
    for part in ("hmm.ntp", "hmm.users", "hmm.mac_pools", "hmm.profiles", "switch:3X"):
        assert f"restored {part} (" in r.stdout, (part, r.stdout)

    # 2X is back as it was before the restore (the rollback's own commit went through); the rest is restored
    assert cli_lab.state(lambda st: st.switches[2].vrp.running) == reset_2x
    assert 30 not in reset_2x.vlans
    assert cli_lab.state(lambda st: 31 in st.switches[3].vrp.running.vlans)
    assert cli_lab.state(lambda st: (st.ntp.enabled, st.ntp.preferred_server)) == (True, "ntp1.lab")
    assert cli_lab.state(lambda st: st.account("operator").password) == "Op3rator!pw"
    audit = [json.loads(x) for x in (cli_lab.root / "audit.jsonl").read_text().splitlines()]
    outcomes = {a["target"]["id"].split("@")[0]: a["outcome"] for a in audit}
    assert outcomes.pop("switch:2X") == "rollback", audit
    assert outcomes and set(outcomes.values()) == {"success"}, audit
    rollback = next(a for a in audit if a["outcome"] == "rollback")
    assert rollback["evidence"]["restored"] is True and rollback["evidence"]["snapshot"] == first.name

    # while 2X is still down (the rollback's commit began another outage) the dry run says so and
    # compares the rest; once it answers again, 2X is the one scope left to restore
    dry = cli_lab.vessel("restore", first.name, "--dry-run", expect=1).stdout
    assert dry.startswith("switch:2X: could not be read: ") and dry.rstrip().endswith("not compared, not restored")
    assert len(dry.strip().splitlines()) == 1, dry
    cli_lab.emu.call(lambda: setattr(cli_lab.emu.emu.faults, "mgmt_loss_after_commit_s", {}))
    deadline = time.monotonic() + 15
    while not cli_lab.emu.call(lambda: switch_reachable(cli_lab.emu.emu, 2)) and time.monotonic() < deadline:
        time.sleep(0.2)
    dry = cli_lab.vessel("restore", first.name, "--dry-run").stdout
    assert re.fullmatch(r"switch:2X: \d+ difference\(s\)", dry.splitlines()[0]) and "vlan 30" in dry, dry
    assert not any(ln.endswith("difference(s)") for ln in dry.splitlines()[1:]), dry
