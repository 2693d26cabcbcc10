"""At DEBUG everywhere, a real HTTPS session with the emulator logs no cookie, token or password."""
import logging

from vessel_core.drivers.hmm_web import HmmWebClient
from vessel_core.drivers.tls import TLSConfig
from vessel_core.sim.testing import start_emulator


async def test_debug_logging_of_a_real_session_leaks_no_secret(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # root at DEBUG, as TF_LOG=TRACE makes it in the provider
    async with start_emulator(tmp_path, profile="legacy") as emu:
        hmm = emu.info["hmm"]
        async with HmmWebClient(hmm["url"], hmm["username"], hmm["password"],
                                tls=TLSConfig(ca_bundle=emu.info["ca_cert"])) as web:
            await web.alarms()
            sessid = web._http.cookies.get("SESSID")
        csrfs = [s.csrf for s in emu.web_sessions.sessions.values() if s.csrf]
    assert sessid, "the session cookie is what this test looks for"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert any(r.name.startswith("httpx") for r in caplog.records), "HTTP activity was logged at all"
    assert sessid not in text
    assert hmm["password"] not in text
    assert csrfs
    for csrf in csrfs:
        assert csrf not in text
