"""``vessel export`` with the real terraform binary: a chassis configured by hand (its state and
its switch CLI, not the provider: accounts, pools, profiles, NTP, a VLAN, an uplink port, a LAG)
is exported; the plan shows imports only, apply adopts every
object, and a second plan is empty. No password reaches the export."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from backup_helpers import TEST_PASSWORDS, CliLab
from vessel_ws import VesselWorkspace

from vessel_core.session import Session, SessionSettings
from vessel_core.sim.state import Account, EasyLinkNicProfile, MacPool, StatelessProfile, UuidPool
from vessel_core.sim.testing import EmulatorThread

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def _by_hand(st) -> None:
    st.accounts.append(Account(id=3, username="operator", password="Op3rator!pw", role="Operator"))
    st.accounts.append(Account(id=4, username="auditor", password="Aud1tor#pw", role="ReadOnly", enabled=False))
    st.mac_pools.append(MacPool(name="web_macs", start="28:6E:D4:10:00:00", size=64))
    st.uuid_pools.append(UuidPool(name="web_uuids", prefix="6c1f0b6e-2a45-11ee-9f1d-", size=32))
    st.easylink_nic_profiles.append(EasyLinkNicProfile(name="data", vlans=[30, 31], native_vlan=30,
                                                       bandwidth_pct=50, description="data \"plane\""))
    st.profiles.append(StatelessProfile(name="web", description="web tier", mac_pool="web_macs",
                                        uuid_pool="web_uuids", vnic_profiles=["data"]))
    st.ntp.enabled, st.ntp.preferred_server, st.ntp.timezone = True, "ntp1.lab", "GMT+8"


@pytest.mark.parametrize("profile", ["legacy", "modern"])
def test_export_plans_imports_only(tf_bin: str, tmp_path: Path, profile: str) -> None:
    with EmulatorThread(tmp_path, profile=profile) as emu:
        lab = CliLab(emu, tmp_path)
        emu.call(_by_hand, emu.emu.state)
        # a VLAN, an uplink port and a LAG typed on the switch CLI (the SDK's unguarded writer: no provider)
        info = emu.info

        async def vlan() -> None:
            s = Session.open(SessionSettings(endpoint=info["hmm"]["url"], username="root", password=info["hmm"]["password"],
                                             ca_cert_path=info["ca_cert"], ssh_port=info["ssh"]["port"],
                                             ssh_host_key_fingerprint=info["ssh"]["host_key_fingerprint"]))
            async with s:
                sw = s.chassis.switch
                await sw.create_vlan(2, 30, description="web")
                await sw.set_port(2, "10GE2/17/3", link_type="trunk", trunk_vlans=[1, 30], description="uplink")
                await sw.create_lag(2, 5, members=["10GE2/17/5", "10GE2/17/6"])
                await sw.configure(2, ["interface Eth-Trunk 5", "description storage", "port link-type trunk",
                                       "port trunk allow-pass vlan 30", "quit"])
        asyncio.run(vlan())

        (tmp_path / "ws").mkdir()
        ws = VesselWorkspace(tf_bin, tmp_path / "ws", emu, "vessel-export-e2e")
        out = ws.dir
        r = lab.vessel("export", "--out", str(out))
        assert r.stdout.strip().splitlines()[-1] == str(out)
        main_tf = (out / "main.tf").read_text()
        for s in TEST_PASSWORDS:
            assert s not in main_tf and s not in (out / "imports.tf").read_text()
        assert 'resource "vessel_user" "user_operator"' in main_tf and "password" not in main_tf
        for kind in ("vessel_vlan", "vessel_blade", "vessel_compute_profile", "vessel_mac_pool", "vessel_uuid_pool",
                     "vessel_vnic_profile", "vessel_user", "vessel_lag", "vessel_switch_port", "vessel_ntp_server"):
            assert f'resource "{kind}"' in main_tf, kind
        # the one configured port (its LAG's members belong to the vessel_lag, the factory ports to nobody)
        assert main_tf.count('resource "vessel_switch_port"') == 1 and 'port = "10GE2/17/3"' in main_tf, main_tf
        assert main_tf.count('resource "vessel_lag"') == 1 and 'members = ["10GE2/17/5", "10GE2/17/6"]' in main_tf
        assert 'preferred_server = "ntp1.lab"' in main_tf and 'timezone = "GMT+8"' in main_tf
        imports_tf = (out / "imports.tf").read_text()
        assert 'id = "2X/5"' in imports_tf and 'id = "2X/10GE2/17/3"' in imports_tf and 'id = "hmm"' in imports_tf
        n_imports = (out / "imports.tf").read_text().count("import {")
        counted = sum(int(line.split()[0]) for line in r.stdout.splitlines() if re.match(r"^\s*\d+ vessel_", line))
        assert n_imports == counted > 20

        p = ws.tf("plan", "-input=false", "-no-color")
        m = re.search(r"Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy", p.stdout)
        assert m, p.stdout
        assert m.groups() == (str(n_imports), "0", "0", "0"), p.stdout
        ws.apply("-input=false")
        ws.assert_no_changes()
        state = (out / "terraform.tfstate").read_text()
        for s in TEST_PASSWORDS:
            assert s not in state
