"""HMM web API, System Mgmt → Account / NTP / LDAP (``userhandler``, ``ntphandler``,
``ldaphandler``); the asset tag and slot aliases of Chassis Settings → Basic are ``userhandler``
verbs too and live here with it."""
from __future__ import annotations

import re

from aiohttp import web

from vessel_core.sim.hmm._common import Call, _bad, _FieldError, _guard, _int, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_result
from vessel_core.sim.state import Account, LdapGroup

#: [INF] characters the HMM's text fields refuse (they would break its XML answers)
_MARKUP = "<>&\"'"


@verb("userhandler", "getassettag")
async def user_getassettag(call: Call) -> web.StreamResponse:
    return xml_result(extra=[xml_el("assettag", call.emulator.state.chassis.asset_tag)])


@verb("userhandler", "setassettag")
@_guard
async def user_setassettag(call: Call) -> web.StreamResponse:
    """[INF] write verb for Chassis Settings → Basic."""
    tag = call.arg("assettag")
    if len(tag) > 48:
        raise _FieldError("Parameter assettag is longer than 48 characters.")
    if any(c in tag for c in _MARKUP):
        raise _FieldError("Parameter assettag may not hold < > & \" '.")
    call.emulator.state.chassis.asset_tag = tag
    call.emulator.changed()
    return xml_result()


@verb("userhandler", "getslotalias")
async def user_getslotalias(call: Call) -> web.StreamResponse:
    alias = call.emulator.state.chassis.slot_alias
    return xml_result(extra=[xml_el(f"slot{n}", alias.get(str(n), "")) for n in range(1, 17)])


@verb("userhandler", "setslotalias")
@_guard
async def user_setslotalias(call: Call) -> web.StreamResponse:
    """[INF] ``slot=<1..16>``, ``alias=<text>``."""
    slot = _int(call, "slot", lo=1, hi=16)
    alias = call.arg("alias")
    if len(alias) > 32:
        raise _FieldError("Parameter alias is longer than 32 characters.")
    if any(c in alias for c in _MARKUP + ","):
        raise _FieldError("Parameter alias may not hold < > & \" ' ,.")
    call.emulator.state.chassis.slot_alias[str(slot)] = alias
    call.emulator.changed()
    return xml_result()


def _user_xml(a: Account) -> str:
    return xml_el("user", children=xml_fields({
        "id": a.id, "username": a.username, "role": a.role, "enabled": a.enabled,
        "locked": a.locked, "interfaces": ",".join(a.interfaces)}))


@verb("userhandler", "getuserlist")
async def user_list(call: Call) -> web.StreamResponse:
    """[INF] HMM local accounts (never the password)."""
    accts = call.emulator.state.accounts
    return xml_result(extra=[xml_el("total", len(accts))] + [_user_xml(a) for a in accts])


ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")
#: [INF] the login interfaces an HMM account may be given (the Redfish account's UserInterfaces)
INTERFACES = ("WEB", "SNMP", "SSH/TELNET", "SFTP", "KVM", "REDFISH")


def _interfaces(call: Call) -> list[str]:
    """``interfaces``: a comma-separated list of INTERFACES (empty: none)."""
    names = [t for t in call.arg("interfaces").split(",") if t]
    bad = [n for n in names if n not in INTERFACES]
    if bad:
        raise _FieldError(f"Parameter interfaces: {', '.join(bad)} not one of {', '.join(INTERFACES)}.")
    return [i for i in INTERFACES if i in names]


USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$")


def _check_password(pw: str) -> None:
    if len(pw) < 8 or not (re.search(r"[A-Za-z]", pw) and re.search(r"\d", pw)):
        raise _FieldError("Parameter userpasswd must have at least 8 characters with letters "
                          "and digits.")


@verb("userhandler", "adduser")
@_guard
async def user_add(call: Call) -> web.StreamResponse:
    """[INF] ``username``, ``userpasswd``, ``role``; ids are given from 3 up (root is 2)."""
    st = call.emulator.state
    name = call.arg("username")
    if not USERNAME_RE.match(name):
        raise _FieldError(f"Parameter username {name!r} is not 1-16 letters, digits, _ . -.")
    if st.account(name):
        return _bad(f"The user {name} already exists.", 6)
    if len(st.accounts) >= 15:
        return _bad("The number of users has reached the upper limit.", 7)
    _check_password(call.arg("userpasswd"))
    role = call.arg("role", "Operator")
    if role not in ROLES:
        raise _FieldError(f"Parameter role must be one of {', '.join(ROLES)}.")
    interfaces = _interfaces(call) if "interfaces" in call.form else list(INTERFACES)
    used = {a.id for a in st.accounts}
    new_id = next(i for i in range(3, 100) if i not in used)
    st.accounts.append(Account(id=new_id, username=name, password=call.arg("userpasswd"),
                               role=role, interfaces=interfaces))
    call.emulator.changed()
    return xml_result(extra=[xml_el("id", new_id)])


def _find_user(call: Call) -> Account:
    uid = _int(call, "id", lo=1, hi=99)
    acct = next((a for a in call.emulator.state.accounts if a.id == uid), None)
    if acct is None:
        raise _FieldError(f"Parameter id: no user with id {uid}.")
    return acct


@verb("userhandler", "modifyuser")
@_guard
async def user_modify(call: Call) -> web.StreamResponse:
    """[INF] ``id`` plus any of ``userpasswd``, ``role``, ``enabled`` (0/1), ``interfaces``."""
    acct = _find_user(call)
    if "interfaces" in call.form:
        acct.interfaces = _interfaces(call)
    if "userpasswd" in call.form:
        _check_password(call.arg("userpasswd"))
        acct.password = call.arg("userpasswd")
    if "role" in call.form:
        if call.arg("role") not in ROLES:
            raise _FieldError(f"Parameter role must be one of {', '.join(ROLES)}.")
        if acct.id == 2 and call.arg("role") != "Administrator":
            return _bad("The role of the default administrator cannot be changed.", 8)
        acct.role = call.arg("role")  # type: ignore[assignment]
    if "enabled" in call.form:
        acct.enabled = bool(_int(call, "enabled", lo=0, hi=1))
    call.emulator.changed()
    return xml_result()


@verb("userhandler", "deluser")
@_guard
async def user_delete(call: Call) -> web.StreamResponse:
    """[INF] ``id``; the default administrator (id 2) cannot be deleted."""
    acct = _find_user(call)
    if acct.id == 2:
        return _bad("The default administrator cannot be deleted.", 8)
    call.emulator.state.accounts.remove(acct)
    call.emulator.changed()
    return xml_result()


@verb("ntphandler", "get")
async def ntp_get(call: Call) -> web.StreamResponse:
    """[INF]"""
    n = call.emulator.state.ntp
    return xml_result(extra=xml_fields({"enabled": n.enabled, "preferredserver": n.preferred_server,
                                        "alternateserver": n.alternate_server,
                                        "timezone": n.timezone, "interval": n.sync_interval_min}))


HOST_RE = re.compile(r"^$|^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^[0-9a-fA-F:]+$")


@verb("ntphandler", "set")
@_guard
async def ntp_set(call: Call) -> web.StreamResponse:
    """[INF] enabled, preferredserver, alternateserver, timezone (GMT±H[:MM]), interval (min)."""
    n = call.emulator.state.ntp.model_copy()
    if "enabled" in call.form:
        n.enabled = bool(_int(call, "enabled", lo=0, hi=1))
    for field, attr in (("preferredserver", "preferred_server"), ("alternateserver", "alternate_server")):
        if field in call.form:
            if not HOST_RE.match(call.arg(field)):
                raise _FieldError(f"Parameter {field} {call.arg(field)!r} is not a host name or address.")
            setattr(n, attr, call.arg(field))
    if "timezone" in call.form:
        if not re.match(r"^GMT[+-]\d{1,2}(:\d{2})?$", call.arg("timezone")):
            raise _FieldError(f"Parameter timezone {call.arg('timezone')!r} is not GMT+H or GMT-H:MM.")
        n.timezone = call.arg("timezone")
    if "interval" in call.form:
        n.sync_interval_min = _int(call, "interval", lo=1, hi=1440)
    if n.enabled and not n.preferred_server:
        raise _FieldError("Parameter preferredserver is required when NTP is enabled.")
    call.emulator.state.ntp = n
    call.emulator.changed()
    return xml_result()


@verb("ldaphandler", "get")
async def ldap_get(call: Call) -> web.StreamResponse:
    """[INF] the bind password is never returned; groups as ``group<i>name`` / ``group<i>role``."""
    x = call.emulator.state.ldap
    groups: dict[str, object] = {}
    for i in range(1, LDAP_GROUPS + 1):
        g = x.groups[i - 1] if i <= len(x.groups) else None
        groups[f"group{i}name"] = g.name if g else ""
        groups[f"group{i}role"] = g.role if g else ""
    return xml_result(extra=xml_fields({"enabled": x.enabled, "server": x.server, "port": x.port,
                                        "domain": x.domain, "binddn": x.bind_dn,
                                        "usergroupdn": x.user_group_dn, "ssl": x.ssl,
                                        "locallogin": x.local_login, **groups}))


LDAP_GROUPS = 5
IPV4ISH_RE = re.compile(r"^[0-9.]+$")
LDAP_URL_RE = re.compile(r"^ldaps?://(\[[0-9a-fA-F:]+\]|[^/:?#]*)(?::(\d*))?/?$", re.I)


def _ldap_server(value: str) -> None:
    """[INF] a host name, an IPv4/IPv6 address or an ldap[s]://host[:port] URL."""
    m = LDAP_URL_RE.match(value)
    if "://" in value and m is None:
        raise _FieldError(f"Parameter server {value!r} is not an ldap:// or ldaps:// URL.")
    if m is not None and not m.group(1):
        raise _FieldError(f"Parameter server {value!r}: the URL has no host.")
    if m is not None and m.group(2) is not None and not (m.group(2).isdigit() and 1 <= int(m.group(2)) <= 65535):
        raise _FieldError(f"Parameter server {value!r}: the URL has no valid port.")
    host = m.group(1).strip("[]") if m is not None else value
    ipv4 = IPV4ISH_RE.match(host) and (len(host.split(".")) != 4 or any(
        not p.isdigit() or int(p) > 255 or len(p) > 3 for p in host.split(".")))
    if ipv4 or not HOST_RE.match(host):
        raise _FieldError(f"Parameter server {value!r} is not a host name or address.")


@verb("ldaphandler", "set")
@_guard
async def ldap_set(call: Call) -> web.StreamResponse:
    """[INF] enabled, server, port, domain, binddn, bindpasswd, usergroupdn, ssl, locallogin,
    group<i>name / group<i>role (i = 1..5; an empty name removes the group)."""
    x = call.emulator.state.ldap.model_copy()
    for field, attr in (("server", "server"), ("domain", "domain"), ("binddn", "bind_dn"),
                        ("bindpasswd", "bind_password"), ("usergroupdn", "user_group_dn")):
        if field in call.form:
            if len(call.arg(field)) > 255:
                raise _FieldError(f"Parameter {field} is longer than 255 characters.")
            setattr(x, attr, call.arg(field))
    if "server" in call.form and x.server:
        _ldap_server(x.server)
    if "port" in call.form:
        x.port = _int(call, "port", lo=1, hi=65535)
    for flag, attr in (("enabled", "enabled"), ("ssl", "ssl"), ("locallogin", "local_login")):
        if flag in call.form:
            setattr(x, attr, bool(_int(call, flag, lo=0, hi=1)))
    if any(f"group{i}name" in call.form for i in range(1, LDAP_GROUPS + 1)):
        groups = []
        for i in range(1, LDAP_GROUPS + 1):
            name, role = call.arg(f"group{i}name"), call.arg(f"group{i}role", "ReadOnly")
            if not name:
                continue
            if role not in ROLES:
                raise _FieldError(f"Parameter group{i}role must be one of {', '.join(ROLES)}.")
            groups.append(LdapGroup(name=name, role=role))
        x.groups = groups
    if x.enabled and not x.server:
        raise _FieldError("Parameter server is required when LDAP is enabled.")
    if not x.local_login and not x.enabled:
        raise _FieldError("Parameter locallogin: local login may only be turned off while LDAP is enabled.")
    call.emulator.state.ldap = x
    call.emulator.changed()
    return xml_result()
