"""Client ↔ emulated chassis over TCP: screenshots, typed errors, input packets."""
from __future__ import annotations

import asyncio
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from vessel_core.drivers.kvm import (
    HmmWebBootstrap,
    KvmAuthError,
    KvmSession,
    KvmSessionParams,
    KvmSessionTakenError,
    KvmSlotEmptyError,
    StaticBootstrap,
    capture_screenshot,
    frame_to_png,
)
from vessel_core.errors import AuthError, ConflictError, NotFoundError

from .test_roundtrip import JPEG_MIN_PSNR, psnr


async def _released(emu, slot):
    for _ in range(100):
        if slot not in emu.kvm_server.sessions:
            return True
        await asyncio.sleep(0.02)
    return False


def _hmm(emu):
    h = emu.info["hmm"]
    return h["host"], h["username"], h["password"], h["port"]


async def _shot(emu, slot, enc, timing, **kw):
    host, user, pw, port = _hmm(emu)
    return await capture_screenshot(host, kw.pop("user", user), kw.pop("password", pw), slot, port=port,
                                    verify_tls=False, encoding_hint=enc, timeout=15, timing=timing, **kw)


@pytest.mark.parametrize("power", ["On", "Off"])
async def test_screenshot_oldrle_is_pixel_exact(emu, fast_timing, power):
    emu.state.blades[1].power_state = power
    frame = await _shot(emu, 1, "oldrle", fast_timing)
    ref = emu.kvm_server.framebuffer_rgb(1)
    assert frame.encoding == "oldrle" and frame.blade_down == (power == "Off")
    assert (frame.width, frame.height) == (ref.shape[1], ref.shape[0])
    assert np.array_equal(frame.rgb, ref)
    assert len(np.unique(ref.reshape(-1, 3), axis=0)) >= 2        # there is text on it
    png = frame_to_png(frame)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), ref)


@pytest.mark.parametrize("power", ["On", "Off"])
async def test_screenshot_tiled_within_psnr(emu, fast_timing, power):
    emu.state.blades[2].power_state = power
    frame = await _shot(emu, 2, "tiled", fast_timing)
    ref = emu.kvm_server.framebuffer_rgb(2)
    assert frame.encoding == "tiled" and frame.rgb.shape == ref.shape
    assert psnr(frame.rgb, ref) >= JPEG_MIN_PSNR


async def test_console_follows_chassis_state(emu, fast_timing):
    b = emu.state.blades[3]
    b.power_state = "On"
    b.boot.target = "BiosSetup"
    setup = await _shot(emu, 3, "oldrle", fast_timing)
    b.boot.target = "None"
    login = await _shot(emu, 3, "oldrle", fast_timing)
    assert (setup.width, setup.height) == (1024, 768) and (login.width, login.height) == (720, 400)


async def test_session_updates_after_state_change(emu, fast_timing):
    emu.state.blades[4].power_state = "Off"
    boot = HmmWebBootstrap(*_hmm(emu)[:3], port=_hmm(emu)[3], verify_tls=False)
    async with KvmSession(await boot.fetch(), 4, timing=fast_timing) as s:
        first = await s.next_frame(5)
        assert first.blade_down
        emu.state.blades[4].power_state = "On"
        for _ in range(20):
            f = await s.next_frame(5)
            if f.width != first.width:
                break
        assert np.array_equal(f.rgb, emu.kvm_server.framebuffer_rgb(4))
        await s.send_keyboard(bytes.fromhex("0000040000000000"))
        await s.send_keyboard(bytes(8))
        await s.send_mouse(f.width // 2, f.height // 2, buttons=1)
        await s.request_key_frame()
        await s.next_frame(5)
    log = emu.kvm_server.input_log[4]
    assert log[:2] == [("key", bytes.fromhex("0000040000000000")), ("key", bytes(8))]
    assert log[2] == ("mouse", bytes([1]) + (1500).to_bytes(2, "big") + (1500).to_bytes(2, "big") + b"\x00")
    assert await _released(emu, 4)                    # released on close


async def test_empty_slot(emu, fast_timing):
    assert not emu.state.blades[5].present
    with pytest.raises(KvmSlotEmptyError) as ei:
        await _shot(emu, 5, "oldrle", fast_timing)
    assert isinstance(ei.value, NotFoundError) and "slot 5" in str(ei.value)


async def test_bad_credentials(emu, fast_timing):
    with pytest.raises(KvmAuthError) as ei:
        await _shot(emu, 1, "oldrle", fast_timing, password="wrong-password")
    assert isinstance(ei.value, AuthError) and "wrong-password" not in str(ei.value)


async def test_stale_kvm_credentials_refused(emu, fast_timing):
    bogus = KvmSessionParams("127.0.0.1", emu.info["kvm"]["ports"]["kvm"], 12345, bytes(16))
    with pytest.raises(KvmAuthError, match="refused"):
        await _shot(emu, 1, "oldrle", fast_timing, bootstrap=StaticBootstrap(bogus))


async def test_session_taken(emu, fast_timing):
    host, user, pw, port = _hmm(emu)
    boot = HmmWebBootstrap(host, user, pw, port=port, verify_tls=False)
    async with KvmSession(await boot.fetch(), 1, timing=fast_timing) as holder:
        await holder.next_frame(5)
        with pytest.raises(KvmSessionTakenError) as ei:
            await _shot(emu, 1, "oldrle", fast_timing)
        assert isinstance(ei.value, ConflictError)
    assert await _released(emu, 1)
    await _shot(emu, 1, "oldrle", fast_timing)        # free again after close


async def test_kvm_page_requires_a_session(emu):
    host, _, _, port = _hmm(emu)
    async with httpx.AsyncClient(verify=False, follow_redirects=False) as c:
        r = await c.get(f"https://{host}:{port}/kvm.html", headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 302 and "embed" not in r.text


async def test_reused_web_session_bootstrap(emu, fast_timing):
    from vessel_core.drivers.hmm_web.client import HmmWebClient
    from vessel_core.drivers.kvm import WebClientBootstrap
    from vessel_core.drivers.tls import TLSConfig

    host, user, pw, port = _hmm(emu)
    async with HmmWebClient(f"https://{host}:{port}", user, pw, tls=TLSConfig(insecure=True)) as web:
        for slot in (1, 2):
            f = await _shot(emu, slot, "oldrle", fast_timing, bootstrap=WebClientBootstrap(web, host))
            assert np.array_equal(f.rgb, emu.kvm_server.framebuffer_rgb(slot))
