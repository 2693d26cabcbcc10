"""The data source in process: one web login per provider session, closed with the session."""
from __future__ import annotations

import asyncio

from tfprovider.framework import Request, Response, engine
from tfprovider.vessel.resources import kvm_screenshot
from vessel_core.drivers.hmm_web.client import HmmWebClient
from vessel_core.session import Session, SessionSettings


def _config(chassis, **kw) -> Session:
    h = chassis.info["hmm"]
    return Session.open(SessionSettings(endpoint=f"{h['host']}:{h['port']}", username=h["username"],
                                        password=h["password"], ca_cert_path=chassis.info["ca_cert"], **kw))


async def _read(ds, **config):
    cfg = engine.normalize(ds.schema.block, config)
    resp = Response(state=cfg)
    await ds.read(Request(config=cfg), resp)
    return resp


def test_one_login_per_session_closed_with_it(chassis, monkeypatch):
    closed: list[HmmWebClient] = []
    real_close = HmmWebClient.close

    async def close(self):
        closed.append(self)
        await real_close(self)

    monkeypatch.setattr(HmmWebClient, "close", close)
    chassis.set_power(s1="On", s2="Off")
    ds = kvm_screenshot.KvmScreenshot()
    ds.provider_data = _config(chassis)
    before = chassis.web_logins()

    async def provider_process():
        results = await asyncio.gather(_read(ds, slot=1), _read(ds, slot=2), _read(ds, slot=1, encoding_hint="tiled"))
        assert [r.diagnostics.has_error() for r in results] == [False, False, False], [list(r.diagnostics) for r in results]
        assert [r.state["blade_powered"] for r in results] == [True, False, True]
        assert closed == []                      # still open while the session lives
        await ds.provider_data.aclose()          # what the provider's close hook does
        return results

    asyncio.run(provider_process())
    assert len(chassis.web_logins() - before) == 1
    assert len(closed) == 1 and closed[0]._http.is_closed


def test_missing_credentials_and_unconfigured_provider():
    ds = kvm_screenshot.KvmScreenshot()
    resp = asyncio.run(_read(ds, slot=1))
    assert [d.summary for d in resp.diagnostics] == ["Provider Not Configured"]
    ds.provider_data = Session.open(SessionSettings(endpoint="127.0.0.1:1", username="root"))
    resp = asyncio.run(_read(ds, slot=1))
    (diag,) = list(resp.diagnostics)
    assert diag.summary == "Missing Chassis Credentials" and "password" in diag.detail and "VESSEL_PASSWORD" in diag.detail


def test_unwritable_path_names_path(chassis, tmp_path):
    chassis.set_power(s1="On")
    ds = kvm_screenshot.KvmScreenshot()
    ds.provider_data = _config(chassis)
    resp = asyncio.run(_read(ds, slot=1, path=str(tmp_path / "missing-dir" / "shot.png")))
    (diag,) = list(resp.diagnostics)
    assert diag.summary == "Cannot Write Screenshot" and "missing-dir" in diag.detail
    assert list(tmp_path.iterdir()) == []        # no temp file left behind
