"""What provider authors subclass: Provider, Resource, DataSource, Function.

A resource module reads like a declaration::

    class Vlan(Resource):
        type_name = "vessel_vlan"
        schema = Schema({
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
            "switch": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()]),
            "vlan_id": Attribute(cty.Number, required=True, validators=[in_range(1, 4094)],
                                 plan_modifiers=[requires_replace()]),
            "name": Attribute(cty.String, optional=True),
        })
        import_id = composite_id("switch", "vlan_id")

        async def create(self, req, resp):
            vlan = await self.provider_data.chassis.network.create_vlan(...)
            resp.state = {**req.plan, "id": f"{vlan.switch}/{vlan.id}"}

        async def read(self, req, resp): ...
        async def update(self, req, resp): ...
        async def delete(self, req, resp): ...

Values are plain Python (see :mod:`tfprovider.cty`): objects are dicts, lists and sets are
lists, null is None, unknown is ``cty.UNKNOWN``. Report problems with
``resp.diagnostics.add_error(...)``; an exception escaping a method becomes an error
diagnostic, and whatever ``resp.state`` holds at that moment is saved by Terraform.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

from tfprovider import cty
from tfprovider.framework.diag import Diagnostics
from tfprovider.framework.schema import Schema

_UNSET = object()


@dataclass
class Request:
    """Input of a resource/data source operation. Which fields are filled depends on it:

    * create: ``config``, ``plan`` (unknowns where values are computed), ``private``
    * read: ``state``, ``private``
    * update: ``config``, ``plan``, ``state`` (prior), ``private``
    * delete: ``state``, ``private``
    * import_state: ``id``
    * modify_plan: ``config``, ``plan``, ``state`` (None on create), ``private``
    * data source read: ``config``
    """

    config: Any = None
    plan: Any = None
    state: Any = None
    private: dict = field(default_factory=dict)
    id: str = ""
    provider_data: Any = None
    #: modify_plan: this plan replaces the object (Terraform plans the new one again, as a create)
    replacing: bool = False


class Response:
    """Output of an operation: ``state``, ``private``, ``diagnostics``.

    ``state`` starts as: create → None (set it as soon as the object exists), update →
    the plan, read → the current state (set None when the object is gone), delete → the
    prior state (cleared automatically on success), import → None."""

    def __init__(self, state: Any = None, private: dict | None = None) -> None:
        self._state = state
        self.state_assigned = False
        self.private = dict(private or {})
        self.diagnostics = Diagnostics()
        self.requires_replace: list[Any] = []

    @property
    def state(self) -> Any:
        return self._state

    @state.setter
    def state(self, value: Any) -> None:
        self._state = value
        self.state_assigned = True


class Resource:
    """A managed resource type. Subclasses set ``type_name`` and ``schema`` and implement
    the async methods they support. ``provider_data`` is what the provider's ``configure``
    returned."""

    type_name: ClassVar[str] = ""
    schema: ClassVar[Schema]
    # {from_version: fn(raw_state_dict) -> state_dict for from_version + 1}
    upgraders: ClassVar[Mapping[int, Callable[[dict], dict]]] = {}
    # None: import not supported; "attr": the import ID is that attribute;
    # composite_id("a", "b"): the ID "x/y" fills attributes a and b
    import_id: ClassVar[Any] = None

    #: seconds each operation may take when the object's ``timeouts`` block does not say
    #: (operations missing here and in the block have no deadline)
    default_timeouts: ClassVar[Mapping[str, float]] = {}
    #: the object's permanent key for clients that know resource identity (Terraform 1.12+):
    #: a :class:`tfprovider.framework.modern.Identity`, or None
    identity: ClassVar[Any] = None

    def __init__(self) -> None:
        self.provider_data: Any = None

    @property
    def log(self) -> logging.Logger:
        """This resource type's logger (``tfprovider.resource.<type_name>``; hclog on stderr)."""
        return logging.getLogger(f"tfprovider.resource.{self.type_name}")

    async def create(self, req: Request, resp: Response) -> None:
        raise NotImplementedError(f"{self.type_name} does not implement create")

    async def read(self, req: Request, resp: Response) -> None:
        """Refresh ``resp.state`` from the device (default: keep the state as it is)."""

    async def update(self, req: Request, resp: Response) -> None:
        raise NotImplementedError(f"{self.type_name} does not implement update")

    async def delete(self, req: Request, resp: Response) -> None:
        raise NotImplementedError(f"{self.type_name} does not implement delete")

    async def import_state(self, req: Request, resp: Response) -> None:
        """Default: fill the state from ``import_id``; Terraform then calls read."""
        fmt = self.import_id
        if fmt is None:
            resp.diagnostics.add_error(
                "Resource Import Not Implemented", f"{self.type_name} cannot be imported."
            )
            return
        if isinstance(fmt, str):
            fmt = composite_id(fmt)
        values = fmt.parse(req.id, self.schema, resp.diagnostics)
        if values is not None:
            resp.state = {**self.schema.null_value(), **values}

    async def identity_of(self, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """The identity of the object ``state`` describes (default: its attributes named like the
        identity's); None while it cannot be told (values unknown)."""
        return None if self.identity is None or state is None else self.identity.complete(state)

    async def import_identity(self, identity: Mapping[str, Any], resp: Response) -> None:
        """``import { identity = {...} }``: default, the import ID the identity's attributes make
        (``import_id``), imported as ``terraform import`` would."""
        fmt = self.import_id
        if isinstance(fmt, str):
            fmt = composite_id(fmt)
        if fmt is None or any(identity.get(a) is None for a in fmt.attributes):
            resp.diagnostics.add_error("Import By Identity Not Supported",
                                       f"{self.type_name} cannot be imported from this identity.")
            return
        await self.import_state(Request(id=fmt.sep.join(str(identity[a]) for a in fmt.attributes)), resp)

    async def modify_plan(self, req: Request, resp: Response) -> None:
        """Optional hook after attribute plan modifiers: adjust ``resp.state`` (the plan),
        append to ``resp.requires_replace`` (paths) or add diagnostics. Not called for
        destroys."""

    async def plan_destroy(self, req: Request, resp: Response) -> None:
        """Optional hook when a destroy is planned (``req.state`` is what goes away): add an
        error diagnostic to refuse it before anyone types ``yes``."""

    def validate_config(self, config: Mapping[str, Any], diags: Diagnostics) -> None:
        """Optional cross-attribute checks (config may hold unknowns)."""


class DataSource:
    type_name: ClassVar[str] = ""
    schema: ClassVar[Schema]

    def __init__(self) -> None:
        self.provider_data: Any = None

    async def read(self, req: Request, resp: Response) -> None:
        """``resp.state`` starts as the config; fill in the computed attributes."""
        raise NotImplementedError(f"{self.type_name} does not implement read")

    def validate_config(self, config: Mapping[str, Any], diags: Diagnostics) -> None:
        """Optional cross-attribute checks (config may hold unknowns)."""


@dataclass
class ConfigureResponse:
    data: Any = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    #: attribute -> the environment variable its value came from (``Attribute(env=...)``)
    from_env: dict[str, str] = field(default_factory=dict)

    def source(self, name: str) -> str:
        """How a diagnostic names where ``name``'s value came from."""
        return self.from_env.get(name, name)


class Provider:
    """The provider: its config schema, its resources, data sources and functions."""

    type_name: ClassVar[str] = ""
    schema: ClassVar[Schema] = Schema()
    #: where ``Attribute(env=...)`` values are looked up
    environ: Mapping[str, str] = os.environ
    #: the types it serves (a provider may fill these per instance, e.g. on first use)
    resources: list[type[Resource]] = []
    data_sources: list[type[DataSource]] = []
    functions: list[type["Function"]] = []
    #: for newer clients only (see :mod:`tfprovider.framework.modern`)
    list_resources: list[type[Any]] = []
    actions: list[type[Any]] = []

    def validate_config(self, config: Mapping[str, Any], diags: Diagnostics) -> None:
        """Cross-attribute checks of the provider block (config may hold unknowns)."""

    async def configure(self, config: Mapping[str, Any], resp: ConfigureResponse) -> None:
        """Build the object every resource receives as ``provider_data`` (``resp.data``)."""

    async def aclose(self) -> None:
        """Release what :meth:`configure` opened; awaited when Terraform stops the plugin."""


# --- import IDs -------------------------------------------------------------------------


class CompositeId:
    """An import ID made of attribute values joined by ``sep``, e.g. ``2X/100``."""

    def __init__(self, attributes: tuple[str, ...], sep: str) -> None:
        self.attributes = attributes
        self.sep = sep

    @property
    def format(self) -> str:
        return self.sep.join(f"<{a}>" for a in self.attributes)

    def parse(self, text: str, schema: Schema, diags: Diagnostics) -> dict[str, Any] | None:
        parts = text.split(self.sep) if len(self.attributes) > 1 else [text]
        if len(parts) != len(self.attributes) or any(p == "" for p in parts):
            diags.add_error(
                "Unexpected Import Identifier",
                f'Expected an import identifier of the form "{self.format}", got: "{text}"',
            )
            return None
        out: dict[str, Any] = {}
        for name, part in zip(self.attributes, parts):
            ty = schema.attributes[name].type
            try:
                out[name] = _parse_scalar(part, ty)
            except ValueError:
                diags.add_error(
                    "Unexpected Import Identifier",
                    f'Expected an import identifier of the form "{self.format}" where {name} is a '
                    f'{ty.friendly_name()}, got: "{text}"',
                )
                return None
        return out


def _parse_scalar(text: str, ty: Any) -> Any:
    if ty == cty.Number:
        try:
            return int(text)
        except ValueError:
            from decimal import Decimal, InvalidOperation

            try:
                d = Decimal(text)
            except InvalidOperation:
                raise ValueError(text) from None
            if not d.is_finite():
                raise ValueError(text) from None
            return d
    if ty == cty.Bool:
        if text not in ("true", "false"):
            raise ValueError(text)
        return text == "true"
    return text


def composite_id(*attributes: str, sep: str = "/") -> CompositeId:
    return CompositeId(attributes, sep)


# --- provider functions -----------------------------------------------------------------


class FunctionError(Exception):
    """Raise from ``Function.run``; ``argument`` is the index of the offending argument."""

    def __init__(self, text: str, argument: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.argument = argument


@dataclass
class Parameter:
    name: str
    type: Any
    description: str = ""
    allow_null: bool = False
    allow_unknown: bool = False


class Function:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    description: ClassVar[str] = ""
    deprecation_message: ClassVar[str] = ""
    parameters: ClassVar[list[Parameter]] = []
    variadic: ClassVar[Parameter | None] = None
    return_type: ClassVar[Any] = None

    async def run(self, *args: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError
