"""HMM web API over real HTTPS, verified against the emulator's published CA."""
from __future__ import annotations

import asyncio
import html
import re
import ssl

import httpx
import pytest
from sim_web_helpers import retcode, web_login

from vessel_core.sim.testing import client_for
from vessel_core.sim.websession import EXPIRED_RETCODE, SLOTS_FULL_RETCODE


async def test_tls_is_verified_against_the_published_ca(sim):
    async with sim() as emu:
        async with httpx.AsyncClient(verify=ssl.create_default_context()) as plain:
            with pytest.raises(httpx.ConnectError):
                await plain.get(emu.info["hmm"]["web"])
        async with client_for(emu) as http:
            assert (await http.get(emu.info["hmm"]["web"])).status_code == 200


async def test_login_flow_and_bad_password(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        headers = await web_login(http, base)
        assert emu.web_session_user(http.cookies["SESSID"], headers["Custom-Token"]) == "root"
        assert emu.web_session_user(http.cookies["SESSID"], "wrong") is None
        r = await http.post(f"{base}/loginhandler.php", data={
            "actiontype": "login", "username": "root", "userpasswd": "nope"}, headers={"Custom-Token": "0"})
        assert retcode(r.text) == 1 and "<csrftoken>" not in r.text


async def test_csrf_referer_and_missing_session(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)
        data = {"actiontype": "isupdate", "chassisid": "0"}
        assert "<state>0</state>" in (await http.post(f"{base}/queryhandler.php", data=data, headers=h)).text
        r = await http.post(f"{base}/queryhandler.php", data=data, headers={**h, "Custom-Token": "bad"})
        assert r.status_code == 403 and r.content == b""
        r = await http.post(f"{base}/queryhandler.php", data=data,
                            headers={k: v for k, v in h.items() if k != "Referer"})
        assert r.status_code == 400 and r.content == b""
        async with client_for(emu) as stranger:
            r = await stranger.post(f"{base}/queryhandler.php", data=data, headers=h)
            assert retcode(r.text) == EXPIRED_RETCODE


async def test_session_expiry(sim):
    async with sim(faults={"session_idle_timeout_s": 0.3}) as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)
        data = {"actiontype": "isupdate", "chassisid": "0"}
        assert retcode((await http.post(f"{base}/queryhandler.php", data=data, headers=h)).text) == 0
        await asyncio.sleep(0.5)
        r = await http.post(f"{base}/queryhandler.php", data=data, headers=h)
        assert r.status_code == 200 and retcode(r.text) == EXPIRED_RETCODE


async def test_session_slots_are_limited(sim):
    async with sim(max_web_sessions=2) as emu:
        base = emu.info["hmm"]["url"]
        clients = [client_for(emu) for _ in range(3)]
        try:
            await web_login(clients[0], base)
            await web_login(clients[1], base)
            r = await clients[2].post(f"{base}/loginhandler.php", data={
                "actiontype": "login", "username": "root", "userpasswd": "Huawei12#$"},
                headers={"Custom-Token": "0"})
            assert retcode(r.text) == SLOTS_FULL_RETCODE
        finally:
            for c in clients:
                await c.aclose()


async def test_account_locks_after_five_failures(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        for _ in range(5):
            await http.post(f"{base}/loginhandler.php", data={
                "actiontype": "login", "username": "root", "userpasswd": "x"}, headers={"Custom-Token": "0"})
        r = await http.post(f"{base}/loginhandler.php", data={
            "actiontype": "login", "username": "root", "userpasswd": "Huawei12#$"}, headers={"Custom-Token": "0"})
        assert retcode(r.text) == 3


def version_map(xml: str) -> dict[str, str]:
    """Decode the double-escaped version block the way the sheet describes."""
    raw = re.search(r"<version>(.*)</version>", xml, re.S).group(1)
    assert "&lt;br&gt;" in raw and "&amp;#40;" in raw
    text = html.unescape(html.unescape(raw))
    out = {}
    for line in text.split("<br>"):
        head, _, value = line.partition(":")
        words = head.split()
        out[" ".join(words)] = value.strip()
    return out


async def test_versionhandler_shapes(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)

        async def get(name: str) -> httpx.Response:
            return await http.post(f"{base}/versionhandler.php", data={
                "actiontype": "get", "chassisid": "0", "bladename": name, "fruid": "0"}, headers=h)

        blade = version_map((await get("Slot1")).text)
        assert blade["BIOS Version"] == "(U41)V501"
        assert blade["Active iMana Version"] == "(U4005)6.05"
        assert blade["CPLD Version"] == "(U38)023"
        assert blade["IPMC CPU"] == "SPEAr310"
        assert version_map((await get("smm")).text)["Software Version"] == "(U54)7.63"
        assert "Software Version" in version_map((await get("Swi2")).text)
        for absent in ("Slot5", "Swi1", "Fan1", "PEM1"):
            r = await get(absent)
            assert r.status_code == 400 and "<retcode>5</retcode>" in r.text


async def test_selhandler_alarm_and_sel(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)
        r = await http.post(f"{base}/selhandler.php", data={
            "actiontype": "alarm", "page": "1", "perpage": "10", "chassisid": "0", "isstep": "1",
            "bladename": "all"}, headers={**h, "Referer": f"{base}/alarm_config.html?chassisid=0"})
        assert re.search(r"<alarms><sum>4</sum><critical>2</critical><major>2</major><minor>0</minor>", r.text)
        assert "<sensorname>PS3 Status</sensorname>" in r.text and "<cleartag>0</cleartag>" in r.text
        r = await http.post(f"{base}/selhandler.php", data={
            "actiontype": "sel", "page": "1", "perpage": "5", "chassisid": "0", "bladename": "smm"},
            headers=h)
        assert "<sum>169</sum>" in r.text and r.text.count("<sel>") == 5
        assert re.search(r"<assert>(Asserted|Deasserted)</assert>", r.text)
        for a in emu.state.alarms:
            a.cleared = True
        r = await http.post(f"{base}/selhandler.php", data={
            "actiontype": "alarm", "page": "1", "perpage": "10", "bladename": "all"}, headers=h)
        assert "<alarms>" not in r.text and retcode(r.text) == 0


READ_CALLS = [
    ("mezzhandler", {"actiontype": "deviceinfo", "bladename": "Slot1"}, "<mezz>"),
    ("queryhandler", {"actiontype": "status"}, "<fru><name>PEM1</name>"),
    ("queryhandler", {"actiontype": "isstack", "fruid": "0"}, "<isstack>0</isstack>"),
    ("queryhandler", {"actiontype": "getServerTime"}, "<servertime>"),
    ("queryhandler", {"actiontype": "query_policytemplate_list2", "page": "1", "perpage": "10"},
     "<template><name>default</name>"),
    ("queryhandler", {"actiontype": "query_nodepool_list", "page": "1", "perpage": "100"},
     "<node><slot>1</slot>"),
    ("userhandler", {"actiontype": "getassettag"}, "<assettag>"),
    ("userhandler", {"actiontype": "getslotalias"}, "<slot16>"),
    ("userhandler", {"actiontype": "getuserlist"}, "<username>root</username>"),
    ("networkhandler", {"actiontype": "getbmcipdata", "beforeconfig": "0", "ipType": "0"},
     "<fabricip>172.31.1.129</fabricip>"),
    ("networkhandler", {"actiontype": "list", "bladename": "eth"}, "<name>eth0:0</name>"),
    ("networkhandler", {"actiontype": "listpresentfru", "bladename": "swi"}, "<name>Swi3</name>"),
    ("flattenedhandler", {"actiontype": "getflattened"}, "<switch><name>Swi2</name><label>2X</label>"),
    ("historyselhandler", {"actiontype": "list", "page": "1", "perpage": "3"}, "<sel>"),
    ("poolhandler", {"actiontype": "listmacpool"}, "<total>"),
    ("poolhandler", {"actiontype": "listuuidpool"}, "<total>"),
    ("powerhandler", {"actiontype": "getpowercapping"}, "<limit>"),
    ("ntphandler", {"actiontype": "get"}, "<timezone>GMT+0</timezone>"),
    ("ldaphandler", {"actiontype": "get"}, "<port>389</port>"),
    ("easylinkhandler", {"actiontype": "listswitchprofile"}, "<total>0</total>"),
]


async def test_every_read_handler_answers_its_shape(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)
        for handler, form, needle in READ_CALLS:
            r = await http.post(f"{base}/{handler}.php", data={**form, "chassisid": "0"}, headers=h)
            assert r.status_code == 200, (handler, form)
            assert retcode(r.text) == 0 and needle in r.text, (handler, form, r.text[:300])
        r = await http.post(f"{base}/queryhandler.php", data={"actiontype": "nosuchverb"}, headers=h)
        assert retcode(r.text) == 4 and "nosuchverb" in r.text


async def test_inferred_write_handlers_change_state(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)

        async def call(handler: str, **form: str) -> str:
            r = await http.post(f"{base}/{handler}.php", data=form, headers=h)
            return r.text

        assert retcode(await call("userhandler", actiontype="setassettag", assettag="rack-7")) == 0
        assert emu.state.chassis.asset_tag == "rack-7"
        assert retcode(await call("poolhandler", actiontype="addmacpool", name="p1", start="28:6E:D4:B0:00:00",
                                  size="8")) == 0
        assert retcode(await call("profilehandler", actiontype="add", name="web", bootorder="Pxe,Hdd",
                                  nics="1:100:1;2::0", macpool="p1")) == 0
        assert retcode(await call("profilehandler", actiontype="apply", name="web", bladename="Slot3")) == 0
        assert emu.state.blades[3].profile == "web" and len(emu.state.mac_pools[0].allocations["3"]) == 2
        assert retcode(await call("profilehandler", actiontype="delete", name="web")) == 9
        bad = await call("profilehandler", actiontype="add", name="x", nics="1:abc:1")
        assert retcode(bad) == 4 and "nics" in bad
        assert retcode(await call("easylinkhandler", actiontype="addswitchprofile", name="up",
                                  switches="Swi2,Swi3", vlans="10,20")) == 0
        assert emu.state.easylink_switch_profiles[0].vlans == [10, 20]
        assert retcode(await call("ntphandler", actiontype="set", enabled="1",
                                  preferredserver="10.0.0.1")) == 0
        assert emu.state.ntp.enabled
        assert retcode(await call("ldaphandler", actiontype="set", bindpasswd="s3cret")) == 0
        assert "s3cret" not in await call("ldaphandler", actiontype="get")
        assert retcode(await call("powerhandler", actiontype="setpowercapping", enabled="1",
                                  limit="5000")) == 0
        assert emu.state.power_capping.limit_w == 5000
        assert retcode(await call("userhandler", actiontype="adduser", username="ops",
                                  userpasswd="Passw0rd1", role="Operator")) == 0
        assert emu.state.account("ops") is not None
        assert retcode(await call("networkhandler", actiontype="setbmcipdata", bladename="Slot1",
                                  ip="192.168.10.11", mask="255.255.255.0", gateway="192.168.10.1")) == 0
        assert emu.state.network.blade_external["1"].ip == "192.168.10.11"
        bad = await call("networkhandler", actiontype="setbmcipdata", bladename="Slot1", ip="999")
        assert retcode(bad) == 4 and "ip" in bad


async def test_firmware_upload_referer_and_progress(sim):
    async with sim() as emu, client_for(emu) as http:
        base = emu.info["hmm"]["url"]
        h = await web_login(http, base)
        up = {k: v for k, v in h.items() if k != "X-Requested-With"}
        files = {"uploadfile": ("CX310_V100R001C00SPC300_1.52.hpm", b"\x00" * 4096, "application/octet-stream")}
        r = await http.post(f"{base}/smmupgradehandler.php", files=files,
                            headers={**up, "Referer": f"{base}/system_manage_smm.html?chassisid=0"})
        assert r.status_code == 400 and r.content == b""
        r = await http.post(f"{base}/smmupgradehandler.php", files=files,
                            headers={**up, "Referer": f"{base}/system_manage_swi.html?chassisid=0"})
        assert r.status_code == 200 and retcode(r.text) == 0
        for smmtype in ("1", "2"):
            r = await http.post(f"{base}/smmupgradehandler.php",
                                data={"actiontype": "checkupgrade", "smmtype": smmtype}, headers=h)
            assert retcode(r.text) == 0
        r = await http.post(f"{base}/smmupgradehandler.php",
                            data={"actiontype": "update", "bladelist": "Swi2:fru0;Swi3:fru0;"}, headers=h)
        assert retcode(r.text) == 0
        r = await http.post(f"{base}/queryhandler.php", data={"actiontype": "isupdate"}, headers=h)
        assert "<state>1</state>" in r.text
        seen = []
        for _ in range(40):
            r = await http.post(f"{base}/smmupgradehandler.php", data={"actiontype": "get"}, headers=h)
            seen.append(r.text)
            if r.text.count("<progress>100</progress>") == 2:
                break
            await asyncio.sleep(0.1)
        assert '<blade name="Swi2:fru0">' in seen[-1] and "<progressdesp>Done</progressdesp>" in seen[-1]
        assert emu.state.switches[2].firmware.software.endswith("1.52")
        r = await http.post(f"{base}/smmupgradehandler.php", data={"actiontype": "delete"}, headers=h)
        assert retcode(r.text) == 0
        r = await http.post(f"{base}/smmupgradehandler.php", data={"actiontype": "get"}, headers=h)
        assert "<upgrade/>" in r.text
