"""Both drivers against the emulated chassis on loopback (legacy and modern profiles)."""
from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path

import pytest

from vessel_core.drivers.hmm_web import HmmWebClient
from vessel_core.drivers.redfish import ForbiddenError, RedfishClient, RetryPolicy
from vessel_core.drivers.tls import TLSConfig, TLSVerificationError, certificate_fingerprint
from vessel_core.errors import AuthError, DeviceError, NotFoundError
from vessel_core.models.redfish import Task
from vessel_core.sim.testing import start_emulator

PROFILES = ["legacy", "modern"]
FAST_RETRY = RetryPolicy(attempts=6, base=0.01, cap=0.05)


def tls_for(emu) -> TLSConfig:
    return TLSConfig(ca_bundle=str(emu.ca_file))


def web_client(emu, **kw) -> HmmWebClient:
    h = emu.info["hmm"]
    return HmmWebClient(h["url"], h["username"], h["password"], tls=tls_for(emu), **kw)


def hmm_redfish(emu, **kw) -> RedfishClient:
    h = emu.info["hmm"]
    return RedfishClient(h["url"], h["username"], h["password"], tls=tls_for(emu), **kw)


def ibmc_redfish(emu, slot: int, **kw) -> RedfishClient:
    b = emu.info["ibmc"][str(slot)]
    return RedfishClient(b["url"], b["username"], b["password"], tls=tls_for(emu), **kw)


@pytest.fixture(params=PROFILES)
async def emu(request, tmp_path: Path):
    async with start_emulator(tmp_path, profile=request.param) as e:
        yield e


@pytest.fixture
async def modern(tmp_path: Path):
    async with start_emulator(tmp_path, profile="modern") as e:
        yield e


# ---------------------------------------------------------------- HMM web API
async def test_web_login_versions_and_absent_slot(emu) -> None:
    async with web_client(emu) as web:
        smm = await web.versions("smm")
        slot1 = await web.versions("Slot1")
        swi2 = await web.versions("Swi2")
        with pytest.raises(NotFoundError):
            await web.versions("Slot5")  # lower half of a full-width CH222 column: absent
    assert smm.values["Software Version"] == "(U54)7.63"
    assert slot1.values["BIOS Version"] == "(U41)V501"
    assert slot1.values["Active iMana Version"] == "(U4005)6.05"
    assert "Software Version" in swi2.values


async def test_web_alarms_and_sel_paging(emu) -> None:
    async with web_client(emu) as web:
        alarms = await web.alarms()
        first = await web.sel("smm", page=1, perpage=20)
        everything = await web.sel_all("smm", perpage=50)
    assert alarms.sum == len(alarms.alarms) and alarms.critical >= 1
    assert {a.level for a in alarms.alarms} <= {0, 1, 2, 3}
    assert first.sum > 20 and len(first.entries) == 20
    assert len(everything) == first.sum
    assert everything[:20] == first.entries


async def test_web_lists_and_settings(emu) -> None:
    async with web_client(emu) as web:
        blades = await web.list_present_fru("blade")
        templates = await web.policy_templates()
        assert await web.server_time()
        aliases = await web.slot_aliases()
    names = [r["name"] for r in blades.records]
    assert "Slot1" in names and "Slot5" not in names
    assert templates.templates and "name" in templates.templates[0]
    assert set(aliases) <= set(range(1, 33))


async def test_web_upgrade_flow(emu) -> None:
    progress: list[int] = []
    async with web_client(emu) as web:
        assert not await web.is_updating()
        assert await web.check_upgrade(1) and await web.check_upgrade(2)
        await web.upload_firmware("cx310.hpm", b"HPM\x00" * 256, target="Swi2:fru0;Swi3:fru0;")
        await web.start_upgrade("Swi2:fru0;Swi3:fru0;")
        done = await web.wait_upgrade(timeout=60, interval=0.05,
                                      on_progress=lambda s: progress.extend(
                                          t.progress for t in s.targets))
        await web.cancel_upgrade()
    assert done.all_done and not done.any_failed
    assert {t.name for t in done.targets} == {"Swi2:fru0", "Swi3:fru0"}
    assert max(progress) >= 100


async def test_web_upload_with_wrong_referer_kind_is_refused(emu) -> None:
    async with web_client(emu) as web:
        reply = await web.call("smmupgradehandler.php", None, page="system_manage_blade.html",
                               chassisid=False, xhr=False, check_retcode=False,
                               files={"uploadfile": ("x.hpm", b"x", "application/octet-stream")})
        assert reply.retcode == 0  # blade page accepted for a blade image
        with pytest.raises((NotFoundError, DeviceError)):
            await web.call("smmupgradehandler.php", None, page="index.html", chassisid=False,
                           xhr=False, files={"uploadfile": ("x.hpm", b"x", "application/octet-stream")})


async def test_web_expired_session_relogged(emu) -> None:
    async with web_client(emu) as web:
        await web.versions("smm")
        emu.faults.session_idle_timeout_s = 0.2
        await asyncio.sleep(0.4)
        v = await web.versions("smm")
        assert v.values["Software Version"] == "(U54)7.63"
        assert web._generation == 2  # one transparent re-login


async def test_web_refused_login_is_auth_error_quickly(emu) -> None:
    emu.faults.refuse_logins = True
    t0 = time.monotonic()
    web = web_client(emu)
    with pytest.raises(AuthError) as ei:
        await web.login()
    await web.close()
    assert time.monotonic() - t0 < 5
    assert "upper limit" in str(ei.value)


async def test_web_5xx_burst_recovered_on_reads(emu) -> None:
    async with web_client(emu, retry=FAST_RETRY) as web:
        emu.faults.http_5xx_rate = 0.4
        for _ in range(10):
            assert (await web.versions("Slot1")).values["BIOS Version"]
        emu.faults.http_5xx_rate = 0.0


# ---------------------------------------------------------------- HMM Redfish
async def test_hmm_redfish_session_and_inventory(emu) -> None:
    async with hmm_redfish(emu) as rf:
        assert rf.auth_in_use == "session"
        root = await rf.service_root()
        assert root.redfish_version == "1.0.2"
        assert await rf.members("/redfish/v1/Systems") == []
        chassis = await rf.list_chassis()
        by_id = {c.id: c for c in chassis}
        assert by_id["Blade1"].model == "CH121" and by_id["Blade1"].present
        assert not by_id["Blade5"].present and by_id["Blade13"].model == "CH222"
        with pytest.raises(ForbiddenError):
            await rf.get_system("Blade1")
        sessions = await rf.sessions()
        assert [s.user_name for s in sessions] == ["root"]
    async with hmm_redfish(emu) as rf2:  # logout freed the slot
        assert len(await rf2.sessions()) == 1


async def test_redfish_full_session_slots_fail_fast(tmp_path: Path) -> None:
    async with start_emulator(tmp_path, max_redfish_sessions=2) as emu:
        holders = [hmm_redfish(emu) for _ in range(2)]
        for h in holders:
            await h.login()
        t0 = time.monotonic()
        extra = hmm_redfish(emu)
        with pytest.raises(AuthError):
            await extra.get("/redfish/v1/Chassis")
        assert time.monotonic() - t0 < 5
        await extra.close()
        for h in holders:
            await h.close()


async def test_redfish_refused_logins_fail_fast(emu) -> None:
    emu.faults.refuse_logins = True
    t0 = time.monotonic()
    rf = hmm_redfish(emu)
    with pytest.raises(AuthError):
        await rf.login()
    await rf.close()
    assert time.monotonic() - t0 < 5


async def test_redfish_expired_session_relogged(emu) -> None:
    async with hmm_redfish(emu) as rf:
        await rf.get_chassis("1")
        emu.faults.session_idle_timeout_s = 0.2
        await asyncio.sleep(0.4)
        assert (await rf.get_chassis("1")).id == "1"
        assert rf._generation == 2


async def test_redfish_5xx_burst_recovered_on_get(emu) -> None:
    async with hmm_redfish(emu, retry=FAST_RETRY) as rf:
        emu.faults.http_5xx_rate = 0.4
        chassis = await rf.list_chassis()
        emu.faults.http_5xx_rate = 0.0
    assert len(chassis) == 31


# ---------------------------------------------------------------- iBMC Redfish (modern)
async def test_ibmc_system_boot_override_and_412_recovery(modern) -> None:
    statuses: list[tuple[str, int]] = []

    async def record(response) -> None:
        statuses.append((response.request.method, response.status_code))

    async with ibmc_redfish(modern, 1, event_hooks={"response": [record]}) as rf:
        system = await rf.get_system("Blade1")
        assert system.huawei_oem.device_slot_id == 1
        assert system.huawei_oem.product_name == "CH121"
        stale = (await rf.get(system.odata_id)).etag
        await rf.set_boot_override("Blade1", "Pxe", enabled="Once")  # moves the ETag
        # a PATCH with the old tag gets 412, re-reads once and lands
        r = await rf.patch(system.odata_id, {"Boot": {"BootSourceOverrideTarget": "Cd",
                                                      "BootSourceOverrideEnabled": "Once"}},
                           etag=stale)
        assert r.status in (200, 204)
        assert (await rf.get_system("Blade1")).boot.target == "Cd"
    patches = [st for m, st in statuses if m == "PATCH"]
    assert patches[1:] == [412, patches[-1]] and patches[-1] < 300


async def test_ibmc_patch_without_if_match_is_refused(modern) -> None:
    async with ibmc_redfish(modern, 2) as rf:
        with pytest.raises(Exception) as ei:
            await rf.patch("/redfish/v1/Systems/Blade2", {"AssetTag": "x"}, if_match=False)
    assert getattr(ei.value, "status", None) == 412


async def test_ibmc_reset_and_firmware_task(modern) -> None:
    async with ibmc_redfish(modern, 3, task_poll_interval=0.05) as rf:
        await rf.reset_system("Blade3", "On")
        inv = {f.id: f.version for f in await rf.firmware_inventory()}
        assert inv["ActiveBMC"] == "6.05"
        up = await rf.upload_firmware("image.hpm", b"HPM" * 100)
        assert up.status < 300
        task = await rf.simple_update("/tmp/web/image.hpm", timeout=60)
    assert isinstance(task, Task) and task.succeeded


async def test_ibmc_vmm_connect_task(modern) -> None:
    async with ibmc_redfish(modern, 4, task_poll_interval=0.05) as rf:
        result = await rf.vmm_control("Blade4", "Connect", "nfs://10.0.0.1/export/os.iso",
                                      timeout=30)
        vm = await rf.get_virtual_media("Blade4")
        await rf.vmm_control("Blade4", "Disconnect", timeout=30)
    assert isinstance(result, Task) and result.succeeded
    assert vm.inserted is True


# ---------------------------------------------------------------- TLS against the emulator
def _leaf_pin(emu) -> str:
    pem = ssl.get_server_certificate(("127.0.0.1", emu.info["hmm"]["port"]))
    return certificate_fingerprint(ssl.PEM_cert_to_DER_cert(pem))


async def test_tls_pinning_against_emulator(emu) -> None:
    h = emu.info["hmm"]
    pin = await asyncio.to_thread(_leaf_pin, emu)
    async with RedfishClient(h["url"], h["username"], h["password"],
                             tls=TLSConfig(fingerprint_sha256=pin)) as rf:
        assert (await rf.service_root()).redfish_version == "1.0.2"
    async with HmmWebClient(h["url"], h["username"], h["password"],
                            tls=TLSConfig(fingerprint_sha256=pin)) as web:
        assert (await web.versions("smm")).values
    wrong = RedfishClient(h["url"], h["username"], h["password"],
                          tls=TLSConfig(fingerprint_sha256="ab" * 32))
    with pytest.raises(TLSVerificationError):
        await wrong.login()
    await wrong.close()
    unverified = HmmWebClient(h["url"], h["username"], h["password"])  # system trust store
    with pytest.raises(TLSVerificationError):
        await unverified.login()
    await unverified.close()
