"""``vessel_chassis_settings``, ``vessel_power_policy`` and ``vessel_ldap_domain`` (chassis
singletons on SettingResource) in process: create, second plan empty, update in place, drift
made by hand on the emulator repaired, import, destroy resets to the factory value; bad input
refused on the attribute before anything is written; LDAP-only login refused at plan unless it
is safe; the bind password kept out of state, audit and snapshots."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

import pytest

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

BIND_PW = "Bind-s3cret-77"


def chassis(lab: Any) -> dict:
    c = lab.emu.state.chassis
    return {"asset_tag": c.asset_tag, "aliases": {k: v for k, v in c.slot_alias.items() if v},
            "bios_boot_mode": c.bios_boot_mode, "blackbox": c.blackbox_enabled, "reminder": c.reminder_enabled}


def power(lab: Any) -> dict:
    return lab.emu.state.power_capping.model_dump()


def ldap(lab: Any) -> dict:
    return lab.emu.state.ldap.model_dump()


def _drift_chassis(lab: Any) -> None:
    lab.emu.state.chassis.slot_alias["5"] = "rogue"      # an alias set by hand on the HMM page
    lab.emu.state.chassis.bios_boot_mode = "Legacy"


def _drift_power(lab: Any) -> None:
    lab.emu.state.power_capping.limit_w = 2000
    lab.emu.state.power_capping.slot_priority = {"1": "low", "7": "high"}


def _drift_ldap(lab: Any) -> None:
    lab.emu.state.ldap.server = "rogue.example"
    lab.emu.state.ldap.groups = []


@dataclass
class Case:
    type: str
    config: dict
    update: dict             # changed on top of config
    shown: Callable          # the emulator's page, as plain values
    expect: Callable         # what the page shows after config is applied
    drift: Callable
    factory: dict
    kinds: tuple[str, str]   # audit ops (set, reset)


CASES = [
    Case("vessel_chassis_settings",
         {"asset_tag": "rack-7/u12", "slot_aliases": {"1": "k8s-w1", "3": "db"}, "bios_boot_mode": "UEFI",
          "blackbox_enabled": False},
         {"slot_aliases": {"1": "k8s-w1", "4": "db"}, "reminder_enabled": False},
         chassis,
         lambda c: {"asset_tag": c["asset_tag"], "aliases": c["slot_aliases"], "bios_boot_mode": c["bios_boot_mode"],
                    "blackbox": c["blackbox_enabled"], "reminder": c.get("reminder_enabled", True)},
         _drift_chassis,
         {"asset_tag": "", "aliases": {}, "bios_boot_mode": "Legacy", "blackbox": True, "reminder": True},
         ("hmm.chassis_settings.set", "hmm.chassis_settings.reset")),
    Case("vessel_power_policy",
         {"capping_enabled": True, "capping_limit_w": 9000, "slot_priority": {"1": "high", "9": "low"},
          "hibernation_enabled": True, "hibernation_mode": "n+n"},
         {"capping_limit_w": 12000, "hibernation_mode": "n+1"},
         power,
         lambda c: {"enabled": c["capping_enabled"], "limit_w": c["capping_limit_w"], "failure_action": "none",
                    "hibernate_enabled": c["hibernation_enabled"], "hibernate_mode": c["hibernation_mode"].upper(),
                    "slot_priority": c["slot_priority"]},
         _drift_power,
         {"enabled": False, "limit_w": 6000, "failure_action": "none", "hibernate_enabled": False,
          "hibernate_mode": "N+1", "slot_priority": {}},
         ("hmm.power_policy.set", "hmm.power_policy.reset")),
    Case("vessel_ldap_domain",
         {"server": "ldaps://dc1.lab.example:636", "tls": True, "base_dn": "DC=lab,DC=example", "bind_dn": "CN=hmm,DC=lab",
          "user_folder": "OU=Staff", "groups": [{"name": "CN=hmm-ops,OU=Groups,DC=lab", "role": "Operator"}],
          "bind_password_wo": BIND_PW, "bind_password_wo_version": 1},
         {"port": 3269, "groups": [{"name": "CN=hmm-ops,OU=Groups,DC=lab", "role": "Operator"},
                                   {"name": "hmm-admins", "role": "Administrator"}]},
         ldap,
         lambda c: {"enabled": True, "server": c["server"], "port": c.get("port", 389), "domain": c["base_dn"],
                    "bind_dn": c["bind_dn"], "bind_password": BIND_PW, "user_group_dn": c["user_folder"],
                    "ssl": c["tls"], "groups": c["groups"], "local_login": True},
         _drift_ldap,
         {"enabled": False, "server": "", "port": 389, "domain": "", "bind_dn": "", "bind_password": BIND_PW,
          "user_group_dn": "", "ssl": False, "groups": [], "local_login": True},
         ("hmm.ldap.set", "hmm.ldap.reset")),
]
IDS = [c.type for c in CASES]


@pytest.fixture(autouse=True)
def factory(lab):
    from vessel_core.sim.state import ChassisInfo, LdapSettings, PowerCapping

    st = lab.emu.state
    st.chassis = ChassisInfo(serial_number=st.chassis.serial_number, slot_alias={str(s): "" for s in range(1, 17)})
    st.power_capping, st.ldap = PowerCapping(), LdapSettings()
    lab.emu.faults.web_write_drops_fields = {}
    lab.audit_path.unlink(missing_ok=True)
    yield


def secret_free(lab: Any) -> None:
    """The bind password is nowhere the provider writes: audit log, snapshot folder."""
    assert BIND_PW not in (lab.audit_path.read_text() if lab.audit_path.exists() else "")
    for p in (lab.root / "snapshots").rglob("*"):
        if p.is_file():
            assert BIND_PW not in p.read_text(errors="ignore"), p


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_lifecycle(lab, case):
    h, t = lab.harness, case.type
    created = await h.apply(t, case.config)
    assert created.ok, created.detail()
    assert case.shown(lab) == case.expect(case.config)
    assert created.state["id"] == "hmm"
    assert {k: created.state[k] for k in case.config if k != "bind_password_wo"} == \
        {k: v for k, v in case.config.items() if k != "bind_password_wo"}
    (rec,) = lab.audit()
    assert (rec["op"], rec["outcome"], rec["target"]["id"]) == (case.kinds[0], "success", "hmm")
    assert (await h.plan(t, case.config, created.state)).empty            # second plan: nothing to do
    assert len(lab.audit()) == 1

    want = {**case.config, **case.update}
    plan = await h.plan(t, want, created.state)
    assert plan.ok and not plan.empty and not plan.requires_replace       # an update in place
    updated = await h.apply(t, want, created.state)
    assert updated.ok, updated.detail()
    assert case.shown(lab) == case.expect(want)
    assert (await h.plan(t, want, updated.state)).empty

    case.drift(lab)                                                        # someone edits the HMM by hand
    drift = await h.plan(t, want, updated.state)
    assert drift.ok and not drift.empty, drift.detail()
    fixed = await h.apply(t, want, updated.state)
    assert fixed.ok, fixed.detail()
    assert case.shown(lab) == case.expect(want)
    assert (await h.plan(t, want, fixed.state)).empty

    gone = await h.destroy(t, fixed.state)
    assert gone.ok and gone.state is None
    assert case.shown(lab) == case.factory                                 # destroy resets to the factory value
    assert [r["op"] for r in lab.audit()] == [case.kinds[0]] * 3 + [case.kinds[1]]
    assert all(r["snapshot_id"] for r in lab.audit())
    secret_free(lab)
    assert fixed.state.get("bind_password_wo") is None and BIND_PW not in str(fixed.state)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_import_then_plan_is_empty(lab, case):
    created = await lab.harness.apply(case.type, case.config)
    assert created.ok, created.detail()
    lab.audit_path.unlink()
    imported = await lab.harness.import_state(case.type, "hmm")
    assert imported.ok, imported.detail()
    plan = await lab.harness.plan(case.type, case.config, imported.state)
    if case.type == "vessel_ldap_domain":   # an imported bind password is unknown: the version shows as the one change
        assert plan.ok and {k for k in plan.state if plan.state[k] != plan.prior[k]} == {"bind_password_wo_version"}
    else:
        assert plan.empty, plan.detail()
    wrong = await lab.harness.import_state(case.type, "chassis")
    assert not wrong.ok and "singleton" in wrong.detail()
    assert lab.audit() == []


BAD = [
    ("vessel_chassis_settings", {"asset_tag": "x" * 49}, "asset_tag"),
    ("vessel_chassis_settings", {"asset_tag": "<b>"}, "asset_tag"),
    ("vessel_chassis_settings", {"slot_aliases": {"17": "x"}}, "slot_aliases"),
    ("vessel_chassis_settings", {"slot_aliases": {"2": "a,b"}}, "slot_aliases"),
    ("vessel_chassis_settings", {"bios_boot_mode": "uefi"}, "bios_boot_mode"),
    ("vessel_power_policy", {"capping_limit_w": 999}, "capping_limit_w"),
    ("vessel_power_policy", {"capping_limit_w": 30001}, "capping_limit_w"),
    ("vessel_power_policy", {"capping_limit_w": 5000.5}, "capping_limit_w"),
    ("vessel_power_policy", {"slot_priority": {"3": "urgent"}}, "slot_priority"),
    ("vessel_power_policy", {"slot_priority": {"0": "high"}}, "slot_priority"),
    ("vessel_power_policy", {"slot_priority": {"2": "medium"}}, "slot_priority"),
    ("vessel_chassis_settings", {"slot_aliases": {"01": "x"}}, "slot_aliases"),
    ("vessel_chassis_settings", {"slot_aliases": {"2": ""}}, "slot_aliases"),
    ("vessel_power_policy", {"hibernation_mode": "N+2"}, "hibernation_mode"),
    ("vessel_ldap_domain", {"server": "ldap:///"}, "server"),
    ("vessel_ldap_domain", {"server": "ldaps://:636"}, "server"),
    ("vessel_ldap_domain", {"server": "10.0.0.999"}, "server"),
    ("vessel_ldap_domain", {"server": "10.0.0"}, "server"),
    ("vessel_ldap_domain", {"server": "http://dc1.lab"}, "server"),
    ("vessel_ldap_domain", {"server": "bad host!"}, "server"),
    ("vessel_ldap_domain", {"server": "dc1", "port": 0}, "port"),
    ("vessel_ldap_domain", {"server": "dc1", "groups": [{"name": "a", "role": "God"}]}, "groups"),
    ("vessel_ldap_domain", {"server": "dc1", "groups": [{"name": "a", "role": "Operator"}] * 2}, "groups"),
    ("vessel_ldap_domain", {"server": "dc1", "enabled": False, "local_login_enabled": False}, "local_login_enabled"),
]


@pytest.mark.parametrize("type_, config, path", BAD, ids=[f"{t}-{p}-{i}" for i, (t, _, p) in enumerate(BAD)])
async def test_bad_input_names_the_attribute_before_anything_is_written(lab, type_, config, path):
    before = (chassis(lab), power(lab), ldap(lab))
    out = await lab.harness.validate(type_, config)
    assert [p.split("[")[0] for p in out.paths()] == [path], out.detail()
    applied = await lab.harness.apply(type_, config)
    assert not applied.ok and path in applied.paths()[0]
    assert (chassis(lab), power(lab), ldap(lab)) == before and lab.audit() == []


async def test_the_emulator_refuses_what_the_model_refuses(lab):
    """The HMM side validates too (a client that skips the model is refused, naming the field)."""
    from vessel_core.chassis.managed import build
    from vessel_core.chassis.models import ChassisPowerPolicy, LdapSettings
    from vessel_core.errors import VesselError

    async with lab.harness.walk() as w:
        session = w.resource("vessel_power_policy").provider_data
        for setting, model, data, field in [
            (session.chassis.power.policy, ChassisPowerPolicy, {"capping_limit_w": 500}, "capping_limit_w"),
            (session.chassis.system.ldap_settings, LdapSettings, {"server": "ldap:///"}, "server"),
        ]:
            bad = build(model, {}, "t").model_copy(update=data)   # past the model's rules
            with pytest.raises(VesselError) as err:
                await setting.set(bad)
            assert err.value.field == field, err.value
    assert (power(lab)["limit_w"], ldap(lab)["server"]) == (6000, "")
    assert [r["outcome"] for r in lab.audit()] == ["failed", "failed"]


async def test_two_resources_claiming_a_singleton_are_refused_at_plan(lab):
    async with lab.harness.walk() as w:
        first = await w.plan("vessel_power_policy", {"capping_enabled": True})
        second = await w.plan("vessel_power_policy", {"capping_limit_w": 7000})
    assert first.ok and not second.ok and "Setting Managed Twice" in second.detail()


async def test_verify_failure_restores_with_one_rollback_record(lab):
    h = lab.with_settings(watchdog_deadline="1s")
    first = await h.apply("vessel_power_policy", {"capping_enabled": True, "capping_limit_w": 8000})
    assert first.ok
    lab.emu.faults.web_write_drops_fields = {"powerhandler.sethibernate": ["mode"]}
    failed = await h.apply("vessel_power_policy", {"capping_enabled": True, "capping_limit_w": 7000,
                                                   "hibernation_enabled": True, "hibernation_mode": "n+n"}, first.state)
    assert not failed.ok and failed.paths() == ["hibernation_mode"] and "restored" in failed.detail()
    assert power(lab)["limit_w"] == 8000 and power(lab)["hibernate_enabled"] is False   # all of it put back
    assert [r["outcome"] for r in lab.audit()] == ["success", "rollback"]


# ---------------------------------------------------------------- LDAP-only login guard

LDAP_ONLY = {"server": "127.0.0.1", "local_login_enabled": False}


async def _closed_port() -> int:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return port


async def test_ldap_only_login_with_an_unreachable_server_is_refused_at_plan(lab):
    port = await _closed_port()
    before = ldap(lab)
    out = await lab.harness.plan("vessel_ldap_domain", {**LDAP_ONLY, "port": port})
    assert not out.ok and out.paths() == ["local_login_enabled"]
    assert "Would Lock Everyone Out" in out.detail() and f"127.0.0.1:{port}" in out.detail()
    applied = await lab.harness.apply("vessel_ldap_domain", {**LDAP_ONLY, "port": port})
    assert not applied.ok and ldap(lab) == before and lab.audit() == []


async def test_ldap_only_login_with_a_reachable_server_is_applied_and_keeps_the_default_admin(lab):
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        # through an ldap:// URL: its port is the one probed
        cfg = {**LDAP_ONLY, "server": f"ldap://127.0.0.1:{port}"}
        created = await lab.harness.apply("vessel_ldap_domain", cfg)
        assert created.ok, created.detail()
        assert ldap(lab)["local_login"] is False
        assert (await lab.harness.plan("vessel_ldap_domain", cfg, created.state)).empty   # root still logs in
    finally:
        server.close()
        await server.wait_closed()
    gone = await lab.harness.destroy("vessel_ldap_domain", created.state)
    assert gone.ok and ldap(lab)["local_login"] is True


async def test_ldap_only_login_is_refused_when_the_provider_logs_in_with_another_local_account(lab):
    from vessel_core.sim.state import Account

    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    lab.emu.state.accounts.append(Account(id=9, username="tfops", password="Secret123x"))
    try:
        h = lab.with_settings(username="tfops", password="Secret123x")
        out = await h.plan("vessel_ldap_domain", {**LDAP_ONLY, "port": port})
        assert not out.ok and out.paths() == ["local_login_enabled"] and "Would Lock The Provider Out" in out.detail()
    finally:
        lab.emu.state.accounts = [a for a in lab.emu.state.accounts if a.username != "tfops"]
        server.close()
        await server.wait_closed()
    assert ldap(lab)["local_login"] is True and lab.audit() == []


async def test_the_bind_password_is_sent_on_rotation_only(lab):
    cfg = {"server": "dc1.lab", "bind_password_wo": BIND_PW, "bind_password_wo_version": 1}
    created = await lab.harness.apply("vessel_ldap_domain", cfg)
    assert created.ok and ldap(lab)["bind_password"] == BIND_PW and created.state["bind_password_wo"] is None
    lab.emu.state.ldap.bind_password = "changed-by-hand"     # not readable: no drift, no rewrite
    assert (await lab.harness.plan("vessel_ldap_domain", cfg, created.state)).empty
    rotated = await lab.harness.apply("vessel_ldap_domain", {**cfg, "bind_password_wo": "N3w-bind-pw",
                                                             "bind_password_wo_version": 2}, created.state)
    assert rotated.ok and ldap(lab)["bind_password"] == "N3w-bind-pw"
    text = lab.audit_path.read_text()
    assert BIND_PW not in text and "N3w-bind-pw" not in text
    secret_free(lab)


@pytest.mark.parametrize("path", ["redfish", "web"])
async def test_the_chassis_overview_reads_every_part_in_one_batch(lab, path):
    """What ``vessel_chassis`` reads, over HMM Redfish and over the web API alone."""
    st = lab.emu.state
    st.temperatures[1].reading_c = 71.0           # the outlet above its critical threshold
    try:
        async with lab.harness.walk() as w:
            ch = w.resource("vessel_power_policy").provider_data.chassis
            if path == "web":                      # as against an HMM without Redfish
                ch._hmm_rf_probed, ch._caps.hmm_redfish = True, False
            o = await ch.basic.overview()
            routes = dict(ch.routes)
    finally:
        st.temperatures[1].reading_c = 38.0
    assert routes["basic.temperatures"] == ("redfish:hmm" if path == "redfish" else "web")
    # the web API has no verb for the enclosure's serial number (sheet §2.4.3): Redfish only
    assert o.serial_number == (st.chassis.serial_number if path == "redfish" else None)
    assert len(o.power.supplies) == len(st.psus) and len(o.fans) == len(st.fans)
    assert [p.health for p in o.power.supplies].count("Critical") == 1          # PSU 3 of the fact sheet
    assert [(t.name, t.reading_c, t.health) for t in o.temperatures] == [
        ("Inlet Temp", 24.0, "OK"), ("Outlet Temp", 71.0, "Critical")]
    assert o.power.consumed_w == sum(p.output_w for p in st.psus.values())
    assert o.hmm_active.version == st.active_mm().firmware.software and o.hmm_standby.present
    assert o.hmm_active.name == (st.active_mm().name if path == "redfish" else None)
    assert [s.present for s in o.switches] == [st.switches[n].present for n in (1, 2, 3, 4)]
