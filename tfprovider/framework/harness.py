"""Run a resource's whole lifecycle in process, the way Terraform core drives it.

    h = ResourceHarness(VesselProvider, {"endpoint": ..., "password": ...})
    created = await h.apply("vessel_ntp_server", {"preferred_server": "ntp1"})
    assert created.ok and (await h.plan("vessel_ntp_server", config, created.state)).empty
    imported = await h.import_state("vessel_ntp_server", "hmm")

Every call is one *walk*, like one Terraform command: a fresh provider instance is configured,
the steps run, and the provider is closed (:meth:`Provider.aclose`), so per-walk state (the
guard session, plan-time claims, connections) behaves as it does under Terraform, which starts
a new provider process per command. :meth:`walk` groups several steps into one walk (several
resources planned together).

Values are plain Python on the wire's terms: every value crosses a msgpack round trip through
the schema type, as it would over gRPC, and the checks Terraform makes on a provider's answers
are made here too (a planned value must keep what the configuration says; the state after
apply must keep every value the plan knew). What it does not reproduce: nested *blocks* in the
proposed new state (attributes, including nested attributes, are handled), and provider
functions.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from tfprovider import cty
from tfprovider.framework import engine, lifecycle
from tfprovider.framework.diag import Diagnostics
from tfprovider.framework.resource import Provider, Resource


@dataclass
class Outcome:
    """What one step produced."""

    state: Any = None  #: the new state (planned state for a plan)
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    private: dict = field(default_factory=dict)
    prior: Any = None
    requires_replace: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics.has_error()

    @property
    def errors(self) -> list[Any]:
        return [d for d in self.diagnostics if d.severity.name == "ERROR"]

    @property
    def empty(self) -> bool:
        """A plan without changes (planned == prior)."""
        return self.ok and self.prior is not None and self.state == self.prior

    def paths(self) -> list[str]:
        """The attribute paths of the error diagnostics ("" for those without one)."""
        return [str(d.path) if d.path else "" for d in self.errors]

    def detail(self) -> str:
        return "; ".join(f"{d.summary}: {d.detail}" for d in self.diagnostics)


def proposed_new(block: Any, prior: Any, config: Any) -> Any:
    """Terraform's proposed new state: configured values, and for computed attributes the
    configuration leaves null, the prior value (unknown when there is none)."""
    if config is None:
        return None
    out = dict(config)
    for name, attr in block.attributes.items():
        if config.get(name) is None and attr.computed:
            out[name] = prior.get(name) if prior is not None else cty.UNKNOWN
    return out


def _wire(res: Resource, value: Any, *, unknown: bool = False, config: bool = False) -> Any:
    """``value`` after a trip over the wire (msgpack through the schema type)."""
    if value is None:
        return None
    value = engine.normalize(res.schema.block, value)
    if not unknown:
        value = engine.null_unknowns(res.schema.block, value)
    if not config and engine.has_write_only(res.schema.block):
        value = engine.null_write_only(res.schema.block, value)  # never in a plan or a state
    ty = res.schema.cty_type
    return _set_order(cty.decode_msgpack(cty.encode_msgpack(value, ty), ty), ty)


def _set_order(value: Any, ty: Any) -> Any:
    """Sets of strings, numbers or bools in cty's own element order (ascending), as Terraform
    sends them: a configuration's ``[200, 100]`` arrives as ``[100, 200]``."""
    if not cty.is_known(value) or value is None:
        return value
    if isinstance(ty, cty.Object):
        return {k: _set_order(value.get(k), t) for k, t in ty.attribute_types.items()}
    if isinstance(ty, (cty.List, cty.Set, cty.Map)):
        et = ty.element_type
        if isinstance(value, dict):
            return {k: _set_order(v, et) for k, v in value.items()}
        items = [_set_order(v, et) for v in value]
        if isinstance(ty, cty.Set) and et.is_primitive() and all(cty.is_known(v) and v is not None for v in items):
            items.sort()
        return items
    return value


def _inconsistent(planned: Any, new: Any, prefix: str = "") -> list[str]:
    """Paths where ``new`` differs from a known value of ``planned``."""
    if not cty.is_known(planned):
        return []
    if isinstance(planned, dict) and isinstance(new, dict):
        return [p for k, v in planned.items() for p in _inconsistent(v, new.get(k), f"{prefix}.{k}" if prefix else k)]
    if cty.is_wholly_known(planned) and planned != new:
        return [prefix or "(root)"]
    return []


class Walk:
    """One provider instance (one Terraform command's provider process)."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.resources: dict[str, Resource] = {}

    def resource(self, type_name: str) -> Resource:
        res = self.resources.get(type_name)
        if res is None:
            cls = next((c for c in self.provider.resources if c.type_name == type_name), None)
            if cls is None:
                raise KeyError(f"the provider has no resource type {type_name!r}")
            res = self.resources[type_name] = cls()
            res.provider_data = self.data
        return res

    async def configure(self, config: dict[str, Any]) -> Diagnostics:
        """ValidateProviderConfig then ConfigureProvider, as Terraform sends them."""
        full = {**self.provider.schema.null_value(), **config}
        diags = Diagnostics()
        engine.validate(self.provider.schema.block, full, diags)
        self.provider.validate_config(full, diags)
        self.data = None
        if not diags.has_error():
            resp = await lifecycle.configure(self.provider, full)
            diags.extend(resp.diagnostics)
            self.data = resp.data
        return diags

    def _config(self, res: Resource, config: dict[str, Any]) -> Any:
        return _wire(res, {**res.schema.null_value(), **config}, unknown=True, config=True)

    def validate(self, type_name: str, config: dict[str, Any]) -> Outcome:
        res = self.resource(type_name)
        out = Outcome()
        lifecycle.validate(res, self._config(res, config), out.diagnostics)
        return out

    async def plan(self, type_name: str, config: dict[str, Any] | None, state: Any = None,
                   private: dict | None = None) -> Outcome:
        res = self.resource(type_name)
        out = Outcome(prior=state)
        if config is None:  # destroy
            out.private = dict(private or {})
            await lifecycle.plan_destroy(res, state, out.private, out.diagnostics)
            return out
        cfg = self._config(res, config)
        lifecycle.validate(res, cfg, out.diagnostics)
        if not out.ok:
            return out
        proposed = proposed_new(res.schema.block, state, cfg)
        planned, replace, priv = await lifecycle.plan(res, state, proposed, cfg, dict(private or {}),
                                                      out.diagnostics)
        if out.ok:
            planned = _wire(res, planned, unknown=True)
            for name, value in cfg.items():
                attr = res.schema.attributes.get(name)
                if attr is not None and attr.write_only:
                    continue
                if value is not None and cty.is_wholly_known(value) and planned.get(name) != value:
                    out.diagnostics.add_error("Provider produced invalid plan",
                                              f"planned {name} = {planned.get(name)!r}, the configuration "
                                              f"says {value!r}")
        out.state, out.requires_replace, out.private = planned, replace if state is not None else [], priv
        return out

    async def apply(self, type_name: str, config: dict[str, Any] | None, state: Any = None,
                    private: dict | None = None) -> Outcome:
        """Plan then apply (Terraform re-plans in the apply process); a replace is delete + create."""
        plan = await self.plan(type_name, config, state, private)
        if not plan.ok:
            plan.state, plan.prior = state, state
            return plan
        res = self.resource(type_name)
        cfg = None if config is None else self._config(res, config)
        out = Outcome(prior=state)
        if plan.requires_replace and state is not None:
            gone, _ = await lifecycle.apply(res, state, None, None, plan.private, out.diagnostics)
            if not out.ok:
                out.state = gone
                return out
            plan = await self.plan(type_name, config, None, {})
            state = None
        new, out.private = await lifecycle.apply(res, state, plan.state, cfg, plan.private, out.diagnostics)
        out.state = _wire(res, new)
        if out.ok and plan.state is not None:
            bad = _inconsistent(plan.state, out.state)
            if bad:
                out.diagnostics.add_error("Provider produced inconsistent result after apply",
                                          f"{', '.join(bad)} differ from the plan")
        return out

    async def refresh(self, type_name: str, state: Any, private: dict | None = None) -> Outcome:
        res = self.resource(type_name)
        out = Outcome(prior=state)
        new, out.private = await lifecycle.read(res, state, dict(private or {}), out.diagnostics)
        out.state = _wire(res, new)
        return out

    async def import_state(self, type_name: str, import_id: str) -> Outcome:
        res = self.resource(type_name)
        out = Outcome()
        state, private = await lifecycle.import_state(res, import_id, out.diagnostics)
        if not out.ok:
            return out
        read = await self.refresh(type_name, _wire(res, state), private)
        if read.ok and read.state is None:
            read.diagnostics.add_error("Cannot import non-existent remote object",
                                       f"{type_name} {import_id!r} does not exist")
        return read


class ResourceHarness:
    """Drives resources of ``make_provider()`` configured with ``config``; see the module docstring."""

    def __init__(self, make_provider: Callable[[], Provider], config: dict[str, Any]) -> None:
        self.make_provider = make_provider
        self.config = config

    @asynccontextmanager
    async def walk(self) -> AsyncIterator[Walk]:
        w = Walk(self.make_provider())
        diags = await w.configure(self.config)
        if diags.has_error():
            raise AssertionError("provider configuration failed: "
                                 + "; ".join(f"{d.summary}: {d.detail}" for d in diags))
        try:
            yield w
        finally:
            await w.provider.aclose()

    async def validate(self, type_name: str, config: dict[str, Any]) -> Outcome:
        async with self.walk() as w:
            return w.validate(type_name, config)

    async def plan(self, type_name: str, config: dict[str, Any] | None, state: Any = None) -> Outcome:
        """Refresh (when there is a state) then plan, as ``terraform plan`` does."""
        async with self.walk() as w:
            if state is not None:
                read = await w.refresh(type_name, state)
                if not read.ok:
                    return read
                state = read.state
            return await w.plan(type_name, config, state)

    async def apply(self, type_name: str, config: dict[str, Any], state: Any = None) -> Outcome:
        """``terraform apply``: refresh, plan, apply."""
        if state is not None:
            async with self.walk() as w:
                read = await w.refresh(type_name, state)
            if not read.ok:
                return read
            state = read.state
        async with self.walk() as w:
            return await w.apply(type_name, config, state)

    async def refresh(self, type_name: str, state: Any) -> Outcome:
        async with self.walk() as w:
            return await w.refresh(type_name, state)

    async def import_state(self, type_name: str, import_id: str) -> Outcome:
        async with self.walk() as w:
            return await w.import_state(type_name, import_id)

    async def destroy(self, type_name: str, state: Any) -> Outcome:
        async with self.walk() as w:
            return await w.apply(type_name, None, state)


__all__ = ["Outcome", "ResourceHarness", "Walk", "proposed_new"]
