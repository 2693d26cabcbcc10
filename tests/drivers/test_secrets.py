"""No password, token or session id in logs (DEBUG, every logger) or exception texts."""
from __future__ import annotations

import logging

import httpx
import pytest
from driver_fakes import PASSWORD, SESSID, TOKEN, USER, FakeHmmWeb, FakeRedfish

from vessel_core.drivers.hmm_web import HmmWebClient
from vessel_core.drivers.redfish import RedfishClient, RetryPolicy
from vessel_core.errors import VesselError


async def _noop(_: float) -> None:
    return None


async def test_redfish_flows_leak_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeRedfish()
    path = "/redfish/v1/Systems/1"
    texts: list[str] = []
    tokens: set[str] = set()
    sids: set[str] = set()

    def remember() -> None:
        tokens.update(fake.sessions)
        sids.update(fake.sessions.values())

    with caplog.at_level(logging.DEBUG):
        rf = RedfishClient("https://bmc.example", USER, PASSWORD, transport=fake.transport(),
                           sleep=_noop, retry=RetryPolicy(attempts=2))
        await rf.login()
        remember()
        await rf.get_system("1")
        fake.expire_all()                      # forces a re-login
        await rf.patch(path, {"AssetTag": "a"})
        remember()
        fake.script[("GET", path)] = [500, 500]
        fake.script[("POST", "/redfish/v1/x")] = [httpx.Response(
            400, json={"error": {"code": "x", "message": f"bad password={PASSWORD}",
                                 "@Message.ExtendedInfo": [{"MessageId": "iBMC.1.0.X",
                                                            "Message": f"echo {PASSWORD}"}]}})]
        for coro in (rf.get_system("1"), rf.post("/redfish/v1/x", {"Password": PASSWORD})):
            with pytest.raises(VesselError) as ei:
                await coro
            texts += [str(ei.value), repr(ei.value), ei.value.device_message or ""]
        await rf.close()
        bad = RedfishClient("https://bmc.example", USER, PASSWORD + "x",
                            transport=fake.transport())
        with pytest.raises(VesselError) as ei:
            await bad.login()
        texts.append(str(ei.value))
        await bad.close()
    assert tokens and sids
    blob = caplog.text + "\n".join(texts)
    assert "DELETE" in caplog.text and "***" in caplog.text  # logout was logged, masked
    for secret in (PASSWORD, *tokens, *sids):
        assert secret not in blob, f"secret leaked: {secret[:3]}…"


async def test_hmm_web_flows_leak_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeHmmWeb()
    texts: list[str] = []
    fake.answers["smmupgradehandler.php:update"] = lambda r, f: fake.xml(
        f"<result><retcode>3</retcode><desp>token={TOKEN} SESSID={SESSID} pw {PASSWORD}"
        "</desp></result>")
    with caplog.at_level(logging.DEBUG):
        web = HmmWebClient("https://hmm.example", USER, PASSWORD, transport=fake.transport())
        await web.versions("smm")
        fake.session_valid = False
        await web.alarms()
        k = await web.kvm_params()
        texts += [repr(k), str(k.model_dump())]
        with pytest.raises(VesselError) as ei:
            await web.start_upgrade("bothsmm")
        texts += [str(ei.value), repr(ei.value)]
        await web.close()
        bad = HmmWebClient("https://hmm.example", USER, "x" + PASSWORD,
                           transport=fake.transport())
        with pytest.raises(VesselError) as ei:
            await bad.login()
        texts.append(str(ei.value))
        await bad.close()
    blob = caplog.text + "\n".join(texts)
    assert "versionhandler.php" in caplog.text  # the calls were logged at all
    for secret in (PASSWORD, TOKEN, SESSID, "kvmsession42", "0011223344556677889900"):
        assert secret not in blob, f"secret leaked: {secret[:3]}…"
