"""Helpers for the emulated chassis tests: web and Redfish logins."""
from __future__ import annotations

import re

import httpx

PASSWORD = "Huawei12#$"


async def web_login(http: httpx.AsyncClient, base: str, user: str = "root",
                    password: str = PASSWORD) -> dict[str, str]:
    """GET /login.html, queryverify, login; return the headers later calls need."""
    r = await http.get(f"{base}/login.html")
    assert r.status_code == 200 and "SESSID" in r.cookies
    r = await http.post(f"{base}/loginhandler.php", data={"actiontype": "queryverify", "chassisid": "0"},
                        headers={"X-Requested-With": "XMLHttpRequest"})
    assert "<verify>0</verify>" in r.text
    r = await http.post(f"{base}/loginhandler.php", data={
        "actiontype": "login", "username": user, "userpasswd": password, "usermode": "1",
        "code": "", "language": "en"}, headers={"Custom-Token": "0", "X-Requested-With": "XMLHttpRequest"})
    m = re.search(r"<csrftoken>(.*?)</csrftoken>", r.text)
    assert m, r.text
    return {"Custom-Token": m.group(1), "X-Requested-With": "XMLHttpRequest", "Origin": base,
            "Referer": f"{base}/index.html?chassisid=0"}


def retcode(text: str) -> int:
    m = re.search(r"<retcode>(-?\d+)</retcode>", text)
    assert m, text
    return int(m.group(1))


async def rf_login(http: httpx.AsyncClient, base: str, user: str = "root",
                   password: str = PASSWORD) -> dict[str, str]:
    r = await http.post(f"{base}/redfish/v1/SessionService/Sessions",
                        json={"UserName": user, "Password": password})
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith("/redfish/v1/SessionService/Sessions/")
    return {"X-Auth-Token": r.headers["X-Auth-Token"]}
