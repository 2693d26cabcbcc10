"""The two shapes every managed object of the chassis takes, each carrying its safety scope.

* :class:`Setting` ``[M]``: a singleton (NTP, LDAP, chassis settings, power policy): ``get`` /
  ``set`` / ``reset`` (the factory value, or :attr:`Setting.factory` is None when the HMM has
  none and destroy means "forget").
* :class:`Collection` ``[K, M]``: keyed objects (users, profiles, VLANs): ``list`` (one read,
  cached per operation), ``get`` / ``create`` / ``update`` / ``delete``.

Both are :class:`vessel_core.safety.Scope` implementations: a mutation goes through the
chassis' guard (snapshot of the scope before the first change of the guard session, verify =
read back equals what was asked plus any health checks, restore = write the captured model
back, one audit record). Writers are declared, not hand-written: :class:`WebSetting` turns a
table of model field → HMM form field into a setting over the one web write path
(:meth:`Chassis.web_write`).
"""
from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, ClassVar, Generic, Mapping, TypeVar

from vessel_core.chassis._util import as_int, b01, flag
from vessel_core.errors import ChangeError, ConflictError, NotFoundError, TransientError, ValidationError, VesselError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from vessel_core.chassis.core import Chassis
    from vessel_core.safety.guard import Change

M = TypeVar("M", bound="BaseModel")
K = TypeVar("K")
Check = Callable[[Any], Awaitable[None]]


class _Managed(Generic[M]):
    """What settings and collections share: the scope identity, the guard, health checks."""

    kind: str
    target: str
    model: type[M]
    #: model fields never read back nor captured (passwords): written, never compared
    write_only: ClassVar[frozenset[str]] = frozenset()
    #: model fields the device computes (allocations, bound slots): captured, never compared
    read_only: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, ch: "Chassis") -> None:
        self._ch = ch
        self.target = getattr(self, "target", None) or "hmm"
        #: extra verification after every change (health of what the change may break)
        self.checks: list[Check] = []

    def _dump(self, m: M) -> dict[str, Any]:
        return m.model_dump(mode="json", exclude=set(self.write_only))

    def _changed(self, want: M, have: M) -> list[str]:
        """The fields of ``want`` the device shows differently (read-only fields aside)."""
        return [k for k in _differs(self._dump(want), self._dump(have)) if k not in self.read_only]

    @asynccontextmanager
    async def _guarded(self, op: str, *, want: Any, before: Any,
                       target_id: str | None = None) -> AsyncIterator["Change | None"]:
        guard = self._ch.guard
        if guard is None:  # a bare facade (no session): write and verify, nothing recorded
            yield None
            return
        # the caller has just read the scope fresh: that read is the capture (no second read)
        async with guard.change(self, op, want=want, before=before, target_id=target_id,
                                files=await self._captured()) as ch:
            yield ch

    async def _captured(self) -> dict[str, bytes | str]:  # pragma: no cover - interface
        raise NotImplementedError

    async def _run_checks(self, value: Any) -> None:
        for check in self.checks:
            await check(value)


def build(model: "type[M]", data: Mapping[str, Any], operation: str) -> M:
    """``model`` from ``data``; a refusal is a :class:`ValidationError` naming the first field."""
    from pydantic import ValidationError as PydanticError

    try:
        return model.model_validate(dict(data))
    except PydanticError as exc:
        errs = exc.errors()
        name = ".".join(str(p) for p in errs[0]["loc"]) or None if errs else None
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or model.__name__}: {e['msg']}" for e in errs)
        raise ValidationError(text, operation=operation, field=name) from None


def _differs(want: dict[str, Any], have: dict[str, Any]) -> list[str]:
    return [k for k, v in want.items() if have.get(k) != v]


class Setting(_Managed[M]):
    """A singleton setting; subclasses implement :meth:`read` and :meth:`write`."""

    #: the value ``reset`` restores (None: the HMM has no factory value; reset only forgets)
    factory: M | None = None

    async def read(self) -> M:  # pragma: no cover - interface
        raise NotImplementedError

    async def write(self, want: M) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    # ------------------------------------------------------------------ public
    async def get(self) -> M:
        """The current value (one device read per cache window, shared by concurrent callers)."""
        return await self._ch.cached((self.kind,), self.read)

    async def set(self, want: M, *, op: str | None = None) -> M:
        """Make the setting ``want``; returns what the HMM shows afterwards."""
        before = await self._fresh()
        op = op or f"{self.kind}.set"
        async with self._guarded(op, want=want, before=before) as ch:
            if not self._changed(want, before) and not self.write_only & want.model_fields_set:
                if ch is not None:
                    ch.outcome, ch.after = "no-op", before
                return before
            try:
                await self._write(want)
            except TransientError as exc:
                await self._answer_lost(exc, want, ch)
            after = await self._fresh()
            if ch is None:
                await self.verify_value(want, after)
            else:
                ch.after = after
        return after

    async def _answer_lost(self, exc: TransientError, want: M, ch: "Change | None") -> None:
        """A write whose answer was lost may have been made: read what the HMM shows. Made: go on
        to verification (noted in the audit evidence). Not made: fail, saying what is there."""
        try:
            have = await self._fresh()
        except VesselError:
            raise exc from None
        if self._changed(want, have):
            raise ChangeError(f"{self.kind}: {exc.message}; the HMM shows the setting unchanged",
                              outcome="failed", after=have, after_known=True, target=self.target,
                              operation=exc.operation) from exc
        if ch is not None:
            ch.evidence["note"] = f"the HMM's answer was lost ({exc.message}); the change was found made"

    async def reset(self) -> M | None:
        """Back to the factory value (None and nothing written when there is none)."""
        if self.factory is None:
            return None
        return await self.set(self.factory, op=f"{self.kind}.reset")

    # ------------------------------------------------------------------ Scope
    async def capture(self) -> dict[str, bytes | str]:
        await self._fresh()
        return await self._captured()

    async def _captured(self) -> dict[str, bytes | str]:
        """The capture of the value read last (from the read cache)."""
        return {f"{self.kind}.json": json.dumps(self._dump(await self.get()), indent=2, sort_keys=True) + "\n"}

    async def verify(self, change: "Change") -> None:
        await self.verify_value(change.want, await self._fresh())

    async def verify_value(self, want: M, have: M) -> None:
        bad = self._changed(want, have)
        if bad:
            raise TransientError(f"{self.kind}: the HMM shows {', '.join(bad)} different from what was "
                                 "written", target=self.target, operation=f"{self.kind}.verify", field=bad[0])
        await self._run_checks(have)

    async def restore(self, files: Mapping[str, bytes | str]) -> None:
        data = files[f"{self.kind}.json"]
        want = self.model.model_validate_json(data)
        await self._write(want)
        have = await self._fresh()
        bad = self._changed(want, have)
        if bad:
            raise TransientError(f"{self.kind}: restore left {', '.join(bad)} different", target=self.target,
                                 operation=f"{self.kind}.restore")

    # ------------------------------------------------------------------ internals
    async def _fresh(self) -> M:
        self._ch.cache.invalidate(self.kind)
        return await self.get()

    async def _write(self, want: M) -> None:
        self._ch.cache.invalidate(self.kind)
        try:
            await self.write(want)
        finally:
            self._ch.cache.invalidate(self.kind)


class TargetSetting(Setting[M]):
    """A setting of one target among many of its kind (one blade's binding, boot override,
    virtual media): the scope's target names it, and every read goes to the device (a read of
    one blade is no read of another)."""

    def __init__(self, ch: "Chassis", target: str) -> None:
        self.target = target
        super().__init__(ch)

    async def get(self) -> M:
        return await self.read()

    async def _fresh(self) -> M:
        return await self.read()


class Collection(_Managed[M], Generic[K, M]):
    """Keyed objects; subclasses implement :meth:`read_all` and the three writers."""

    key: ClassVar[str]  #: the model field that is the key

    async def read_all(self) -> list[M]:  # pragma: no cover - interface
        raise NotImplementedError

    async def write_create(self, want: M) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def write_update(self, want: M, have: M) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def write_delete(self, have: M) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def key_of(self, m: M) -> K:
        return getattr(m, self.key)

    # ------------------------------------------------------------------ public
    async def list(self) -> list[M]:
        return await self._ch.cached((self.kind,), self.read_all)

    async def get(self, key: K) -> M | None:
        for m in await self.list():
            if self.key_of(m) == key:
                return m
        return None

    async def create(self, want: M, *, adopt: bool = False) -> M:
        """Create ``want``; an object with that key already there is a :class:`ConflictError`
        (naming the key field) unless ``adopt`` is set, then it is updated to ``want``."""
        key = self.key_of(want)
        have = await self._fresh(key)
        if have is not None:
            if not adopt:
                raise ConflictError(f"{self.kind} {key!r} already exists on the chassis", target=self.target,
                                    operation=f"{self.kind}.create", field=self.key,
                                    hint="import it instead of creating it")
            return await self.update(want)
        async with self._guarded(f"{self.kind}.create", want=want, before=None,
                                 target_id=f"{self.target}/{key}") as ch:
            await self._write(self.write_create(want))
            after = await self._require(key, "create")
            if ch is None:
                await self._verify_obj(want, after)
            else:
                ch.after = after
        return after

    async def update(self, want: M) -> M:
        key = self.key_of(want)
        have = await self._require(key, "update")
        async with self._guarded(f"{self.kind}.update", want=want, before=have,
                                 target_id=f"{self.target}/{key}") as ch:
            if not self._changed(want, have) and not self.write_only & want.model_fields_set:
                if ch is not None:
                    ch.outcome, ch.after = "no-op", have
                return have
            await self._write(self.write_update(want, have))
            after = await self._require(key, "update")
            if ch is None:
                await self._verify_obj(want, after)
            else:
                ch.after = after
        return after

    async def delete(self, key: K) -> None:
        have = await self._fresh(key)
        if have is None:
            return
        async with self._guarded(f"{self.kind}.delete", want=None, before=have,
                                 target_id=f"{self.target}/{key}"):
            await self._write(self.write_delete(have))

    # ------------------------------------------------------------------ Scope
    async def capture(self) -> dict[str, bytes | str]:
        self._ch.cache.invalidate(self.kind)
        return await self._captured()

    async def _captured(self) -> dict[str, bytes | str]:
        """The capture of the list read last (from the read cache)."""
        items = [self._dump(m) for m in await self.list()]
        return {f"{self.kind}.json": json.dumps(items, indent=2, sort_keys=True) + "\n"}

    async def verify(self, change: "Change") -> None:
        if change.want is None:  # a delete
            key = self.key_of(change.before)
            if await self._fresh(key) is not None:
                raise TransientError(f"{self.kind} {key!r} still exists after delete", target=self.target,
                                     operation=f"{self.kind}.verify")
            await self._run_checks(None)
            return
        await self._verify_obj(change.want, await self._require(self.key_of(change.want), "verify"))

    async def restore(self, files: Mapping[str, bytes | str]) -> None:
        want = {self.key_of(m): m for m in (self.model.model_validate(d)
                                             for d in json.loads(files[f"{self.kind}.json"]))}
        self._ch.cache.invalidate(self.kind)
        have = {self.key_of(m): m for m in await self.list()}
        for key, m in have.items():
            if key not in want:
                await self._write(self.write_delete(m))
        for key, m in want.items():
            if key not in have:
                await self._write(self.write_create(m))
            elif self._changed(m, have[key]):
                await self._write(self.write_update(m, have[key]))

    # ------------------------------------------------------------------ internals
    async def _verify_obj(self, want: M, have: M) -> None:
        bad = self._changed(want, have)
        if bad:
            raise TransientError(f"{self.kind} {self.key_of(want)!r}: the HMM shows {', '.join(bad)} different "
                                 "from what was written", target=self.target, operation=f"{self.kind}.verify",
                                 field=bad[0])
        await self._run_checks(have)

    async def _fresh(self, key: K) -> M | None:
        self._ch.cache.invalidate(self.kind)
        return await self.get(key)

    async def _require(self, key: K, what: str) -> M:
        m = await self._fresh(key)
        if m is None:
            raise NotFoundError(f"{self.kind} {key!r} does not exist", target=self.target,
                                operation=f"{self.kind}.{what}", field=self.key)
        return m

    async def _write(self, aw: Awaitable[None]) -> None:
        self._ch.cache.invalidate(self.kind)
        try:
            await aw
        finally:
            self._ch.cache.invalidate(self.kind)


def name_field(exc: VesselError, fields: Mapping[str, str]) -> None:
    """Name on ``exc`` the model field an HMM refusal ("Parameter nativevlan: ...") is about;
    ``fields`` maps model field names to the HMM's form field names."""
    if exc.field is not None:
        return
    text = f"{exc.device_message or ''} {exc.message}".lower()
    words = [w.strip(".,:;'\"") for w in text.split()]
    exc.field = next((name for name, form in fields.items()
                      if form.lower() in words or f"parameter {form.lower()}" in text), None)


# ---------------------------------------------------------------------- web declarations

@dataclass(frozen=True)
class WebField:
    """One model field ↔ one HMM form field, with its text codec."""

    name: str
    codec: str = "str"  #: "str" | "int" | "bool"

    def decode(self, text: Any, default: Any) -> Any:
        if self.codec == "bool":
            return flag(text) if text is not None else default
        if self.codec == "int":
            return as_int(text, default)
        return default if text is None else str(text)

    def encode(self, value: Any) -> Any:
        if value is None:
            return None
        if hasattr(value, "get_secret_value"):  # a password (pydantic SecretStr)
            return value.get_secret_value()
        if self.codec == "bool":
            return b01(bool(value))
        return str(value)


class WebSetting(Setting[M]):
    """A setting read by one web API verb and written by another, declared as a table.

        class Ntp(WebSetting[NtpSettings]):
            kind, model = "hmm.ntp", NtpSettings
            read_verb, write_verb = ("ntphandler.php", "get"), ("ntphandler.php", "set")
            referer = "system_manage_ntp.html"
            fields = {"enabled": WebField("enabled", "bool"), "preferred_server": WebField("preferredserver"), ...}
            factory = NtpSettings()
    """

    read_verb: ClassVar[tuple[str, str]]
    write_verb: ClassVar[tuple[str, str]]
    referer: ClassVar[str] = "index.html"
    fields: ClassVar[dict[str, WebField]]

    def read_more(self, doc: Any) -> dict[str, Any]:
        """Model values the field table cannot decode (lists of objects), from the read answer."""
        return {}

    def write_more(self, want: M) -> dict[str, Any]:
        """Form fields the field table cannot encode, for the write."""
        return {}

    async def read(self) -> M:
        doc = await self._ch.web_read(*self.read_verb, referer=self.referer)
        self._ch.route(f"{self.kind}.get", "web")
        defaults = self.model()
        values = {name: f.decode(doc.fields.get(f.name), getattr(defaults, name))
                  for name, f in self.fields.items() if name not in self.write_only}
        values.update(self.read_more(doc))
        # what the device shows is taken as it is (decoded, not re-validated): a value our
        # model would refuse must still be readable, so a plan can replace it
        return self.model.model_construct(**{**defaults.model_dump(), **values})

    async def write(self, want: M) -> None:
        form = {f.name: f.encode(getattr(want, name)) for name, f in self.fields.items()
                if name not in self.write_only or name in want.model_fields_set}
        form.update(self.write_more(want))
        handler, verb = self.write_verb
        try:
            await self._ch.web_write(handler, verb, form, operation=f"{handler.split('.')[0]}.{verb}",
                                     referer=self.referer)
        except VesselError as exc:
            name_field(exc, {name: f.name for name, f in self.fields.items()})
            raise
        self._ch.route(f"{self.kind}.set", "web")


class PagedSetting(Setting[M]):
    """A setting that spans several HMM verbs (pages): a subclass implements :meth:`read_value`
    and :meth:`write_changes`, which sends each verb only when its fields differ from ``have``
    (the value read last, the one the guard captured), through :meth:`send`."""

    referer: ClassVar[str] = "index.html"

    def __init__(self, ch: "Chassis") -> None:
        super().__init__(ch)
        self._last: M | None = None

    async def read_value(self) -> M:  # pragma: no cover - interface
        raise NotImplementedError

    async def write_changes(self, want: M, have: M) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    async def read(self) -> M:
        self._last = await self.read_value()
        self._ch.route(f"{self.kind}.get", "web")
        return self._last

    async def write(self, want: M) -> None:
        have = self._last or await self.read()
        try:
            await self.write_changes(want, have)
        finally:
            self._last = None
        self._ch.route(f"{self.kind}.set", "web")

    async def send(self, handler: str, verb: str, form: Mapping[str, Any], fields: Mapping[str, str]) -> None:
        """One web write; a refusal names the model field (``fields``: model field -> form field)."""
        try:
            await self._ch.web_write(handler, verb, dict(form), operation=f"{handler.split('.')[0]}.{verb}",
                                     referer=self.referer)
        except VesselError as exc:
            name_field(exc, fields)
            raise
