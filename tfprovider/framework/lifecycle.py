"""A resource's lifecycle steps on plain values, with no protobuf in sight.

The gRPC server (:mod:`.server`) decodes a request, calls one of these, and encodes the
answer; :class:`tfprovider.framework.harness.ResourceHarness` calls them directly to run a
resource's whole lifecycle in process. Both therefore exercise the same code: validation, the
planner with plan modifiers and ``modify_plan``, and the create / update / delete / read /
import dispatch with its rules (what state is kept when an operation fails).

Each step takes a ``call`` coroutine runner (``call(coro, diags, what)``) that turns an
exception escaping resource code into a diagnostic; :func:`run` is the plain one.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.framework import engine
from tfprovider.framework.diag import Diagnostic, Diagnostics
from tfprovider.framework.resource import ConfigureResponse, Provider, Request, Resource, Response, _parse_scalar
from tfprovider.framework.validators import ValidatorRequest, as_validator

log = logging.getLogger("tfprovider.framework")

Runner = Callable[[Awaitable[None], Diagnostics, str], Awaitable[None]]


async def run(coro: Awaitable[None], diags: Diagnostics, what: str) -> None:
    """Await resource code; an exception becomes an error diagnostic."""
    try:
        await coro
    except NotImplementedError as exc:
        diags.add_error("Operation Not Supported", str(exc) or what)
    except Exception as exc:  # noqa: BLE001 - resource code failing is reported, not raised
        report_exception(diags, what, exc)


def report_exception(diags: Diagnostics, what: str, exc: BaseException) -> None:
    """One error diagnostic per real failure: exception groups (a TaskGroup's "unhandled errors")
    are unwrapped to the errors inside, and no traceback is shown."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            report_exception(diags, what, inner)
        return
    log.warning("%s failed: %s", what, type(exc).__name__)
    diags.add_error(f"{what} Failed", f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _from_text(ty: Any, text: str) -> Any:
    """``text`` (an environment variable) as a value of ``ty``: a primitive as written, a map or
    list as JSON (``{"1": "https://..."}``); ValueError."""
    if getattr(ty, "is_collection", lambda: False)():
        from tfprovider.cty.json_codec import decode_json

        try:
            return decode_json(text, ty)
        except Exception as exc:  # noqa: BLE001 - any decoding failure is a bad value
            raise ValueError(f"is not JSON of type {ty.friendly_name() if hasattr(ty, 'friendly_name') else ty} "
                             f"({exc})") from None
    if ty == cty.Bool:
        t = text.strip().lower()
        if t in _TRUE or t in _FALSE:
            return t in _TRUE
        raise ValueError("is not a boolean (use true or false)")
    if ty == cty.Number:
        try:
            return _parse_scalar(text.strip(), ty)  # as import IDs are read
        except ValueError:
            raise ValueError("is not a number") from None
    return text or None


async def configure(provider: Provider, config: Any, call: Runner = run) -> ConfigureResponse:
    """Merge ``Attribute(env=...)`` values the configuration leaves null, validate them with the
    attributes' own validators (diagnostics on the attribute, naming the variable), then call
    ``provider.configure``. The block's own values were validated already (ValidateProviderConfig)."""
    resp = ConfigureResponse()
    merged = {**provider.schema.null_value(), **(config or {})}  # an absent config is a null object
    env_only: dict[str, Any] = {}
    for name, attr in provider.schema.attributes.items():
        var = attr.env
        if var is None or merged.get(name) is not None or var not in provider.environ:
            continue
        if not cty.is_known(merged.get(name, None)) and name in merged:
            continue  # unknown until apply: configure runs again then
        text = provider.environ[var]
        try:
            value = _from_text(attr.type, text)
        except ValueError as exc:
            resp.diagnostics.add_attribute_error(AttributePath().attr(name), "Invalid Environment Variable",
                                                 f"{var}={text!r} {exc}.")
            continue
        merged[name] = env_only[name] = value
        resp.from_env[name] = var
    for name, value in env_only.items():  # the attributes' own validators, once, on the env values
        found = Diagnostics()
        path = AttributePath().attr(name)
        for v in provider.schema.attributes[name].validators:
            as_validator(v).validate(ValidatorRequest(value, path, merged, merged, found))
        for d in found:
            resp.diagnostics.append(Diagnostic(d.severity, d.summary, f"{resp.from_env[name]}: {d.detail}", d.path))
    if not resp.diagnostics.has_error():
        await call(provider.configure(merged, resp), resp.diagnostics, "Provider Configure")
    return resp


def validate(res: Any, config: Any, diags: Diagnostics, **kw: Any) -> None:
    """Attribute validators, then the resource's cross-attribute checks."""
    if config is None:
        return
    engine.validate(res.schema.block, config, diags, **kw)
    res.validate_config(config, diags)


async def plan(res: Resource, prior: Any, proposed: Any, config: Any, private: dict, diags: Diagnostics,
               call: Runner = run) -> tuple[Any, list[Any], dict]:
    """(planned state, requires-replace paths, planned private) for a create or an update."""
    planned, replace = engine.plan(res.schema.block, prior, proposed, config, private, diags)
    if not diags.has_error() and type(res).modify_plan is not Resource.modify_plan:
        resp = Response(state=planned, private=private)
        req = Request(config=config, plan=planned, state=prior, private=private,
                      replacing=prior is not None and bool(replace))
        await call(res.modify_plan(req, resp), resp.diagnostics, "Plan")
        diags.extend(resp.diagnostics)
        planned = engine.normalize(res.schema.block, resp.state)
        private = resp.private
        replace.extend(resp.requires_replace)
    return planned, replace, private


async def plan_destroy(res: Resource, prior: Any, private: dict, diags: Diagnostics, call: Runner = run) -> None:
    """The resource's objections to destroying ``prior`` (diagnostics only)."""
    if prior is not None and type(res).plan_destroy is not Resource.plan_destroy:
        resp = Response(state=None, private=private)
        await call(res.plan_destroy(Request(state=prior, private=private), resp), resp.diagnostics, "Plan")
        diags.extend(resp.diagnostics)


async def apply(res: Resource, prior: Any, planned: Any, config: Any, private: dict, diags: Diagnostics,
                call: Runner = run) -> tuple[Any, dict]:
    """(new state, private) after create (prior None), delete (planned None) or update."""
    if planned is None:
        resp = Response(state=prior, private=private)
        await _within(res, prior, "delete", res.delete(Request(state=prior, private=private), resp),
                      resp.diagnostics, call, "Delete")
        if not resp.diagnostics.has_error():
            resp.state = None
    elif prior is None:
        resp = Response(state=None, private=private)
        await _within(res, planned, "create", res.create(Request(config=config, plan=planned, private=private), resp),
                      resp.diagnostics, call, "Create")
        if resp.state is None and not resp.diagnostics.has_error():
            resp.diagnostics.add_error(
                "Missing Resource State After Create",
                f"{res.type_name} create returned no state and no error. This is a bug in the provider.",
            )
    else:
        resp = Response(state=planned, private=private)
        resp.state_assigned = False
        req = Request(config=config, plan=planned, state=prior, private=private)
        await _within(res, planned, "update", res.update(req, resp), resp.diagnostics, call, "Update")
        if resp.diagnostics.has_error() and not resp.state_assigned:
            resp._state = prior  # nothing reported as done: keep what was there
    diags.extend(resp.diagnostics)
    if planned is not None and resp.state is None and not diags.has_error():
        diags.add_error("Missing Resource State", f"{res.type_name} returned a null object without an error.")
    return keep_equivalent(res.schema.block, planned, resp.state), resp.private


def _deadline(res: Resource, obj: Any, operation: str) -> float | None:
    """Seconds ``operation`` may take: the object's ``timeouts`` block, else the resource's default."""
    from tfprovider.framework.schema import timeout

    default = res.default_timeouts.get(operation)
    value = timeout(obj if isinstance(obj, dict) else None, operation, -1.0)
    return value if value >= 0 else default


async def _within(res: Resource, obj: Any, operation: str, coro: Awaitable[None], diags: Diagnostics,
                  call: Runner, what: str) -> None:
    """``call(coro)`` under the operation's deadline; running out is a diagnostic on
    ``timeouts.<operation>`` that says the operation may still complete on the device."""
    limit = _deadline(res, obj, operation)
    if limit is None:
        await call(coro, diags, what)
        return

    async def bounded() -> None:
        try:
            await asyncio.wait_for(coro, limit)
        except asyncio.TimeoutError:
            has_block = "timeouts" in getattr(res.schema.block, "blocks", {})
            diags.add_error(
                f"{what} Timed Out",
                f"{res.type_name} {operation} did not finish within {limit:g}s. It may still complete on the "
                "device: the next plan shows what is there." + (f" Raise timeouts.{operation} to wait longer."
                                                                  if has_block else ""),
                AttributePath().attr("timeouts").attr(operation) if has_block else None)

    await call(bounded(), diags, what)


def keep_equivalent(blk: Any, known: Any, new: Any) -> Any:
    """``new`` with every top-level attribute that declares ``semantic_equal`` and means the same
    as its ``known`` value replaced by that value."""
    if not isinstance(known, dict) or not isinstance(new, dict):
        return new
    out = None
    for name, attr in blk.attributes.items():
        fn = attr.semantic_equal
        if fn is None or name not in known or name not in new or known[name] == new[name]:
            continue
        if known[name] is not None and new[name] is not None and cty.is_wholly_known(known[name]) \
                and fn(known[name], new[name]):
            out = dict(new) if out is None else out
            out[name] = known[name]
    return new if out is None else out


async def read(res: Resource, state: Any, private: dict, diags: Diagnostics,
               call: Runner = run) -> tuple[Any, dict]:
    """(refreshed state or None when the object is gone, private)."""
    resp = Response(state=state, private=private)
    if state is not None:
        await _within(res, state, "read", res.read(Request(state=state, private=private), resp),
                      resp.diagnostics, call, "Read")
    diags.extend(resp.diagnostics)
    new = resp.state if not resp.diagnostics.has_error() or resp.state_assigned else state
    return keep_equivalent(res.schema.block, state, new), resp.private


async def import_identity(res: Resource, identity: Any, diags: Diagnostics,
                          call: Runner = run) -> tuple[Any, dict]:
    """(the state an identity names, private): ``import { identity = {...} }``."""
    resp = Response(state=None)
    await call(res.import_identity(identity, resp), resp.diagnostics, "Import")
    diags.extend(resp.diagnostics)
    if not diags.has_error() and resp.state is None:
        diags.add_error("Missing Resource Import State", f"{res.type_name} import returned no state.")
    return resp.state, resp.private


async def import_state(res: Resource, import_id: str, diags: Diagnostics,
                       call: Runner = run) -> tuple[Any, dict]:
    """(the state the import ID describes, private); Terraform reads it next."""
    resp = Response(state=None)
    await call(res.import_state(Request(id=import_id), resp), resp.diagnostics, "Import")
    diags.extend(resp.diagnostics)
    if not diags.has_error() and resp.state is None:
        diags.add_error("Missing Resource Import State", f"{res.type_name} import returned no state.")
    return resp.state, resp.private
