"""Fault injection through the facade: each fault ends in recovery or a clear typed error,
never a hang (every test runs under asyncio.wait_for)."""
from __future__ import annotations

import asyncio
import time

import pytest
from chassis_helpers import chassis_for, emulator, ssh_fingerprint

from vessel_core.chassis.sync import Chassis as SyncChassis
from vessel_core.errors import AuthError, TransientError

pytestmark = pytest.mark.timeout(120)
DEADLINE = 30.0


async def bounded(coro, seconds: float = DEADLINE):  # type: ignore[no-untyped-def]
    return await asyncio.wait_for(coro, seconds)


@pytest.mark.parametrize("profile", ["legacy", "modern"])
async def test_5xx_bursts_are_recovered_on_reads(profile):
    async with emulator(profile) as emu:
        async with chassis_for(emu) as ch:
            # logins happen before the fault: a login is a POST and is never replayed
            await ch.capabilities()
            await ch.blade.get(2)
            await ch.basic.get()
            emu.faults.http_5xx_rate = 0.4
            for _ in range(3):
                ch.cache.invalidate()
                blades = await bounded(ch.blade.list())
                assert len(blades) == sum(b.present for b in emu.state.blades.values())
                assert (await bounded(ch.power.meter())).consumed_w > 0
                assert (await bounded(ch.alarms.list())).sum >= 1
                assert (await bounded(ch.fan.status()))
                if profile == "modern":
                    assert (await bounded(ch.blade.get(2))).model == "CH121"
            # a write is never replayed: it either lands or fails typed
            emu.faults.http_5xx_rate = 1.0
            with pytest.raises(TransientError):
                await bounded(ch.basic.set_asset_tag("burst"))


async def test_dropped_ssh_sessions_recover_reads_and_fail_writes_typed():
    async with emulator("legacy") as emu:
        async with chassis_for(emu) as ch:
            emu.faults.ssh_drop_after_commands = 4
            for _ in range(4):
                ch.switch.invalidate(2)
                st = await bounded(ch.switch.state(2))
                assert any(v.vid == 1 for v in st.vlans)
            cli = await ch.vrp(2)
            assert cli.shell.reconnects >= 1
            assert (await bounded(ch.blade.get(3))).model == "CH121"   # iBMC CLI through the HMM
            outcomes = []
            for i in range(4):
                try:
                    await bounded(ch.switch.configure(2, [f"vlan {400 + i}", "quit"]))
                    outcomes.append("ok")
                except TransientError as exc:
                    outcomes.append("transient")
                    assert exc.target == "swi2"
            assert "transient" in outcomes   # a change is never re-sent on a new session
            emu.faults.ssh_drop_after_commands = None
            await bounded(ch.switch.configure(2, ["vlan 450", "quit"]))
            vids = {v.vid for v in await bounded(ch.switch.vlans(2))}
            assert 450 in vids
            assert {400 + i for i, o in enumerate(outcomes) if o == "ok"} <= vids


async def test_expired_web_session_is_renewed_transparently():
    async with emulator("legacy") as emu:
        async with chassis_for(emu) as ch:
            await ch.basic.get()
            web = await ch.web()
            gen = web._generation
            emu.faults.session_idle_timeout_s = 0.3
            await asyncio.sleep(0.5)
            info = await bounded(ch.basic.get())     # web + HMM Redfish sessions both expired
            assert info.model == "E9000"
            await bounded(ch.basic.set_asset_tag("after-expiry"))
            assert emu.state.chassis.asset_tag == "after-expiry"
            assert web._generation == gen + 1


async def test_412_on_patch_is_recovered():
    async with emulator("modern") as emu:
        seen: list[int] = []
        armed = {"on": False}

        async def on_request(request):  # someone else changes the blade between GET and PATCH
            if armed["on"] and request.method == "PATCH":
                armed["on"] = False
                emu.state.blades[2].boot.mode = "UEFI" if emu.state.blades[2].boot.mode != "UEFI" else "Legacy"

        async def on_response(response):
            seen.append(response.status_code)

        async with chassis_for(emu, event_hooks={"request": [on_request],
                                                 "response": [on_response]}) as ch:
            await ch.blade.get(2)
            armed["on"] = True
            bo = await bounded(ch.blade.set_boot_override(2, "Pxe", enabled="Once"))
            assert bo.target == "Pxe" and emu.state.blades[2].boot.target == "Pxe"
            assert 412 in seen
            assert ch.routes["blade.set_boot_override"] == "redfish:ibmc"


@pytest.mark.parametrize("profile", ["legacy", "modern"])
async def test_full_session_slots_raise_auth_error_quickly(profile):
    async with emulator(profile) as emu:
        emu.faults.refuse_logins = True
        async with chassis_for(emu) as ch:
            t0 = time.monotonic()
            with pytest.raises(AuthError):
                await bounded(ch.blade.list(), 10)
            with pytest.raises(AuthError):
                await bounded(ch.power.meter(), 10)
            if profile == "modern":
                with pytest.raises(AuthError):     # the iBMC probe does not hide it
                    await bounded(ch.blade.get(1), 10)
            assert time.monotonic() - t0 < 10


async def test_sync_wrapper_runs_its_own_loop():
    async with emulator("modern") as emu:
        h = emu.info["hmm"]

        def work():  # type: ignore[no-untyped-def]
            with SyncChassis.connect(h["url"], h["username"], h["password"],
                                     ca_cert=emu.info["ca_cert"],
                                     ssh_host_keys=ssh_fingerprint(emu),
                                     ssh_port=emu.info["ssh"]["port"],
                                     ibmc_endpoints=emu.info["ibmc"], call_timeout=20) as ch:
                blades = ch.blade.list()
                ch.blade.power_on(1, wait=True, timeout=10, interval=0.1)
                vlans = ch.switch.vlans(2)
                return blades, ch.blade.get(1), vlans, ch.routes

        blades, b1, vlans, routes = await asyncio.wait_for(asyncio.to_thread(work), 60)
        assert blades and b1.power_state == "On" and any(v.vid == 1 for v in vlans)
        assert routes["blade.get"] == "redfish:ibmc" and routes["switch.state"] == "ssh:vrp"
