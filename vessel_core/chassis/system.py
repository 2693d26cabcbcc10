"""System Mgmt → Account / NTP / LDAP / Logs."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from vessel_core.chassis._util import as_int, b01, flag, records, split_list
from vessel_core.chassis.managed import Collection, WebField, WebSetting, build
from vessel_core.chassis.models import LDAP_GROUPS, Account, LdapGroup, LdapSettings, NtpSettings, User
from vessel_core.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from vessel_core.chassis.core import Chassis

ROLES = ("Administrator", "Operator", "ReadOnly", "Commonuser")
_USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$")
LOGS = ("smmlog", "oplog", "secure", "faillog")


class Ntp(WebSetting[NtpSettings]):
    """System Mgmt → NTP: the HMM's NTP client. Factory value: off, no servers, GMT+0, 60 min
    [INF: the sheets record no factory values; the emulator starts from the same]."""

    kind, model = "hmm.ntp", NtpSettings
    read_verb, write_verb = ("ntphandler.php", "get"), ("ntphandler.php", "set")
    referer = "system_manage_ntp.html"
    fields = {"enabled": WebField("enabled", "bool"),
              "preferred_server": WebField("preferredserver"),
              "alternate_server": WebField("alternateserver"),
              "timezone": WebField("timezone"),
              "sync_interval_min": WebField("interval", "int")}
    factory = NtpSettings()


class Ldap(WebSetting[LdapSettings]):
    """System Mgmt → LDAP (``ldaphandler`` [INF: no handler captured]). The bind password is
    write-only: sent when given, never read back nor captured. The groups travel as
    ``group<i>name`` / ``group<i>role`` (i = 1..5), every one on each write."""

    kind, model = "hmm.ldap", LdapSettings
    read_verb, write_verb = ("ldaphandler.php", "get"), ("ldaphandler.php", "set")
    referer = "system_manage.html"
    write_only = frozenset({"bind_password"})
    fields = {"enabled": WebField("enabled", "bool"), "server": WebField("server"), "port": WebField("port", "int"),
              "domain": WebField("domain"), "bind_dn": WebField("binddn"), "user_group_dn": WebField("usergroupdn"),
              "ssl": WebField("ssl", "bool"), "local_login_enabled": WebField("locallogin", "bool"),
              "bind_password": WebField("bindpasswd")}
    factory = LdapSettings()

    def read_more(self, doc: Any) -> dict[str, Any]:
        f = doc.fields
        return {"groups": [LdapGroup.model_construct(name=f[f"group{i}name"], role=f.get(f"group{i}role") or "ReadOnly")
                           for i in range(1, LDAP_GROUPS + 1) if f.get(f"group{i}name")]}

    def write_more(self, want: LdapSettings) -> dict[str, Any]:
        form: dict[str, Any] = {}
        for i in range(1, LDAP_GROUPS + 1):
            g = want.groups[i - 1] if i <= len(want.groups) else None
            form[f"group{i}name"], form[f"group{i}role"] = (g.name, g.role) if g else ("", "")
        return form


class Users(Collection[str, Account]):
    """System Mgmt → Account: the HMM's local users, keyed by name. The password is write-only;
    restoring a deleted account is not possible (no password is ever captured), so a failed
    delete that cannot be verified reports ``rollback-failed``."""

    kind, model, key = "hmm.users", Account, "name"
    write_only = frozenset({"password"})
    referer = "system_manage.html"

    def __init__(self, ch: "Chassis") -> None:
        super().__init__(ch)
        self._ids: dict[str, int] = {}  # name -> the id the modify/delete verbs take

    async def read_all(self) -> list[Account]:
        doc = await self._ch.web_read("userhandler.php", "getuserlist", referer=self.referer)
        self._ch.route("hmm.users.list", "web")
        self._ids = {r.get("username", ""): as_int(r.get("id"), 0) or 0 for r in records(doc, "user")}
        return [Account.model_construct(name=r.get("username", ""), role=r.get("role", ""),
                                        enabled=flag(r.get("enabled", "1")), password=None,
                                        interfaces=sorted(split_list(r.get("interfaces"))))  # type: ignore[arg-type]
                for r in records(doc, "user")]

    async def _id(self, name: str) -> int:
        await self.list()
        return self._ids[name]

    @staticmethod
    def _secret(want: Account) -> str | None:
        return want.password.get_secret_value() if want.password is not None else None

    async def write_create(self, want: Account) -> None:
        if want.password is None:
            raise ValidationError(f"account {want.name!r}: a new account needs a password",
                                  operation="hmm.users.create", field="password")
        await self._ch.web_write("userhandler.php", "adduser", {
            "username": want.name, "userpasswd": self._secret(want), "role": want.role,
            "interfaces": ",".join(want.interfaces)}, operation="userhandler.adduser", referer=self.referer)
        if not want.enabled:
            self._ch.cache.invalidate(self.kind)
            await self._ch.web_write("userhandler.php", "modifyuser", {"id": await self._id(want.name), "enabled": "0"},
                                     operation="userhandler.modifyuser", referer=self.referer)

    async def write_update(self, want: Account, have: Account) -> None:
        await self._ch.web_write("userhandler.php", "modifyuser", {
            "id": await self._id(want.name), "userpasswd": self._secret(want),
            "role": want.role if want.role != have.role else None,
            "enabled": b01(want.enabled) if want.enabled != have.enabled else None,
            "interfaces": ",".join(want.interfaces) if want.interfaces != have.interfaces else None},
            operation="userhandler.modifyuser", referer=self.referer)

    async def write_delete(self, have: Account) -> None:
        await self._ch.web_write("userhandler.php", "deluser", {"id": await self._id(have.name)},
                                 operation="userhandler.deluser", referer=self.referer)


class System:
    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        #: the NTP client settings (a :class:`~vessel_core.chassis.managed.Setting`)
        self.ntp = Ntp(ch)
        #: the HMM's local accounts (a :class:`~vessel_core.chassis.managed.Collection`)
        self.users = Users(ch)
        #: the LDAP settings (a :class:`~vessel_core.chassis.managed.Setting`)
        self.ldap_settings = Ldap(ch)

    # ------------------------------------------------------------------ accounts
    async def list_users(self) -> list[User]:
        """HMM local accounts (ids as the web API's modify/delete verbs use them)."""
        doc = await self._ch.web_read("userhandler.php", "getuserlist",
                                      referer="system_manage.html")
        self._ch.route("system.list_users", "web")
        return [User(id=as_int(r.get("id"), 0) or 0, username=r.get("username", ""),
                     role=r.get("role", ""), enabled=flag(r.get("enabled", "1")),
                     locked=flag(r.get("locked", "0")), interfaces=split_list(r.get("interfaces")))
                for r in records(doc, "user")]

    async def get_user(self, username: str) -> User:
        for u in await self.list_users():
            if u.username == username:
                return u
        raise NotFoundError(f"no HMM user {username!r}", target=self._ch.target,
                            operation="system.get_user")

    async def create_user(self, username: str, password: str, role: str = "Operator") -> User:
        if not _USERNAME.match(username):
            raise ValidationError(f"username: {username!r} is not 1-16 letters, digits, _ . -",
                                  operation="system.create_user")
        _check_role(role, "system.create_user")
        await self._ch.web_write("userhandler.php", "adduser",
                                 {"username": username, "userpasswd": password, "role": role},
                                 operation="userhandler.adduser", referer="system_manage.html")
        self._ch.route("system.create_user", "web")
        return await self.get_user(username)

    async def update_user(self, username: str, *, password: str | None = None,
                          role: str | None = None, enabled: bool | None = None) -> User:
        user = await self.get_user(username)
        if role is not None:
            _check_role(role, "system.update_user")
        await self._ch.web_write("userhandler.php", "modifyuser", {
            "id": user.id, "userpasswd": password, "role": role,
            "enabled": None if enabled is None else b01(enabled)},
            operation="userhandler.modifyuser", referer="system_manage.html")
        self._ch.route("system.update_user", "web")
        return await self.get_user(username)

    async def delete_user(self, username: str) -> None:
        user = await self.get_user(username)
        await self._ch.web_write("userhandler.php", "deluser", {"id": user.id},
                                 operation="userhandler.deluser", referer="system_manage.html")
        self._ch.route("system.delete_user", "web")

    # ------------------------------------------------------------------ NTP
    async def set_ntp(self, *, enabled: bool | None = None, preferred_server: str | None = None,
                      alternate_server: str | None = None, timezone: str | None = None,
                      sync_interval_min: int | None = None) -> NtpSettings:
        """Keyword form of ``ntp.set`` (only the given fields change)."""
        changes = {k: v for k, v in dict(enabled=enabled, preferred_server=preferred_server,
                                         alternate_server=alternate_server, timezone=timezone,
                                         sync_interval_min=sync_interval_min).items() if v is not None}
        current = await self.ntp.get()
        return await self.ntp.set(build(NtpSettings, {**current.model_dump(), **changes}, "system.set_ntp"))

    # ------------------------------------------------------------------ LDAP
    async def ldap(self) -> LdapSettings:
        doc = await self._ch.web_read("ldaphandler.php", "get", referer="system_manage.html")
        self._ch.route("system.ldap", "web")
        f = doc.fields
        return LdapSettings(enabled=flag(f.get("enabled")), server=f.get("server", ""),
                            port=as_int(f.get("port"), 389) or 389, domain=f.get("domain", ""),
                            bind_dn=f.get("binddn", ""), user_group_dn=f.get("usergroupdn", ""),
                            ssl=flag(f.get("ssl")))

    async def set_ldap(self, *, enabled: bool | None = None, server: str | None = None,
                       port: int | None = None, domain: str | None = None,
                       bind_dn: str | None = None, bind_password: str | None = None,
                       user_group_dn: str | None = None, ssl: bool | None = None) -> LdapSettings:
        if port is not None and not 1 <= port <= 65535:
            raise ValidationError(f"port: must be 1..65535, got {port}", operation="system.set_ldap")
        await self._ch.web_write("ldaphandler.php", "set", {
            "enabled": None if enabled is None else b01(enabled), "server": server, "port": port,
            "domain": domain, "binddn": bind_dn, "bindpasswd": bind_password,
            "usergroupdn": user_group_dn, "ssl": None if ssl is None else b01(ssl)},
            operation="ldaphandler.set", referer="system_manage.html")
        self._ch.route("system.set_ldap", "web")
        return await self.ldap()

    # ------------------------------------------------------------------ logs
    async def log(self, kind: Literal["smmlog", "oplog", "secure", "faillog"] = "oplog",
                  *, tail: bool = True) -> str:
        """An HMM log over the SSH CLI (``reads <kind> [-t]``); only SSH offers it."""
        if kind not in LOGS:
            raise ValidationError(f"kind: expected one of {', '.join(LOGS)}, got {kind!r}",
                                  operation="system.log")
        cli = await self._ch.hmm_cli()
        out = await cli.run(f"reads {kind}" + (" -t" if tail else ""))
        self._ch.route("system.log", "ssh:hmm")
        return out


def _check_role(role: str, op: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"role: expected one of {', '.join(ROLES)}, got {role!r}",
                              operation=op)
