"""What every vessel resource shares: its session, and one way to turn an SDK error into a
diagnostic.

Resources speak to :class:`vessel_core.session.Session` only (the facade, the guarded switch
operations); they never import a driver or the safety package. Errors carry the ``field``
they concern (a model field, named like the resource attribute), so the diagnostic points at
the attribute; a :class:`~vessel_core.errors.ChangeError` also says what is live now (its
``after``) and which snapshot holds the state before.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import Resource
from vessel_core.errors import ChangeError, VesselError, redact

if TYPE_CHECKING:
    from tfprovider.framework import Diagnostics, Schema
    from vessel_core.chassis.managed import Setting
    from vessel_core.session import Session


def chassis_identity(**keys: Any) -> Any:
    """The identity of a chassis object: the chassis serial (optional on import: the provider
    knows which chassis it talks to) and the object's key attributes, in import-ID order."""
    from tfprovider.framework.modern import Identity, IdentityAttribute

    attrs = {"chassis_serial": IdentityAttribute(cty.String, "Serial number of the chassis (optional on import).",
                                                 required_for_import=False)}
    attrs.update({name: IdentityAttribute(ty, f"The object's `{name}`.") for name, ty in keys.items()})
    return Identity(attrs)


class ChassisIdentity:
    """Identity for a chassis object: ``chassis_serial`` + the key attributes of its state;
    import by identity checks the serial against the chassis and imports the key as
    ``terraform import`` would (the key attributes joined by "/")."""

    identity: ClassVar[Any] = None
    provider_data: Any
    type_name: ClassVar[str]

    def identity_keys(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return dict(state)

    async def identity_of(self, state: Mapping[str, Any]) -> dict[str, Any] | None:
        if self.identity is None or state is None or self.provider_data is None:
            return None
        serial = await session_of(self.provider_data).chassis_serial()
        return self.identity.complete({**self.identity_keys(state), "chassis_serial": serial})

    async def import_identity(self, identity: Any, resp: Any) -> None:
        from tfprovider.framework import Request

        serial = identity.get("chassis_serial")
        if serial is not None:
            mine = await session_of(self.provider_data).chassis_serial()
            if serial != mine:
                resp.diagnostics.add_attribute_error(
                    AttributePath().attr("chassis_serial"), "Identity Names Another Chassis",
                    f"the identity names chassis {serial!r}; the provider is connected to chassis {mine!r}.")
                return
        keys = [n for n in self.identity.attributes if n != "chassis_serial"]
        await self.import_state(Request(id="/".join(str(identity[k]) for k in keys)), resp)  # type: ignore[attr-defined]


def session_of(data: Any) -> "Session":
    """The session ``configure`` returned (``resource.provider_data``)."""
    if data is None:
        raise VesselError("the provider is not configured (its settings are not known yet)",
                          operation="configure")
    return data


def claimed_twice(res: Any, req: Any, resp: Any, kind: str, key: str, *, summary: str,
                  detail: Callable[[list[str]], str], attribute: str | None = None, who: str = "") -> bool:
    """Record at plan time that ``res`` manages the object ``(kind, key)``; when another resource
    of the same plan claimed it already, add an error (on ``attribute``) and return True. The
    first pass of a replacement claims nothing (Terraform plans the new object again)."""
    if req.replacing:
        return False
    owners = session_of(res.provider_data).claim(kind, key, who)
    if len(owners) < 2:
        return False
    if attribute is None:
        resp.diagnostics.add_error(summary, detail(owners))
    else:
        resp.diagnostics.add_attribute_error(AttributePath().attr(attribute), summary, detail(owners))
    return True


def write_only_value(req: Any, attribute: str, version: str, *, creating: bool) -> Any:
    """The write-only ``attribute`` of the configuration when it is to be sent: on create, and
    when the ``version`` attribute changes (a write-only value is never in state to compare)."""
    rotated = req.state is None or req.state.get(version) != req.plan.get(version)
    value = (req.config or {}).get(attribute)
    return value if value and (creating or rotated) else None


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, or ``[exc]``."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for e in exc.exceptions for leaf in leaves(e)]
    return [exc]


def _attribute(field: str | None, schema: "Schema | None", aliases: dict[str, str] | None = None) -> AttributePath | None:
    """``field`` ("members[2]", "preferred_server") as an attribute path of ``schema``."""
    if not field or schema is None:
        return None
    name, _, rest = field.partition("[")
    name = (aliases or {}).get(name, name)
    if name not in schema.attributes:  # a provider setting, or a field the resource does not show
        return None
    path = AttributePath().attr(name)
    if rest.rstrip("]").isdigit():
        path = path.index(int(rest.rstrip("]")))
    return path


def diagnose(diags: "Diagnostics", summary: str, exc: BaseException, *, schema: "Schema | None" = None,
             secrets: list[str] | None = None, aliases: dict[str, str] | None = None) -> None:
    """One error diagnostic per failure in ``exc``; on the attribute its ``field`` names."""
    for leaf in leaves(exc):
        detail = redact(str(leaf) or type(leaf).__name__, secrets or [])
        path = None
        if isinstance(leaf, VesselError):
            path = _attribute(leaf.field, schema, aliases)
            if isinstance(leaf, ChangeError) and leaf.snapshot_id and leaf.snapshot_id not in detail:
                detail += f" (snapshot {leaf.snapshot_id})"
            if leaf.hint and leaf.hint not in detail:
                detail += f". Hint: {leaf.hint}"
        if path is None:
            diags.add_error(summary, detail)
        else:
            diags.add_attribute_error(path, summary, detail)


def partial_state(exc: BaseException, values: Callable[[Any], dict[str, Any] | None]) -> tuple[bool, Any]:
    """(True, state) when a failed change says what the device shows now (``after_known``):
    Terraform then records that instead of the plan. ``values(None)`` means the object is gone."""
    for leaf in leaves(exc):
        if isinstance(leaf, ChangeError) and leaf.after_known:
            return True, None if leaf.after is None else values(leaf.after)
    return False, None




# ------------------------------------------------------------------------ model binding

class sdk_model:  # noqa: N801 - used like a field declaration
    """``model = sdk_model("NtpSettings")``: the SDK model class of :mod:`vessel_core.chassis.models`,
    imported on first use (a process that only serves schemas never loads pydantic)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._cls: Any = None

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if self._cls is None:
            from vessel_core.chassis import models

            self._cls = getattr(models, self.name)
        return self._cls


def _model_values(resource: Any, obj: dict[str, Any]) -> dict[str, Any]:
    """The attributes of ``obj`` that are fields of the resource's model (after the resource's
    ``to_model`` spelling), known and not null."""
    from tfprovider import cty

    known = {k: v for k, v in obj.items() if v is not None and cty.is_known(v)}
    to_model = getattr(resource, "to_model", None)
    if to_model is not None:
        known = to_model(known)
    return {k: v for k, v in known.items() if k in resource.model.model_fields}


def validate_model(resource: Any, config: dict[str, Any], diags: "Diagnostics") -> None:
    """Run the SDK model's own rules on the configured values: each refusal becomes an
    attribute error at validate time, before anything reaches the chassis."""
    from pydantic import ValidationError as PydanticError

    from tfprovider import cty

    # an attribute left out is planned with its default: the rules judge that value too
    defaults = {name: a.default for name, a in resource.schema.attributes.items()
                if a.default is not None and config.get(name) is None}
    values = _model_values(resource, {**config, **defaults})
    unknown = {k for k, v in config.items() if not cty.is_wholly_known(v)}
    if unknown:
        # unknown values (known after apply): check the known ones alone; a cross-field rule
        # skips itself when the field it compares with is in the context's "unknown"
        values = {k: v for k, v in values.items() if k not in unknown}
    # an attribute its own validators refused already gets no second diagnostic for the same fault
    refused = {str(d.path).split("[")[0].split(".")[0] for d in diags if d.path is not None and d.severity.name == "ERROR"}
    try:
        resource.model.model_validate(values, context={"unknown": unknown})
    except PydanticError as exc:
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else None
            name = getattr(resource, "attribute_of", {}).get(name, name)
            if name in refused:
                continue
            refused.add(str(name))
            if name in resource.schema.attributes and name in config:
                diags.add_attribute_error(AttributePath().attr(name), "Invalid Attribute Value",
                                          f"{name}: {e['msg']} (got {e.get('input')!r}).")
            elif not e["loc"]:
                diags.add_error("Invalid Attribute Combination", e["msg"])


def report_change_failure(res: Any, req: Any, resp: Any, what: str, exc: BaseException,
                          secrets: list[str] | None = None) -> None:
    """The diagnostic of a failed create/update, and the state the chassis really shows when the
    failure says so (a rolled-back create takes nothing over: no state)."""
    diagnose(resp.diagnostics, f"{res.type_name} not {what}d", exc, schema=res.schema, secrets=secrets,
             aliases=getattr(res, "attribute_of", None))
    known, state = partial_state(exc, lambda m: res._state(req.plan, m))
    if known and not (what == "create" and getattr(exc, "rolled_back", False)):
        resp.state = state


class SettingResource(ChassisIdentity, Resource):
    """A singleton chassis setting (NTP, LDAP, chassis settings, power policy) as a resource.

    A subclass declares ``type_name``, ``schema`` (attributes named like the model's fields,
    plus ``id``), ``model`` and :meth:`bind` (the SDK's :class:`~vessel_core.chassis.managed.Setting`).
    It gets:

    * create = take the setting over and set it (a singleton always exists, so there is nothing
      to adopt by surprise; the guard's snapshot keeps the value it replaced), update = set,
      read = get (drift shows as a diff), delete = the factory value (or forget it when the
      HMM has none), import with the id :attr:`id_value`;
    * validate-time diagnostics from the model's own rules, on the attribute they concern;
    * plan-time refusal of a second resource claiming the same setting;
    * one audit record per mutation, snapshot before the first change, verify, restore on
      failure (the SDK's guard), and errors as diagnostics on the attribute they name.
    """

    model: ClassVar[type[Any]]
    id_value: ClassVar[str] = "hmm"
    import_id = "id"
    identity = chassis_identity(id=cty.String)

    def identity_keys(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": self.id_value}

    def bind(self, session: "Session") -> "Setting[Any]":  # pragma: no cover - interface
        raise NotImplementedError

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        """Write-only model values to send with this change (from ``req.config``)."""
        return {}

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        """Attribute values -> model fields (another vocabulary, other names); the identity."""
        return values

    def from_model(self, shown: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        """Model fields as the device shows them -> attribute values (``base``: the plan or the
        prior state, for maps whose unlisted keys mean the default); the identity."""
        return shown

    async def check_plan(self, req: Any, resp: Any) -> None:
        """Resource-specific plan checks (lock-out guards); ``resp.state`` is the plan."""

    def _setting(self) -> "Setting[Any]":
        return self.bind(session_of(self.provider_data))

    def _state(self, base: dict[str, Any], value: Any) -> dict[str, Any]:
        shown = self.from_model(value.model_dump(mode="json", exclude=set(self._setting().write_only)), base)
        return {**base, **{k: v for k, v in shown.items() if k in self.schema.attributes}, "id": self.id_value}

    def validate_config(self, config: Any, diags: "Diagnostics") -> None:
        validate_model(self, config, diags)

    async def modify_plan(self, req: Any, resp: Any) -> None:
        if self.provider_data is None:
            return
        if claimed_twice(self, req, resp, self.type_name, self.id_value, summary="Setting Managed Twice",
                         detail=lambda owners: f"{self.type_name} is a singleton of the chassis, and {len(owners)} "
                         "resources of this configuration manage it; they would overwrite each other on every "
                         "apply. Keep one."):
            return
        await self.check_plan(req, resp)

    async def _put(self, req: Any, resp: Any, what: str) -> None:
        from vessel_core.chassis.managed import build

        setting = self._setting()
        secrets = self.secrets(req, creating=what == "create")
        try:
            values = {k: v for k, v in _model_values(self, req.plan).items() if k not in setting.write_only}
            want = build(self.model, {**values, **secrets}, f"{self.type_name}.{what}")
            after = await setting.set(want)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            report_change_failure(self, req, resp, what, exc, secrets=[str(v) for v in secrets.values() if v])
            return
        resp.state = self._state(req.plan, after)

    async def create(self, req: Any, resp: Any) -> None:
        await self._put(req, resp, "create")

    async def update(self, req: Any, resp: Any) -> None:
        await self._put(req, resp, "update")

    async def read(self, req: Any, resp: Any) -> None:
        resp.state = self._state(req.state, await self._setting().get())

    async def delete(self, req: Any, resp: Any) -> None:
        try:
            await self._setting().reset()
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"{self.type_name} not reset", exc, schema=self.schema,
                     aliases=getattr(self, "attribute_of", None))

    async def import_state(self, req: Any, resp: Any) -> None:
        if req.id != self.id_value:
            resp.diagnostics.add_error("Invalid Import ID", f'{self.type_name} is a singleton: import it with the '
                                                            f'id "{self.id_value}", not {req.id!r}.')
            return
        resp.state = {**self.schema.null_value(), "id": self.id_value}


class CollectionResource(ChassisIdentity, Resource):
    """One keyed object of a chassis collection (users, profiles, pools) as a resource.

    A subclass declares ``type_name``, ``schema`` (attributes named like the model's fields, the
    key attribute with ``requires_replace``, plus ``id``), ``model``, ``key`` and :meth:`bind`
    (the SDK's :class:`~vessel_core.chassis.managed.Collection`); :meth:`secrets` adds write-only
    values (passwords) from the configuration. It gets create (refused, naming the key, when the
    object already exists: import it), read (gone -> removed from state), update, delete,
    import by key; validate-time diagnostics from the model's rules; plan-time refusal of two
    resources claiming one key; the guard's snapshot / verify / restore / audit on every change.
    """

    model: ClassVar[type[Any]]
    key: ClassVar[str]
    import_id = "id"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        key, schema = getattr(cls, "key", None), getattr(cls, "schema", None)
        if key and schema is not None and key in schema.attributes:
            cls.identity = chassis_identity(**{key: schema.attributes[key].type})

    def bind(self, session: "Session") -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def secrets(self, req: Any, *, creating: bool) -> dict[str, Any]:
        """Write-only model values to send with this change (from ``req.config``)."""
        return {}

    def to_model(self, values: dict[str, Any]) -> dict[str, Any]:
        """Attribute values -> model fields, where the resource speaks another vocabulary than
        the HMM ("pxe" for "Pxe"); the identity by default."""
        return values

    def from_model(self, shown: dict[str, Any]) -> dict[str, Any]:
        """Model fields as the device shows them -> attribute values (the inverse of to_model)."""
        return shown

    async def check_plan(self, req: Any, resp: Any) -> None:
        """Resource-specific plan checks (lock-out guards)."""

    async def check_destroy(self, req: Any, resp: Any) -> None:
        """Resource-specific objections to a destroy."""

    def _collection(self) -> Any:
        return self.bind(session_of(self.provider_data))

    def _state(self, base: dict[str, Any], value: Any) -> dict[str, Any]:
        shown = self.from_model(value.model_dump(mode="json",
                                                 exclude=set(getattr(self._collection(), "write_only", ()))))
        return {**base, **{k: v for k, v in shown.items() if k in self.schema.attributes},
                "id": str(getattr(value, self.key))}

    def validate_config(self, config: Any, diags: "Diagnostics") -> None:
        validate_model(self, config, diags)

    async def modify_plan(self, req: Any, resp: Any) -> None:
        from tfprovider import cty

        plan = resp.state
        if plan.get(self.key) is None or not cty.is_known(plan[self.key]):
            return
        plan["id"] = str(plan[self.key])  # the id is the key: known at plan time, so others can refer to it
        if self.provider_data is None:
            return
        session_of(self.provider_data).note(self.type_name, str(plan[self.key]), plan)
        if claimed_twice(self, req, resp, self.type_name, str(plan[self.key]), summary="Object Managed Twice",
                         attribute=self.key,
                         detail=lambda owners: f"{self.key} = {plan[self.key]!r}: {len(owners)} {self.type_name} "
                         "resources of this configuration manage it; they would undo each other on every "
                         "apply. Keep one."):
            return
        await self.check_plan(req, resp)

    async def plan_destroy(self, req: Any, resp: Any) -> None:
        if self.provider_data is not None:
            await self.check_destroy(req, resp)

    def _want(self, req: Any, what: str) -> Any:
        from vessel_core.chassis.managed import build

        # a write-only field (a password) is sent only when secrets() says so, never from the plan
        write_only = getattr(self._collection(), "write_only", ())
        values = {k: v for k, v in _model_values(self, req.plan).items() if k not in write_only}
        return build(self.model, {**values, **self.secrets(req, creating=what == "create")},
                     f"{self.type_name}.{what}")

    async def _change(self, req: Any, resp: Any, what: str) -> None:
        coll = self._collection()
        try:
            want = self._want(req, what)
            after = await (coll.create(want) if what == "create" else coll.update(want))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic
            report_change_failure(self, req, resp, what, exc,
                                  secrets=[str(v) for v in self.secrets(req, creating=True).values() if v])
            return
        resp.state = self._state(req.plan, after)

    async def create(self, req: Any, resp: Any) -> None:
        await self._change(req, resp, "create")

    async def update(self, req: Any, resp: Any) -> None:
        await self._change(req, resp, "update")

    async def read(self, req: Any, resp: Any) -> None:
        have = await self._collection().get(req.state[self.key])
        resp.state = None if have is None else self._state(req.state, have)

    async def delete(self, req: Any, resp: Any) -> None:
        try:
            await self._collection().delete(req.state[self.key])
        except Exception as exc:  # noqa: BLE001
            diagnose(resp.diagnostics, f"{self.type_name} not deleted", exc, schema=self.schema)

    async def import_state(self, req: Any, resp: Any) -> None:
        resp.state = {**self.schema.null_value(), self.key: req.id, "id": req.id}


__all__ = ["CollectionResource", "SettingResource", "sdk_model", "diagnose", "leaves", "partial_state", "session_of",
           "validate_model", "write_only_value"]
