"""``vessel_alarm_subscription`` in process: the lifecycle of SNMP v2c / v3, syslog and email
destinations, the write-only community and keys never in state, audit or snapshots, bad input
named before the chassis is touched, the HMM's fixed number of slots refused at plan; and the
``vessel_alarms`` / ``vessel_network_info`` data sources."""
from __future__ import annotations

from typing import Any

import pytest

from tfprovider.framework.resource import Request, Response

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

T = "vessel_alarm_subscription"
COMMUNITY, COMMUNITY2, AUTH, PRIV = "c0mmunity-Alpha", "c0mmunity-Bravo", "authKey-1234", "privKey-5678"


def dests(lab: Any) -> dict[str, Any]:
    return {f"{d.type}/{d.address}": d for d in lab.emu.state.alarm_destinations}


@pytest.fixture(autouse=True)
def fresh(lab: Any) -> Any:
    lab.emu.state.alarm_destinations = []
    lab.audit_path.unlink(missing_ok=True)
    yield


def secrets_nowhere(lab: Any, *values: str) -> None:
    files = [lab.audit_path, *(p for p in (lab.root / "snapshots").rglob("*") if p.is_file())]
    for p in files:
        text = p.read_text(errors="ignore")
        assert not any(v in text for v in values), p


async def test_snmp_v2c_lifecycle_and_the_community_stays_out(lab: Any) -> None:
    h = lab.harness
    cfg = {"type": "snmp_trap", "address": "10.0.0.5", "severity": "major",
           "community_wo": COMMUNITY, "community_wo_version": 1}
    created = await h.apply(T, cfg)
    assert created.ok, created.detail()
    assert created.state["id"] == "snmp_trap/10.0.0.5" and created.state["port"] == 162
    assert created.state["snmp_version"] == "v2c" and created.state["community_wo"] is None
    d = dests(lab)["snmp_trap/10.0.0.5"]
    assert (d.community, d.severity, d.port, d.enabled) == (COMMUNITY, "major", 162, True)
    assert (await h.plan(T, cfg, created.state)).empty
    updated = await h.apply(T, {**cfg, "severity": "critical", "port": 1162}, created.state)
    assert updated.ok and not updated.requires_replace
    assert (dests(lab)["snmp_trap/10.0.0.5"].severity, dests(lab)["snmp_trap/10.0.0.5"].port) == ("critical", 1162)
    cfg = {**cfg, "severity": "critical", "port": 1162}
    dests(lab)["snmp_trap/10.0.0.5"].enabled = False          # drift by hand on the HMM page
    fixed = await h.apply(T, cfg, updated.state)
    assert fixed.ok and dests(lab)["snmp_trap/10.0.0.5"].enabled is True
    rotated = await h.apply(T, {**cfg, "community_wo": COMMUNITY2, "community_wo_version": 2}, fixed.state)
    assert rotated.ok and dests(lab)["snmp_trap/10.0.0.5"].community == COMMUNITY2
    cfg = {**cfg, "community_wo": COMMUNITY2, "community_wo_version": 2}
    imported = await h.import_state(T, "snmp_trap/10.0.0.5")
    assert imported.ok
    refreshed = (await h.refresh(T, imported.state)).state
    assert refreshed["severity"] == "critical" and refreshed["port"] == 1162
    again = await h.apply(T, cfg, refreshed)                # the version is new to the state: sent once
    assert again.ok and (await h.plan(T, cfg, again.state)).empty
    gone = await h.destroy(T, again.state)
    assert gone.ok and dests(lab) == {}
    assert [r["op"] for r in lab.audit()] == ["hmm.alarm_destinations.create"] + \
        ["hmm.alarm_destinations.update"] * 4 + ["hmm.alarm_destinations.delete"]
    secrets_nowhere(lab, COMMUNITY, COMMUNITY2)


async def test_v3_syslog_and_email_destinations(lab: Any) -> None:
    h = lab.harness
    v3 = await h.apply(T, {"type": "snmp_trap", "address": "nms.example.net", "snmp_version": "v3",
                           "snmp_user": "trapper", "auth_key_wo": AUTH, "priv_key_wo": PRIV})
    assert v3.ok, v3.detail()
    assert (v3.state["auth_protocol"], v3.state["priv_protocol"]) == ("SHA", "AES")
    d = dests(lab)["snmp_trap/nms.example.net"]
    assert (d.snmp_user, d.auth_key, d.priv_key) == ("trapper", AUTH, PRIV)
    syslog = await h.apply(T, {"type": "syslog", "address": "10.0.0.7", "severity": "normal"})
    mail = await h.apply(T, {"type": "email", "address": "noc@example.net", "enabled": False})
    assert syslog.ok and mail.ok
    assert (syslog.state["port"], mail.state["port"], syslog.state["snmp_version"]) == (514, 25, "")
    assert dests(lab)["email/noc@example.net"].enabled is False
    for out in (v3, syslog, mail):
        assert (await h.destroy(T, out.state)).ok
    assert dests(lab) == {}
    secrets_nowhere(lab, AUTH, PRIV)


async def test_bad_input_is_named_before_the_chassis_is_touched(lab: Any) -> None:
    cases = [({"type": "syslog", "address": "10.0.0.8", "port": 0}, "port"),
             ({"type": "syslog", "address": "10.0.0.8", "port": 70000}, "port"),
             ({"type": "email", "address": "not-an-email"}, "address"),
             ({"type": "syslog", "address": "10.0.0.8", "severity": "warning"}, "severity"),
             ({"type": "pager", "address": "10.0.0.8"}, "type"),
             ({"type": "syslog", "address": "10.0.0.8", "community_wo": COMMUNITY}, "community_wo"),
             ({"type": "snmp_trap", "address": "10.0.0.8", "snmp_version": "v3", "auth_key_wo": AUTH,
               "priv_key_wo": PRIV}, "snmp_user"),
             ({"type": "snmp_trap", "address": "10.0.0.8", "snmp_version": "v3", "snmp_user": "u",
               "auth_key_wo": "short", "priv_key_wo": PRIV}, "auth_key_wo"),
             ({"type": "snmp_trap", "address": "10.0.0.8"}, "community")]       # v2c needs one to create
    for cfg, path in cases:
        out = await lab.harness.apply(T, cfg)
        assert not out.ok and any(path in p for p in out.paths()), (cfg, out.detail())
    assert dests(lab) == {} and lab.audit() == []


async def test_the_hmm_slots_are_counted_at_plan(lab: Any) -> None:
    h = lab.harness
    made = [await h.apply(T, {"type": "syslog", "address": f"10.0.1.{n}"}) for n in range(1, 4)]
    assert all(m.ok for m in made)
    async with h.walk() as w:                              # one plan with two more: 5 > 4 slots
        fourth = await w.plan(T, {"type": "syslog", "address": "10.0.1.4"})
        fifth = await w.plan(T, {"type": "syslog", "address": "10.0.1.5"})
    assert fourth.ok and not fifth.ok and fifth.paths() == ["type"] and "at most 4" in fifth.detail()
    assert len(dests(lab)) == 3
    for m in made:
        assert (await h.destroy(T, m.state)).ok


async def read(lab: Any, type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    async with lab.harness.walk() as w:
        cls = next(c for c in w.provider.data_sources if c.type_name == type_name)
        ds = cls()
        ds.provider_data = w.data
        resp = Response()
        await ds.read(Request(config={**ds.schema.null_value(), **config}), resp)
        assert not resp.diagnostics.has_error(), [d.detail for d in resp.diagnostics]
        return resp.state


async def test_alarms_data_source_filters_the_sel(lab: Any) -> None:
    st = lab.emu.state
    out = await read(lab, "vessel_alarms", {})
    assert {(a["severity"], a["source"]) for a in out["alarms"]} == {
        (("critical", "major", "minor", "normal")[3 - a.level], a.source) for a in st.alarms if not a.cleared}
    assert (out["critical"], out["major"]) == (2, 2)
    assert out["alarms"][0]["time"].endswith("Z") and len(out["sel"]) == min(200, len(st.active_mm().sel))
    worse = await read(lab, "vessel_alarms", {"sel_min_severity": "major"})
    assert worse["sel"] and all(e["severity"] in ("major", "critical") for e in worse["sel"])
    assert len(worse["sel"]) == sum(1 for e in st.active_mm().sel[-200:] if e.level >= 2)
    times = sorted(e["time"] for e in out["sel"])
    middle = times[len(times) // 2]
    since = await read(lab, "vessel_alarms", {"sel_since": middle})
    assert since["sel"] and all(e["time"] >= middle for e in since["sel"])
    assert len(since["sel"]) < len(out["sel"])
    blade = await read(lab, "vessel_alarms", {"sel_source": "Slot1", "sel_limit": 3})
    assert len(blade["sel"]) == 3


async def test_network_info_data_source(lab: Any) -> None:
    st = lab.emu.state
    out = await read(lab, "vessel_network_info", {})
    assert {s["name"] for s in out["switches"]} == {f"Swi{s.slot}" for s in st.switches.values() if s.present}
    assert "eth0:0" in {i["name"] for i in out["ethernet"]} and out["fc"] == []
    assert "float" in {i["name"] for i in out["mgmt"]}
    assert {m["slot"] for m in out["mezz"]} <= {b.slot for b in st.blades.values() if b.present}
    assert out["mezz"] and all(m["macs"] for m in out["mezz"])
