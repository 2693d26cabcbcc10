"""HmmWebClient against a scripted dispatcher double (httpx MockTransport), plus parsers."""
from __future__ import annotations

import random
from urllib.parse import parse_qs

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from driver_fakes import PASSWORD, SESSID, TOKEN, UPGRADE_XML, USER, VERSION_XML, FakeHmmWeb

from vessel_core.drivers.hmm_web import HmmWebClient, MinIntervalLimiter, referer_for_targets, validate_bladelist
from vessel_core.drivers.redfish import RetryPolicy
from vessel_core.errors import AuthError, DeviceError, NotFoundError, TransientError, ValidationError
from vessel_core.models.hmm_web import parse_policy_templates, parse_upgrade_status, parse_version_block

BASE = "https://hmm.example"


def client(fake: FakeHmmWeb, sleeper=None, **kw) -> HmmWebClient:
    if sleeper is not None:
        kw["sleep"] = sleeper
    kw.setdefault("retry", RetryPolicy(attempts=3, base=0.1))
    return HmmWebClient(BASE, USER, PASSWORD, transport=fake.transport(), rng=random.Random(1),
                        **kw)


def form(req: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(req.content.decode(), keep_blank_values=True).items()}


async def test_login_flow_and_call_headers(fake_hmm: FakeHmmWeb) -> None:
    async with client(fake_hmm) as web:
        v = await web.versions("Slot1")
    paths = [(r.method, r.url.path) for r in fake_hmm.requests]
    assert paths[:4] == [("GET", "/login.html"), ("POST", "/loginhandler.php"),
                         ("POST", "/loginhandler.php"), ("POST", "/versionhandler.php")]
    qv, login, call = fake_hmm.requests[1:4]
    assert form(qv) == {"actiontype": "queryverify", "chassisid": "0"}
    assert form(login) == {"actiontype": "login", "username": USER, "userpasswd": PASSWORD,
                           "usermode": "1", "code": "", "language": "en"}
    assert login.headers["Custom-Token"] == "0"
    assert login.headers["X-Requested-With"] == "XMLHttpRequest"
    assert form(call) == {"actiontype": "get", "chassisid": "0", "bladename": "Slot1",
                          "fruid": "0"}
    assert call.headers["Custom-Token"] == TOKEN
    assert call.headers["X-Requested-With"] == "XMLHttpRequest"
    assert call.headers["Origin"] == BASE
    assert call.headers["Referer"] == f"{BASE}/index.html?chassisid=0"
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert f"SESSID={SESSID}" in call.headers["cookie"]
    assert v.values == {"IPMC CPU": "SPEAr310", "BIOS Version": "(U41)V501",
                        "Active iMana Version": "(U4005)6.05", "CPLD Version": "(U38)023"}


async def test_bad_password_is_auth_error_with_desp(fake_hmm: FakeHmmWeb) -> None:
    web = HmmWebClient(BASE, USER, "nope", transport=fake_hmm.transport())
    with pytest.raises(AuthError) as ei:
        await web.login()
    assert "Incorrect user name or password" in str(ei.value)
    assert "nope" not in str(ei.value)
    await web.close()


async def test_absent_fru_is_not_found(fake_hmm: FakeHmmWeb) -> None:
    async with client(fake_hmm) as web:
        with pytest.raises(NotFoundError):
            await web.versions("Fan1")


async def test_nonzero_retcode_is_device_error(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["smmupgradehandler.php:update"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>17</retcode><desp>Another upgrade is in progress.</desp></result>")
    async with client(fake_hmm) as web:
        with pytest.raises(DeviceError) as ei:
            await web.start_upgrade("Swi2:fru0;Swi3:fru0;")
    assert "Another upgrade is in progress" in str(ei.value) and "17" in str(ei.value)
    update = [r for r in fake_hmm.requests if form(r).get("actiontype") == "update"][0]
    assert form(update)["bladelist"] == "Swi2:fru0;Swi3:fru0;"


@pytest.mark.parametrize("style", ["retcode", "401", "redirect", "html"])
async def test_expired_session_is_relogged_for_each_shape(fake_hmm: FakeHmmWeb, style: str) -> None:
    fake_hmm.expire_style = style
    async with client(fake_hmm) as web:
        await web.versions("smm")
        fake_hmm.session_valid = False  # the HMM dropped the session
        v = await web.versions("smm")
    assert v.values["BIOS Version"] == "(U41)V501"
    assert fake_hmm.logins == 2


async def test_session_refused_after_fresh_login_is_auth_error(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["versionhandler.php:get"] = lambda r, f: fake_hmm.expired()
    async with client(fake_hmm) as web:
        with pytest.raises(AuthError):
            await web.versions("smm")
    assert fake_hmm.logins == 2


async def test_failed_verb_saying_timeout_is_not_replayed(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["smmupgradehandler.php:delete"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>9</retcode><desp>Upgrade timeout.</desp></result>")
    async with client(fake_hmm) as web:
        with pytest.raises(DeviceError):
            await web.cancel_upgrade()
    assert sum(form(r).get("actiontype") == "delete" for r in fake_hmm.requests) == 1
    assert fake_hmm.logins == 1


async def test_reads_retry_5xx_but_verbs_do_not(fake_hmm: FakeHmmWeb, sleeper) -> None:
    calls = {"n": 0}

    def flaky(r, f):
        calls["n"] += 1
        return httpx.Response(503) if calls["n"] < 3 else fake_hmm.xml(VERSION_XML)

    fake_hmm.answers["versionhandler.php:get"] = flaky
    fake_hmm.answers["smmupgradehandler.php:update"] = lambda r, f: httpx.Response(503)
    async with client(fake_hmm, sleeper) as web:
        await web.versions("smm")
        assert calls["n"] == 3 and len(sleeper.delays) == 2
        with pytest.raises(TransientError):
            await web.start_upgrade("bothsmm")
    assert sum(form(r).get("actiontype") == "update" for r in fake_hmm.requests) == 1


async def test_alarms_parsed(fake_hmm: FakeHmmWeb) -> None:
    async with client(fake_hmm) as web:
        a = await web.alarms()
    req = [r for r in fake_hmm.requests if form(r).get("actiontype") == "alarm"][0]
    assert req.headers["Referer"] == f"{BASE}/alarm_config.html?chassisid=0"
    assert form(req)["bladename"] == "all" and form(req)["isstep"] == "1"
    assert (a.sum, a.critical, a.major, a.minor) == (4, 2, 2, 0)
    assert a.alarms[0].level == 3 and a.alarms[0].eventcode == "0X0743FF27"
    assert a.alarms[0].active and not a.alarms[1].active
    assert a.alarms[1].sensorname == "PS3 Status"


async def test_no_alarms_block_means_zero(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["selhandler.php:alarm"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode></result>")
    async with client(fake_hmm) as web:
        a = await web.alarms()
    assert a.sum == 0 and a.alarms == []


async def test_sel_paging(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.sel_total = 7
    async with client(fake_hmm) as web:
        entries = await web.sel_all("Slot3", perpage=3)
        first = await web.sel("Slot3", page=1, perpage=3)
    assert [e.datetime for e in entries] == [f"d{i}" for i in range(7)]
    assert entries[0].asserted and entries[0].sensorname == "SMM1 Critical Alarm"
    assert first.sum == 7 and len(first.entries) == 3
    reqs = [r for r in fake_hmm.requests if form(r).get("actiontype") == "sel"]
    assert [form(r)["page"] for r in reqs[:3]] == ["1", "2", "3"]
    assert reqs[0].headers["Referer"] == f"{BASE}/Slot3.html?chassisid=0"


async def test_upgrade_flow_referers(fake_hmm: FakeHmmWeb) -> None:
    async with client(fake_hmm) as web:
        assert await web.check_upgrade(1) and await web.check_upgrade(2)
        await web.upload_firmware("cx310.hpm", b"\x00hpm", target="Swi2:fru0;Swi3:fru0;")
        await web.upload_firmware("smm.hpm", b"\x00hpm", target="bothsmm")
        await web.upload_firmware("blade.hpm", b"\x00hpm", target="Slot1:fru0;")
        await web.start_upgrade("Swi2:fru0;Swi3:fru0;")
        status = await web.upgrade_status()
        await web.cancel_upgrade()
    uploads = [r for r in fake_hmm.requests if r.url.path == "/smmupgradehandler.php"
               and r.headers["content-type"].startswith("multipart/")]
    assert [r.headers["Referer"].rsplit("/", 1)[-1] for r in uploads] == [
        "system_manage_swi.html?chassisid=0", "system_manage_smm.html?chassisid=0",
        "system_manage_blade.html?chassisid=0"]
    assert all("X-Requested-With" not in r.headers for r in uploads)
    assert all(r.headers["Custom-Token"] == TOKEN for r in uploads)
    assert b'name="uploadfile"; filename="cx310.hpm"' in uploads[0].content
    assert [t.name for t in status.targets] == ["smm", "othersmm"]
    assert status.targets[0].progress == 42 and not status.all_done and status.running


async def test_upload_referer_mismatch_is_explained(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["smmupgradehandler.php:"] = lambda r, f: httpx.Response(400)
    async with client(fake_hmm) as web:
        with pytest.raises(DeviceError) as ei:
            await web.upload_firmware("x.hpm", b"x", target="swi")
    assert "Referer" in str(ei.value)


async def test_wait_upgrade(fake_hmm: FakeHmmWeb, sleeper) -> None:
    seq = [UPGRADE_XML, UPGRADE_XML.replace("<progress>42</progress>", "<progress>100</progress>")]
    fake_hmm.answers["smmupgradehandler.php:get"] = lambda r, f: fake_hmm.xml(seq.pop(0))
    async with client(fake_hmm, sleeper) as web:
        done = await web.wait_upgrade(interval=3.0)
    assert done.all_done and not done.any_failed and sleeper.delays == [3.0]


def test_bladelist_validation() -> None:
    assert validate_bladelist("bothsmm") == "bothsmm"
    assert validate_bladelist("Slot1:fru0;Slot16:fru0;") == "Slot1:fru0;Slot16:fru0;"
    with pytest.raises(ValidationError, match="end with"):
        validate_bladelist("Swi2:fru0")
    with pytest.raises(ValidationError, match="Swi9"):
        validate_bladelist("Swi9:fru0;")
    with pytest.raises(ValidationError, match="mixes"):
        referer_for_targets("Swi2:fru0;Slot1:fru0;")


async def test_other_endpoints(fake_hmm: FakeHmmWeb) -> None:
    fake_hmm.answers["userhandler.php:getassettag"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><assettag>RACK-7</assettag></result>")
    fake_hmm.answers["userhandler.php:getslotalias"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><slot1>db01</slot1><slot16>web16</slot16></result>")
    fake_hmm.answers["queryhandler.php:getServerTime"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><ServerTime>2026-05-02 10:00:00</ServerTime></result>")
    fake_hmm.answers["queryhandler.php:isupdate"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><state>1</state></result>")
    fake_hmm.answers["networkhandler.php:listpresentfru"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><fru><name>Swi2</name></fru><fru><name>Swi3</name></fru></result>")
    fake_hmm.answers["queryhandler.php:query_policytemplate_list2"] = lambda r, f: fake_hmm.xml(
        "<result><retcode>0</retcode><sum>2</sum><row><name>p1</name></row>"
        "<policytemplate><name>p2</name><vlan>10</vlan></policytemplate></result>")
    async with client(fake_hmm) as web:
        assert await web.asset_tag() == "RACK-7"
        assert await web.slot_aliases() == {1: "db01", 16: "web16"}
        assert await web.server_time() == "2026-05-02 10:00:00"
        assert await web.is_updating() is True
        frus = await web.list_present_fru("swi")
        assert [r["name"] for r in frus.records] == ["Swi2", "Swi3"]
        t = await web.policy_templates()
        assert t.total == 2 and [x["name"] for x in t.templates] == ["p1", "p2"]
        for coro in (web.bmc_ip_data(1), web.network_list("mgmt"), web.node_pool(),
                     web.flattened(), web.mezz_info(3), web.query_status(), web.is_stack(),
                     web.history_sel()):
            assert (await coro).retcode == 0
        with pytest.raises(ValidationError):
            await web.network_list("wifi")
    tmpl = [r for r in fake_hmm.requests if form(r).get("actiontype") == "query_policytemplate_list2"][0]
    assert tmpl.headers["Referer"] == f"{BASE}/computer_manage.html?chassisid=0"
    ip = [r for r in fake_hmm.requests if form(r).get("actiontype") == "getbmcipdata"][0]
    assert form(ip) == {"actiontype": "getbmcipdata", "chassisid": "0", "beforeconfig": "0",
                        "ipType": "1"}


async def test_kvm_params(fake_hmm: FakeHmmWeb) -> None:
    async with client(fake_hmm) as web:
        k = await web.kvm_params()
    req = [r for r in fake_hmm.requests if r.url.path == "/kvm.html"][0]
    assert req.method == "GET" and req.headers["X-CSRF-Token"] == TOKEN
    assert k.port == 2198 and k.vmmserverport == 8500 and k.vmm_port(5) == 8505
    assert k.secretkey.get_secret_value() == "0011223344556677889900112233445566778899"
    assert k.secretiv.get_secret_value() == "00112233445566778899aabbccddeeff"
    assert k.verifyvalue.get_secret_value() == "123456"
    assert k.typedata.get_secret_value() == "kvmsession42"
    assert k.securekvm == 1 and k.shelftype == "E9000" and k.ipa == "127.0.0.1"
    assert "kvmsession42" not in repr(k) and "0011223344" not in repr(k)


async def test_rate_limiter_hook_is_called_per_handler(fake_hmm: FakeHmmWeb) -> None:
    seen: list[str] = []

    async def hook(handler: str) -> None:
        seen.append(handler)

    async with client(fake_hmm, rate_limiter=hook) as web:
        await web.versions("smm")
        await web.alarms()
    assert seen == ["versionhandler.php", "selhandler.php"]


async def test_min_interval_limiter_spaces_calls() -> None:
    import time
    lim = MinIntervalLimiter(per_handler={"selhandler.php": 0.05})
    t0 = time.monotonic()
    for _ in range(3):
        await lim("selhandler.php")
    await lim("versionhandler.php")  # not limited
    assert time.monotonic() - t0 >= 0.09


def test_version_block_variants() -> None:
    root = fromstring(VERSION_XML.encode())
    assert parse_version_block(root.find("version").text)["BIOS Version"] == "(U41)V501"
    single = "Software   Version:  &#40;U54&#41;7.63&lt;br&gt;Uboot   Version:  1.1"
    assert parse_version_block(single) == {"Software Version": "(U54)7.63", "Uboot Version": "1.1"}


def test_upgrade_status_semantics() -> None:
    st = parse_upgrade_status(fromstring(b"<upgrade/>"))
    assert st.targets == [] and not st.all_done and not st.running
    failed = parse_upgrade_status(fromstring(
        b"<result><upgrade><blade name='Slot1'><retcode>4</retcode><progress>10</progress>"
        b"</blade></upgrade></result>"))
    assert failed.all_done and failed.any_failed


def test_policy_template_tolerant_parser() -> None:
    for tag in ("template", "row", "item", "policytemplate"):
        doc = fromstring(f"<result><{tag}><name>a</name><id>1</id></{tag}></result>".encode())
        assert parse_policy_templates(doc).templates == [{"name": "a", "id": "1"}]


def test_xml_bombs_are_refused() -> None:
    from vessel_core.drivers.hmm_web.client import HmmWebClient as C
    bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            "<result><retcode>&b;</retcode></result>")
    web = C(BASE, USER, PASSWORD, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(DeviceError):
        web._parse(httpx.Response(200, text=bomb), "x")


async def test_kvm_page_5xx_is_retried_and_reported_as_a_server_error(fake_hmm: FakeHmmWeb, sleeper) -> None:
    fake_hmm.kvm_5xx = 2
    async with client(fake_hmm, sleeper) as web:
        k = await web.kvm_params()                   # two 503s, then the page
        assert k.securekvm == 1 and len(sleeper.delays) == 2
        fake_hmm.kvm_5xx = 100
        with pytest.raises(TransientError) as err:
            await web.kvm_params()
    assert "server error" in str(err.value) and "503" in str(err.value) and "embed" not in str(err.value)
