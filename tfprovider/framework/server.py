"""The tfplugin6 Provider servicer: one short adapter per RPC around the engine.

Every RPC answers with diagnostics instead of a gRPC error; resource code runs as a
child task that StopProvider can cancel. Values are never logged (they may be secret).
"""
from __future__ import annotations

import asyncio
import functools
import json
from typing import Any, Awaitable, Callable

from tfprovider import cty
from tfprovider.framework import engine, lifecycle
from tfprovider.framework.diag import Diagnostics
from tfprovider.framework.protoconv import (
    decode,
    diagnostics_to_proto,
    dynamic_value,
    function_to_proto,
    path_to_proto,
    schema_to_proto,
)
from tfprovider.framework.resource import (
    DataSource,
    Function,
    FunctionError,
    Provider,
    Request,
    Resource,
    Response,
)
from tfprovider.framework.schema import Schema
from tfprovider.plugin.log import get_logger  # hclog JSON lines on stderr
from tfprovider.protocol import tfplugin6_pb2 as pb

log = get_logger("sdk.framework")


def _rpc(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Log the call and turn an unexpected exception into an error diagnostic."""
    name = fn.__name__
    response_type = getattr(pb, name).Response

    @functools.wraps(fn)
    async def wrapper(self: "ProviderServer", request: Any, context: Any) -> Any:
        type_name = getattr(request, "type_name", "")
        log.debug("Received request", extra={"tf_rpc": name, "tf_resource_type": type_name})
        try:
            return await fn(self, request, context)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: never raise to Terraform
            log.error("Unexpected error in %s: %s", name, type(exc).__name__, extra={"tf_rpc": name})
            diags = Diagnostics()
            diags.add_error("Unexpected Provider Error", f"{name} failed: {type(exc).__name__}: {exc}")
            if name == "CallFunction":
                return response_type(error=pb.FunctionError(text=f"{type(exc).__name__}: {exc}"))
            return response_type(diagnostics=diagnostics_to_proto(diags))
        finally:
            log.debug("Served request", extra={"tf_rpc": name, "tf_resource_type": type_name})

    return wrapper


def _decode_private(data: bytes) -> dict:
    if not data:
        return {}
    try:
        value = json.loads(data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _encode_private(private: dict, original: bytes) -> bytes:
    if private == _decode_private(original):
        return original  # echo byte for byte: a changed blob replaces the stored one
    return json.dumps(private, sort_keys=True, separators=(",", ":")).encode() if private else b""


class ProviderServer:
    """Serves one :class:`Provider`. RPCs not defined here answer UNIMPLEMENTED."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.resources: dict[str, Resource] = {}
        self.data_sources: dict[str, DataSource] = {}
        self.functions: dict[str, Function] = {}
        prefix = provider.type_name + "_"
        for cls in provider.resources:
            self._register(self.resources, cls, prefix)
        for dcls in provider.data_sources:
            self._register(self.data_sources, dcls, prefix)
        for fcls in provider.functions:
            self.functions[fcls.name] = fcls()
        self.list_resources: dict[str, Any] = {}
        self.actions: dict[str, Any] = {}
        for lcls in getattr(provider, "list_resources", []):
            self._register(self.list_resources, lcls, prefix)
        for acls in getattr(provider, "actions", []):
            self._register(self.actions, acls, prefix)
        self._tasks: set[asyncio.Task] = set()
        self._schema_response: Any = None
        self.terraform_version = ""

    async def aclose(self) -> None:
        """The plugin's close hook: the provider releases its connections."""
        await self.provider.aclose()

    @staticmethod
    def _register(into: dict[str, Any], cls: Any, prefix: str) -> None:
        if not cls.type_name.startswith(prefix):
            raise ValueError(f"type name {cls.type_name!r} must start with {prefix!r}")
        if cls.type_name in into:
            raise ValueError(f"type name {cls.type_name!r} registered twice")
        into[cls.type_name] = cls()

    # --- helpers ---------------------------------------------------------------------

    async def _call(self, coro: Awaitable[None], diags: Diagnostics, what: str) -> None:
        """Run resource code as a cancellable child task; exceptions become diagnostics."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            diags.add_error("Operation Cancelled", f"{what} was interrupted because Terraform asked the provider to stop.")
        except NotImplementedError as exc:
            diags.add_error("Operation Not Supported", str(exc) or what)
        except Exception as exc:  # noqa: BLE001
            lifecycle.report_exception(diags, what, exc)
        finally:
            self._tasks.discard(task)

    def _lookup(self, table: dict, type_name: str, diags: Diagnostics, kind: str) -> Any:
        obj = table.get(type_name)
        if obj is None:
            diags.add_error(f"{kind} Type Not Found", f"This provider has no {kind.lower()} type {type_name!r}.")
        return obj

    @staticmethod
    def _decode(dv: Any, ty: Any, diags: Diagnostics, what: str) -> Any:
        try:
            return decode(dv, ty)
        except cty.CtyError as exc:
            diags.add_error(f"Unable to Read {what}", exc.message, exc.path or None)
            return None

    def _decode_change(self, request: Any, new: Any, ty: Any, diags: Diagnostics) -> tuple[Any, Any, Any]:
        """(prior state, proposed/planned state, config) of a Plan/Apply request."""
        return (
            self._decode(request.prior_state, ty, diags, "Prior State"),
            self._decode(new, ty, diags, "Planned State"),
            self._decode(request.config, ty, diags, "Configuration"),
        )

    @staticmethod
    def _encode(schema: Schema, value: Any, diags: Diagnostics, *, allow_unknown: bool = False) -> Any:
        """Complete, check and encode an object returned by provider code."""
        if value is not None:
            value = engine.normalize(schema.block, value)
            if engine.has_write_only(schema.block):
                value = engine.null_write_only(schema.block, value)
            if not allow_unknown and not cty.is_wholly_known(value):  # else nothing to report or strip
                missing = engine.unknown_paths(schema.block, value)
                if missing and not diags.has_error():
                    diags.add_error(
                        "Provider Returned Unknown Values",
                        "The provider left these values unknown after the operation, which Terraform "
                        "does not accept: " + ", ".join(str(p) for p in missing) + ". This is a bug in "
                        "the provider.",
                    )
                value = engine.null_unknowns(schema.block, value)
        try:
            return dynamic_value(value, schema.cty_type)
        except cty.CtyError as exc:
            diags.add_error(
                "Provider Produced Invalid Object",
                f"{exc.message}. This is a bug in the provider.",
                exc.path or None,
            )
            return None

    # --- schema ----------------------------------------------------------------------

    def _schema_proto(self) -> Any:
        if self._schema_response is None:
            p = self.provider
            self._schema_response = pb.GetProviderSchema.Response(
                provider=schema_to_proto(p.schema),
                resource_schemas={n: schema_to_proto(r.schema) for n, r in self.resources.items()},
                data_source_schemas={n: schema_to_proto(d.schema) for n, d in self.data_sources.items()},
                functions={n: function_to_proto(type(f)) for n, f in self.functions.items()},
                list_resource_schemas={n: schema_to_proto(lr.schema) for n, lr in self.list_resources.items()},
                action_schemas={n: pb.ActionSchema(schema=schema_to_proto(a.schema)) for n, a in self.actions.items()},
                server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True),
            )
        return self._schema_response

    @_rpc
    async def GetProviderSchema(self, request: Any, context: Any) -> Any:
        return self._schema_proto()

    @_rpc
    async def GetMetadata(self, request: Any, context: Any) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in self.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=n) for n in self.data_sources],
            functions=[pb.GetMetadata.FunctionMetadata(name=n) for n in self.functions],
            list_resources=[pb.GetMetadata.ListResourceMetadata(type_name=n) for n in self.list_resources],
            actions=[pb.GetMetadata.ActionMetadata(type_name=n) for n in self.actions],
        )

    @_rpc
    async def GetResourceIdentitySchemas(self, request: Any, context: Any) -> Any:
        out = {}
        for name, res in self.resources.items():
            ident = res.identity
            if ident is None:
                continue
            out[name] = pb.ResourceIdentitySchema(version=ident.version, identity_attributes=[
                pb.ResourceIdentitySchema.IdentityAttribute(
                    name=n, type=cty.type_to_json(a.type), required_for_import=a.required_for_import,
                    optional_for_import=not a.required_for_import, description=a.description)
                for n, a in ident.attributes.items()])
        return pb.GetResourceIdentitySchemas.Response(identity_schemas=out)

    @_rpc
    async def UpgradeResourceIdentity(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None or res.identity is None:
            if res is not None:
                diags.add_error("Resource Identity Not Supported", f"{request.type_name} has no identity.")
            return pb.UpgradeResourceIdentity.Response(diagnostics=diagnostics_to_proto(diags))
        try:
            raw = json.loads(request.raw_identity.json or b"{}")
            value = cty.decode_json(json.dumps({n: raw.get(n) for n in res.identity.attributes}), res.identity.cty_type)
        except (ValueError, cty.CtyError) as exc:
            diags.add_error("Unable to Read Stored Identity", str(exc))
            return pb.UpgradeResourceIdentity.Response(diagnostics=diagnostics_to_proto(diags))
        return pb.UpgradeResourceIdentity.Response(
            upgraded_identity=pb.ResourceIdentityData(identity_data=dynamic_value(value, res.identity.cty_type)))

    async def _identity(self, res: Resource, state: Any, fallback: Any = None) -> Any:
        """The identity message of ``state`` (``fallback``, the identity Terraform sent, when it
        cannot be told now); None for a resource without identity or a removed object."""
        if res.identity is None or state is None:
            return None
        try:
            value = await res.identity_of(state)
        except Exception as exc:  # noqa: BLE001 - an identity is never worth failing the operation
            log.warning("identity of %s not computed: %s", res.type_name, type(exc).__name__)
            value = None
        if value is None:
            return fallback if fallback is not None and fallback.HasField("identity_data") else None
        return pb.ResourceIdentityData(identity_data=dynamic_value(value, res.identity.cty_type))

    def _decode_identity(self, res: Resource, msg: Any, diags: Diagnostics) -> Any:
        if res.identity is None or msg is None or not msg.HasField("identity_data"):
            return None
        return self._decode(msg.identity_data, res.identity.cty_type, diags, "Identity")

    @_rpc
    async def GetFunctions(self, request: Any, context: Any) -> Any:
        return pb.GetFunctions.Response(functions={n: function_to_proto(type(f)) for n, f in self.functions.items()})

    # --- validation ------------------------------------------------------------------

    def _validate(self, schema: Schema, dv: Any, hook: Callable, diags: Diagnostics, **kw: Any) -> None:
        config = self._decode(dv, schema.cty_type, diags, "Configuration")
        if diags.has_error() or config is None:
            return
        engine.validate(schema.block, config, diags, **kw)
        hook(config, diags)  # (resources: the same as lifecycle.validate)

    @_rpc
    async def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        self._validate(self.provider.schema, request.config, self.provider.validate_config, diags)
        return pb.ValidateProviderConfig.Response(diagnostics=diagnostics_to_proto(diags))

    @_rpc
    async def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is not None:
            caps = request.client_capabilities if request.HasField("client_capabilities") else None
            allowed = bool(caps and caps.write_only_attributes_allowed)
            self._validate(res.schema, request.config, res.validate_config, diags, write_only_allowed=allowed)
        return pb.ValidateResourceConfig.Response(diagnostics=diagnostics_to_proto(diags))

    @_rpc
    async def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        ds = self._lookup(self.data_sources, request.type_name, diags, "Data Source")
        if ds is not None:
            self._validate(ds.schema, request.config, ds.validate_config, diags)
        return pb.ValidateDataResourceConfig.Response(diagnostics=diagnostics_to_proto(diags))

    # --- provider configuration ------------------------------------------------------

    @_rpc
    async def ConfigureProvider(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        self.terraform_version = request.terraform_version
        config = self._decode(request.config, self.provider.schema.cty_type, diags, "Provider Configuration")
        if not diags.has_error():
            resp = await lifecycle.configure(self.provider, config, self._call)
            diags.extend(resp.diagnostics)
            if not resp.diagnostics.has_error():
                targets: list[Any] = [*self.resources.values(), *self.data_sources.values(),
                                      *self.list_resources.values(), *self.actions.values()]
                for obj in targets:
                    obj.provider_data = resp.data
        return pb.ConfigureProvider.Response(diagnostics=diagnostics_to_proto(diags))

    # --- state upgrade ---------------------------------------------------------------

    @_rpc
    async def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None:
            return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        schema = res.schema
        raw = request.raw_state.json
        if not raw:
            if request.raw_state.flatmap:
                diags.add_error("Unable to Upgrade Resource State", "Flatmap state (Terraform 0.11 and earlier) is not supported.")
            return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        try:
            state = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            diags.add_error("Unable to Upgrade Resource State",
                            f"The stored state of this {res.type_name} is not valid JSON ({exc}).")
            return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        if not isinstance(state, dict):
            diags.add_error("Unable to Upgrade Resource State",
                            f"The stored state of this {res.type_name} is not a JSON object.")
            return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        version = request.version
        while version < schema.version:
            upgrader = res.upgraders.get(version)
            if upgrader is None:
                diags.add_error(
                    "Unable to Upgrade Resource State",
                    f"{res.type_name} has no state upgrader from schema version {version} "
                    f"(current version {schema.version}).",
                )
                return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
            try:
                state = upgrader(state)
            except Exception as exc:  # noqa: BLE001
                diags.add_error(
                    "Unable to Upgrade Resource State",
                    f"Upgrading {res.type_name} state from version {version}: {type(exc).__name__}: {exc}",
                )
                return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
            version += 1
        try:
            value = cty.decode_json(json.dumps(state), schema.cty_type, ignore_extra_attributes=True)
        except cty.CtyError as exc:
            diags.add_error("Unable to Upgrade Resource State", exc.message, exc.path or None)
            return pb.UpgradeResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        upgraded = self._encode(schema, value, diags)
        return pb.UpgradeResourceState.Response(upgraded_state=upgraded, diagnostics=diagnostics_to_proto(diags))

    # --- managed resources -----------------------------------------------------------

    @_rpc
    async def ReadResource(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None:
            return pb.ReadResource.Response(diagnostics=diagnostics_to_proto(diags), private=request.private)
        state = self._decode(request.current_state, res.schema.cty_type, diags, "Prior State")
        if diags.has_error():
            return pb.ReadResource.Response(
                new_state=request.current_state, diagnostics=diagnostics_to_proto(diags), private=request.private
            )
        private = _decode_private(request.private)
        new, new_private = await lifecycle.read(res, state, private, diags, self._call)
        new_state = self._encode(res.schema, new, diags)
        current = request.current_identity if request.HasField("current_identity") else None
        identity = await self._identity(res, new, current) if not diags.has_error() else current
        return pb.ReadResource.Response(
            new_state=new_state,
            diagnostics=diagnostics_to_proto(diags),
            private=_encode_private(new_private, request.private),
            new_identity=identity,
        )

    @_rpc
    async def PlanResourceChange(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None:
            return pb.PlanResourceChange.Response(diagnostics=diagnostics_to_proto(diags))
        ty = res.schema.cty_type
        prior, proposed, config = self._decode_change(request, request.proposed_new_state, ty, diags)
        if diags.has_error():
            return pb.PlanResourceChange.Response(diagnostics=diagnostics_to_proto(diags))
        if proposed is None:  # destroy (plan_destroy capability)
            await lifecycle.plan_destroy(res, prior, _decode_private(request.prior_private), diags, self._call)
            if diags.has_error():
                return pb.PlanResourceChange.Response(diagnostics=diagnostics_to_proto(diags))
            return pb.PlanResourceChange.Response(
                planned_state=dynamic_value(None, ty), planned_private=request.prior_private
            )
        private = _decode_private(request.prior_private)
        planned, replace, private = await lifecycle.plan(res, prior, proposed, config, private, diags, self._call)
        planned_dv = self._encode(res.schema, planned, diags, allow_unknown=True)
        if diags.has_error():
            return pb.PlanResourceChange.Response(diagnostics=diagnostics_to_proto(diags))
        prior_identity = request.prior_identity if request.HasField("prior_identity") else None
        replacing = prior is not None and bool(replace)
        planned_identity = prior_identity if prior_identity is not None and not replacing else \
            await self._identity(res, planned)
        return pb.PlanResourceChange.Response(
            planned_state=planned_dv,
            requires_replace=[path_to_proto(p) for p in replace] if prior is not None else [],
            planned_private=_encode_private(private, request.prior_private),
            diagnostics=diagnostics_to_proto(diags),
            planned_identity=planned_identity,
        )

    @_rpc
    async def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None:
            return pb.ApplyResourceChange.Response(diagnostics=diagnostics_to_proto(diags))
        prior, planned, config = self._decode_change(request, request.planned_state, res.schema.cty_type, diags)
        if diags.has_error():
            return pb.ApplyResourceChange.Response(
                new_state=request.prior_state, private=request.planned_private, diagnostics=diagnostics_to_proto(diags)
            )
        private = _decode_private(request.planned_private)
        new, new_private = await lifecycle.apply(res, prior, planned, config, private, diags, self._call)
        new_state = self._encode(res.schema, new, diags)
        planned_identity = request.planned_identity if request.HasField("planned_identity") else None
        return pb.ApplyResourceChange.Response(
            new_state=new_state,
            private=_encode_private(new_private, request.planned_private),
            diagnostics=diagnostics_to_proto(diags),
            new_identity=await self._identity(res, new, planned_identity),
        )

    @_rpc
    async def ImportResourceState(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        res = self._lookup(self.resources, request.type_name, diags, "Resource")
        if res is None:
            return pb.ImportResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        by_identity = self._decode_identity(res, request.identity if request.HasField("identity") else None, diags)
        if diags.has_error():
            return pb.ImportResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        if by_identity is not None and not request.id:
            imported, imported_private = await lifecycle.import_identity(res, by_identity, diags, self._call)
        else:
            imported, imported_private = await lifecycle.import_state(res, request.id, diags, self._call)
        if diags.has_error():
            return pb.ImportResourceState.Response(diagnostics=diagnostics_to_proto(diags))
        state = self._encode(res.schema, imported, diags)
        private = _encode_private(imported_private, b"")
        identity = (pb.ResourceIdentityData(identity_data=dynamic_value(by_identity, res.identity.cty_type))
                    if by_identity is not None else await self._identity(res, imported))
        return pb.ImportResourceState.Response(
            imported_resources=[pb.ImportResourceState.ImportedResource(type_name=res.type_name, state=state, private=private,
                                                                        identity=identity)],
            diagnostics=diagnostics_to_proto(diags),
        )

    # --- data sources ----------------------------------------------------------------

    @_rpc
    async def ReadDataSource(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        ds = self._lookup(self.data_sources, request.type_name, diags, "Data Source")
        if ds is None:
            return pb.ReadDataSource.Response(diagnostics=diagnostics_to_proto(diags))
        config = self._decode(request.config, ds.schema.cty_type, diags, "Configuration")
        if diags.has_error():
            return pb.ReadDataSource.Response(diagnostics=diagnostics_to_proto(diags))
        resp = Response(state=engine.normalize(ds.schema.block, config))
        await self._call(ds.read(Request(config=config), resp), resp.diagnostics, "Read")
        diags.extend(resp.diagnostics)
        if diags.has_error():
            return pb.ReadDataSource.Response(diagnostics=diagnostics_to_proto(diags))
        if resp.state is None:
            diags.add_error("Missing Data Source State", f"{ds.type_name} read returned a null object.")
            return pb.ReadDataSource.Response(diagnostics=diagnostics_to_proto(diags))
        state = self._encode(ds.schema, resp.state, diags)
        return pb.ReadDataSource.Response(state=state, diagnostics=diagnostics_to_proto(diags))

    # --- functions -------------------------------------------------------------------

    @_rpc
    async def CallFunction(self, request: Any, context: Any) -> Any:
        fn = self.functions.get(request.name)
        if fn is None:
            return pb.CallFunction.Response(error=pb.FunctionError(text=f"This provider has no function {request.name!r}."))
        args = []
        for i, dv in enumerate(request.arguments):
            param = fn.parameters[i] if i < len(fn.parameters) else fn.variadic
            if param is None:
                return pb.CallFunction.Response(error=pb.FunctionError(text="Too many arguments.", function_argument=i))
            try:
                args.append(decode(dv, param.type))
            except cty.CtyError as exc:
                return pb.CallFunction.Response(error=pb.FunctionError(text=str(exc), function_argument=i))
        try:
            result = await fn.run(*args)
            return pb.CallFunction.Response(result=dynamic_value(result, fn.return_type))
        except FunctionError as exc:
            err = pb.FunctionError(text=exc.text)
            if exc.argument is not None:
                err.function_argument = exc.argument
            return pb.CallFunction.Response(error=err)
        except cty.CtyError as exc:
            return pb.CallFunction.Response(error=pb.FunctionError(text=f"Invalid function result: {exc}"))

    # --- list resources (terraform query) ---------------------------------------------

    @_rpc
    async def ValidateListResourceConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        lr = self._lookup(self.list_resources, request.type_name, diags, "List Resource")
        if lr is not None:
            self._validate(lr.schema, request.config, lr.validate_config, diags)
        return pb.ValidateListResourceConfig.Response(diagnostics=diagnostics_to_proto(diags))

    async def ListResource(self, request: Any, context: Any) -> Any:
        """Server streaming: one event per object found; a failure is an event with diagnostics."""
        from tfprovider.framework.modern import ListRequest

        diags = Diagnostics()
        log.debug("Received request", extra={"tf_rpc": "ListResource", "tf_resource_type": request.type_name})
        lr = self._lookup(self.list_resources, request.type_name, diags, "List Resource")
        res = self.resources.get(request.type_name)
        config = None if lr is None else self._decode(request.config, lr.schema.cty_type, diags, "Configuration")
        if lr is None or res is None or res.identity is None or diags.has_error():
            if lr is not None and (res is None or res.identity is None) and not diags.has_error():
                diags.add_error("List Resource Without Identity", f"{request.type_name} has no managed resource identity.")
            yield pb.ListResource.Event(diagnostic=diagnostics_to_proto(diags))
            return
        req = ListRequest(config=config, include_resource_object=request.include_resource_object, limit=request.limit)
        sent = 0
        try:
            async for found in lr.list(req, diags):
                event = pb.ListResource.Event(
                    identity=pb.ResourceIdentityData(identity_data=dynamic_value(found.identity, res.identity.cty_type)),
                    display_name=found.display_name)
                if request.include_resource_object and found.state is not None:
                    event.resource_object.CopyFrom(self._encode(res.schema, found.state, diags))
                yield event
                sent += 1
                if request.limit and sent >= request.limit:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as the stream's last event
            lifecycle.report_exception(diags, "List", exc)
        if diags:
            yield pb.ListResource.Event(diagnostic=diagnostics_to_proto(diags))

    # --- actions (Terraform 1.14+) ----------------------------------------------------

    @_rpc
    async def ValidateActionConfig(self, request: Any, context: Any) -> Any:
        diags = Diagnostics()
        act = self._lookup(self.actions, request.type_name, diags, "Action")
        if act is not None:
            self._validate(act.schema, request.config, act.validate_config, diags)
        return pb.ValidateActionConfig.Response(diagnostics=diagnostics_to_proto(diags))

    @_rpc
    async def PlanAction(self, request: Any, context: Any) -> Any:
        from tfprovider.framework.modern import ActionRequest

        diags = Diagnostics()
        act = self._lookup(self.actions, request.action_type, diags, "Action")
        if act is not None:
            config = self._decode(request.config, act.schema.cty_type, diags, "Configuration")
            if not diags.has_error():
                await self._call(act.plan(ActionRequest(config=config), diags), diags, "Plan Action")
        return pb.PlanAction.Response(diagnostics=diagnostics_to_proto(diags))

    async def InvokeAction(self, request: Any, context: Any) -> Any:
        """Server streaming: a progress event per line the action reports, then completed."""
        from tfprovider.framework.modern import ActionRequest

        diags = Diagnostics()
        log.debug("Received request", extra={"tf_rpc": "InvokeAction", "tf_resource_type": request.action_type})
        act = self._lookup(self.actions, request.action_type, diags, "Action")
        config = None if act is None else self._decode(request.config, act.schema.cty_type, diags, "Configuration")
        if act is None or diags.has_error():
            yield pb.InvokeAction.Event(completed=pb.InvokeAction.Event.Completed(diagnostics=diagnostics_to_proto(diags)))
            return
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        async def run() -> None:
            try:
                await self._call(act.invoke(ActionRequest(config=config, progress=lines.put_nowait), diags), diags,
                                 "Invoke Action")
            finally:
                lines.put_nowait(None)

        task = asyncio.ensure_future(run())
        try:
            while (line := await lines.get()) is not None:
                yield pb.InvokeAction.Event(progress=pb.InvokeAction.Event.Progress(message=line))
            await task
        finally:
            if not task.done():
                task.cancel()
        yield pb.InvokeAction.Event(completed=pb.InvokeAction.Event.Completed(diagnostics=diagnostics_to_proto(diags)))

    # --- stop ------------------------------------------------------------------------

    async def StopProvider(self, request: Any, context: Any) -> Any:
        for task in list(self._tasks):
            task.cancel()
        log.info("StopProvider: cancelled %d in-flight operation(s)", len(self._tasks))
        return pb.StopProvider.Response()
