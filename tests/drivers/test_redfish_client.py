"""RedfishClient behaviour against a scripted in-memory service (httpx MockTransport)."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from driver_fakes import USER, FakeRedfish, fake_client, load

from vessel_core.drivers.redfish import RedfishClient, SessionLimitError
from vessel_core.errors import AuthError, DeviceError, DeviceTimeoutError, NotFoundError, TransientError, ValidationError
from vessel_core.models.redfish import Task

SYS = "/redfish/v1/Systems/1"


client = fake_client


async def test_session_login_token_location_and_logout(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        assert rf.auth_in_use == "session"
        assert len(fake_redfish.sessions) == 1
        system = await rf.get_system("1")
        assert system.power_state == "On"
        get = [r for r in fake_redfish.requests if r.url.path == SYS][0]
        assert get.headers["X-Auth-Token"] in fake_redfish.sessions
        assert "Authorization" not in get.headers
    # logout deleted the session (Location was an absolute URL)
    assert fake_redfish.sessions == {}
    assert fake_redfish.requests[-1].method == "DELETE"


async def test_basic_auth_fallback_when_no_session_service(fake_redfish: FakeRedfish) -> None:
    fake_redfish.sessions_supported = False
    async with client(fake_redfish) as rf:
        assert rf.auth_in_use == "basic"
        assert (await rf.get_system("1")).id == "1"
    assert fake_redfish.requests[-1].headers["Authorization"].startswith("Basic ")


async def test_wrong_password_is_auth_error_without_retry(fake_redfish: FakeRedfish) -> None:
    rf = RedfishClient("https://bmc.example", USER, "wrong", transport=fake_redfish.transport())
    with pytest.raises(AuthError) as ei:
        await rf.login()
    assert "AuthorizationFailed" in str(ei.value)
    assert fake_redfish.method_count("POST", "/redfish/v1/SessionService/Sessions") == 1
    await rf.close()


async def test_full_session_slots_fail_fast(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.max_sessions = 0
    rf = client(fake_redfish, sleeper)
    with pytest.raises(SessionLimitError):
        await rf.get_system("1")
    assert sleeper.delays == []  # login POST never retried
    await rf.close()


async def test_expired_session_relogs_once_and_repeats(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        await rf.get_system("1")
        fake_redfish.expire_all()
        system = await rf.get_system("1")
        assert system.id == "1"
        logins = fake_redfish.method_count("POST", "/redfish/v1/SessionService/Sessions")
        assert logins == 2


async def test_concurrent_401s_share_one_relogin(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        fake_redfish.expire_all()
        results = await asyncio.gather(*(rf.get_system("1") for _ in range(6)))
        assert all(r.id == "1" for r in results)
        assert fake_redfish.method_count("POST", "/redfish/v1/SessionService/Sessions") == 2


async def test_get_retries_5xx_and_resets_with_backoff(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.script[("GET", SYS)] = [503, "reset", 502]
    async with client(fake_redfish, sleeper) as rf:
        system = await rf.get_system("1")
    assert system.power_state == "On"
    assert fake_redfish.method_count("GET", SYS) == 4
    assert len(sleeper.delays) == 3
    # exponential with equal jitter: d/2 <= delay <= d for d = 0.1, 0.2, 0.4
    for i, d in enumerate(sleeper.delays):
        full = min(1.0, 0.1 * 2 ** i)
        assert full / 2 <= d <= full


async def test_retry_after_is_honoured(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.script[("GET", SYS)] = [httpx.Response(503, headers={"Retry-After": "3"})]
    async with client(fake_redfish, sleeper) as rf:
        await rf.get_system("1")
    assert sleeper.delays == [3.0]


async def test_get_gives_up_after_attempts(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.script[("GET", SYS)] = [500] * 10
    async with client(fake_redfish, sleeper) as rf:
        with pytest.raises(TransientError) as ei:
            await rf.get_system("1")
    assert ei.value.status == 500
    assert fake_redfish.method_count("GET", SYS) == 4


async def test_post_actions_are_never_replayed(fake_redfish: FakeRedfish, sleeper) -> None:
    reset = f"{SYS}/Actions/ComputerSystem.Reset"
    fake_redfish.script[("POST", reset)] = [503, 503]
    async with client(fake_redfish, sleeper) as rf:
        with pytest.raises(TransientError):
            await rf.post(reset, {"ResetType": "ForceRestart"})
        fake_redfish.script[("POST", reset)] = ["reset"]
        with pytest.raises(TransientError):
            await rf.post(reset, {"ResetType": "ForceRestart"})
    assert fake_redfish.method_count("POST", reset) == 2
    assert sleeper.delays == []


async def test_patch_without_if_match_is_not_replayed(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.script[("PATCH", SYS)] = [503]
    async with client(fake_redfish, sleeper) as rf:
        with pytest.raises(TransientError):
            await rf.patch(SYS, {"AssetTag": "x"}, if_match=False)
    assert fake_redfish.method_count("PATCH", SYS) == 1


async def test_patch_with_if_match_is_replayed_on_5xx(fake_redfish: FakeRedfish, sleeper) -> None:
    fake_redfish.script[("PATCH", SYS)] = [503]
    async with client(fake_redfish, sleeper) as rf:
        await rf.patch(SYS, {"AssetTag": "replayed"})
    assert fake_redfish.resources[SYS]["AssetTag"] == "replayed"
    assert fake_redfish.method_count("PATCH", SYS) == 2


async def test_patch_sends_if_match_from_fresh_get(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        await rf.set_boot_override("1", "Pxe", enabled="Once", mode="UEFI")
    patch = [r for r in fake_redfish.requests if r.method == "PATCH"][0]
    assert patch.headers["If-Match"] == 'W/"0"'
    assert json.loads(patch.content) == {"Boot": {"BootSourceOverrideTarget": "Pxe",
                                                  "BootSourceOverrideEnabled": "Once",
                                                  "BootSourceOverrideMode": "UEFI"}}
    assert fake_redfish.resources[SYS]["Boot"]["BootSourceOverrideTarget"] == "Pxe"


async def test_412_rereads_once_and_retries_once(fake_redfish: FakeRedfish) -> None:
    fake_redfish.stale_etag_once.add(SYS)
    async with client(fake_redfish) as rf:
        await rf.patch(SYS, {"AssetTag": "after-412"})
    assert fake_redfish.resources[SYS]["AssetTag"] == "after-412"
    assert fake_redfish.method_count("PATCH", SYS) == 2
    assert fake_redfish.method_count("GET", SYS) == 2  # initial read + one re-read


async def test_persistent_412_is_conflict_after_one_retry(fake_redfish: FakeRedfish) -> None:
    fake_redfish.script[("PATCH", SYS)] = [412, 412, 412]
    async with client(fake_redfish) as rf:
        with pytest.raises(Exception) as ei:
            await rf.patch(SYS, {"AssetTag": "never"})
    assert ei.value.status == 412
    assert fake_redfish.method_count("PATCH", SYS) == 2


async def test_boot_target_checked_before_sending(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        with pytest.raises(ValidationError) as ei:
            await rf.set_boot_override("1", "Usb")
    assert "BiosSetup" in str(ei.value)
    assert fake_redfish.method_count("PATCH", SYS) == 0


async def test_error_shaped_success_is_success(fake_redfish: FakeRedfish) -> None:
    action = "/redfish/v1/Systems/1/Storages/RAIDStorage0/Actions/Oem/Huawei/Storage.RestoreStorageControllerDefaultSettings"
    fake_redfish.resources["__actions__"] = {
        action: lambda req: httpx.Response(400, json=load("restore-raid-storage-response.json"))}
    async with client(fake_redfish) as rf:
        r = await rf.post(action, {})
    assert r.extra["error_shaped_success"] is True


async def test_real_error_on_2xx_is_raised(fake_redfish: FakeRedfish) -> None:
    action = "/redfish/v1/x/Actions/y"
    fake_redfish.resources["__actions__"] = {
        action: lambda req: httpx.Response(200, json=load("create-volume-failed-400-response.json"))}
    async with client(fake_redfish) as rf:
        with pytest.raises(DeviceError):
            await rf.post(action, {})


async def test_not_found(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        with pytest.raises(NotFoundError):
            await rf.get_system("Blade9")
        assert not await rf.exists("/redfish/v1/Systems/Blade9")


def _task(state: str, pct: str | None = None, n: int = 5) -> dict:
    doc = {"@odata.id": f"/redfish/v1/TaskService/Tasks/{n}", "@odata.type": "#Task.v1_0_2.Task",
           "Id": str(n), "TaskState": state, "Oem": {"Huawei": {"TaskPercentage": pct}}}
    if state == "Exception":
        doc["TaskStatus"] = "Warning"
        doc["Messages"] = {"MessageId": "iBMC.1.0.FileTransferErrorDesc",
                           "Message": "download failed", "Severity": "Warning"}
    return doc


def _accepting_action(fake: FakeRedfish, path: str, task_states: list[dict]) -> None:
    uri = task_states[0]["@odata.id"]
    fake.tasks[uri] = task_states
    fake.resources["__actions__"] = {
        path: lambda req: httpx.Response(202, json=task_states[0],
                                         headers={"Location": uri})}


async def test_task_polled_to_completion(fake_redfish: FakeRedfish, sleeper) -> None:
    action = "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate"
    _accepting_action(fake_redfish, action, [_task("Running", "10%"), _task("Running", "60%"),
                                             _task("Completed", "100%")])
    fake_redfish.resources["/redfish/v1/UpdateService"] = {"@odata.id": "/redfish/v1/UpdateService"}
    seen: list[int | None] = []
    async with client(fake_redfish, sleeper, task_poll_interval=0.5) as rf:
        task = await rf.simple_update("/tmp/web/image.hpm", on_progress=lambda t: seen.append(t.percent))
    assert isinstance(task, Task) and task.succeeded
    assert seen == [10, 60, 100]
    assert sleeper.delays == [0.5, 0.5]
    body = json.loads([r for r in fake_redfish.requests if r.url.path == action][0].content)
    assert body == {"ImageURI": "/tmp/web/image.hpm"}


async def test_task_exception_is_device_error(fake_redfish: FakeRedfish, sleeper) -> None:
    action = "/redfish/v1/Managers/1/VirtualMedia/CD/Oem/Huawei/Actions/VirtualMedia.VmmControl"
    _accepting_action(fake_redfish, action, [_task("Running"), _task("Exception")])
    fake_redfish.resources["/redfish/v1/Managers/1/VirtualMedia/CD"] = {
        "@odata.id": "/redfish/v1/Managers/1/VirtualMedia/CD", "Id": "CD"}
    async with client(fake_redfish, sleeper) as rf:
        with pytest.raises(DeviceError) as ei:
            await rf.vmm_control("1", "Connect", "nfs://h/x.iso")
    assert "Exception" in str(ei.value) and "download failed" in str(ei.value)
    assert ei.value.message_ids == ["iBMC.1.0.FileTransferErrorDesc"]


async def test_task_deadline_is_typed_timeout(fake_redfish: FakeRedfish) -> None:
    action = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"
    _accepting_action(fake_redfish, action, [_task("Running")])
    async with client(fake_redfish, task_poll_interval=0.01) as rf:
        with pytest.raises(DeviceTimeoutError) as ei:
            await rf.post_action(action, {"ResetType": "On"}, timeout=0.05)
    assert "Running" in str(ei.value)


async def test_reset_type_checked_against_allowable_values(fake_redfish: FakeRedfish) -> None:
    fake_redfish.resources[SYS]["Actions"]["#ComputerSystem.Reset"][
        "ResetType@Redfish.AllowableValues"] = ["On", "ForceOff"]
    async with client(fake_redfish) as rf:
        with pytest.raises(ValidationError) as ei:
            await rf.reset_system("1", "Nmi")
    assert "ForceOff" in str(ei.value)


async def test_delete_replayed_after_lost_reply_404_is_success(fake_redfish: FakeRedfish, sleeper) -> None:
    path = "/redfish/v1/AccountService/Accounts/3"
    fake_redfish.script[("DELETE", path)] = ["reset", httpx.Response(404)]
    async with client(fake_redfish, sleeper) as rf:
        r = await rf.delete(path)
    assert r.status == 204


async def test_connection_reuse(fake_redfish: FakeRedfish) -> None:
    async with client(fake_redfish) as rf:
        first = rf._http
        await asyncio.gather(*(rf.get_system("1") for _ in range(5)))
        assert rf._http is first
