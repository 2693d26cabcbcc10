"""Schema-driven walks over values: validation, planning, normalisation.

Pure functions over the cty Python representation (dicts, lists, None, Unknown). The
servicer calls these around resource code; resource code never needs them directly.
"""
from __future__ import annotations

import copy
import functools
from decimal import Decimal
from typing import Any, Callable, Iterable

from tfprovider import cty
from tfprovider.cty import AttributePath
from tfprovider.cty.path import ROOT
from tfprovider.framework.diag import Diagnostics
from tfprovider.framework.planmodifiers import PlanModifierRequest
from tfprovider.framework.schema import GROUP, LIST, MAP, SET, SINGLE, Attribute, Block, NestedObject, empty_block_value
from tfprovider.framework.validators import ValidatorRequest, as_validator


def _known_dict(v: Any) -> bool:
    return isinstance(v, dict)


def _elements(nesting: Any, value: Any, path: AttributePath) -> Iterable[tuple[AttributePath, Any]]:
    """(path, element) for each object element of a nested value; sets keep the set's path."""
    if value is None or not cty.is_known(value):
        return
    if nesting in (SINGLE, GROUP):
        yield path, value
    elif nesting == LIST:
        for i, v in enumerate(value):
            yield path.index(i), v
    elif nesting == SET:
        for v in value:
            yield path, v
    else:
        for k, v in value.items():
            yield path.key(k), v


# --- validation -------------------------------------------------------------------------


def validate(
    blk: Block | NestedObject,
    config: Any,
    diags: Diagnostics,
    *,
    root: Any = None,
    path: AttributePath = ROOT,
    write_only_allowed: bool | None = None,
) -> None:
    """Run attribute validators, deprecation warnings and the write-only check."""
    if not _known_dict(config):
        return
    root = config if root is None else root
    for name, attr in blk.attributes.items():
        value = config.get(name)
        if not attr.validators and attr.nested is None and (
            value is None or not (attr.deprecation_message or attr.write_only)
        ):
            continue  # nothing to check or report here: no path needed
        apath = path.attr(name)
        if value is not None and attr.deprecation_message:
            diags.add_attribute_warning(apath, "Attribute Deprecated", attr.deprecation_message)
        if value is not None and attr.write_only and write_only_allowed is False:
            diags.add_attribute_error(
                apath,
                "Write-only Attribute Not Allowed",
                f"The resource contains a non-null value for write-only attribute {apath!s}. Write-only "
                "attributes are only supported in Terraform 1.11 and later.",
            )
        for v in attr.validators:
            as_validator(v).validate(ValidatorRequest(value, apath, config, root, diags))
        if attr.nested is not None:
            for epath, elem in _elements(attr.nested.nesting, value, apath):
                validate(attr.nested, elem, diags, root=root, path=epath, write_only_allowed=write_only_allowed)
    for name, b in getattr(blk, "blocks", {}).items():
        value = config.get(name)
        bpath = path.attr(name)
        if b.deprecation_message and value not in (None, [], {}):
            diags.add_attribute_warning(bpath, "Block Deprecated", b.deprecation_message)
        for v in b.validators:
            as_validator(v).validate(ValidatorRequest(value, bpath, config, root, diags))
        for epath, elem in _elements(b.nesting, value, bpath):
            validate(b, elem, diags, root=root, path=epath, write_only_allowed=write_only_allowed)


# --- generic transforms ------------------------------------------------------------------


def transform(
    blk: Block | NestedObject,
    value: Any,
    fn: Callable[[Attribute, Any, Any], Any],
    path: AttributePath | None = ROOT,
) -> Any:
    """Return a copy of object ``value`` with ``fn(attr, path, v)`` applied to every attribute
    (inner attributes of nested attributes first, then the attribute itself). With ``path``
    None, ``fn`` gets None for the path (for functions that do not report)."""
    if not _known_dict(value):
        return value
    out = dict(value)
    for name, attr in blk.attributes.items():
        v = out.get(name)
        apath = None if path is None else path.attr(name)
        if attr.nested is not None:
            v = _map_nested(attr.nested.nesting, v, functools.partial(_transform_in, attr.nested, fn), apath)
        out[name] = fn(attr, apath, v)
    for name, b in getattr(blk, "blocks", {}).items():
        out[name] = _map_nested(b.nesting, out.get(name), functools.partial(_transform_in, b, fn),
                                None if path is None else path.attr(name))
    return out


def _transform_in(blk: Block | NestedObject, fn: Callable[[Attribute, Any, Any], Any], elem: Any,
                  path: AttributePath | None) -> Any:
    return transform(blk, elem, fn, path)


def _normalize_in(blk: Block | NestedObject, elem: Any, _path: AttributePath | None) -> Any:
    return normalize(blk, elem)


def _map_nested(nesting: Any, value: Any, fn: Callable[[Any, Any], Any], path: AttributePath | None) -> Any:
    if value is None or not cty.is_known(value):
        return value
    if nesting in (SINGLE, GROUP):
        return fn(value, path)
    if nesting == LIST:
        return [fn(v, None if path is None else path.index(i)) for i, v in enumerate(value)]
    if nesting == SET:
        return [fn(v, path) for v in value]
    return {k: fn(v, None if path is None else path.key(k)) for k, v in value.items()}


def null_write_only(blk: Block, value: Any) -> Any:
    return transform(blk, value, lambda a, p, v: None if a.write_only else v, None)


def unknown_paths(blk: Block | NestedObject, value: Any, path: AttributePath = ROOT) -> list[AttributePath]:
    """Paths of attributes (or whole blocks) that are still unknown."""
    found: list[AttributePath] = []

    def visit(attr: Attribute, p: AttributePath, v: Any) -> Any:
        if not cty.is_wholly_known(v) and (attr.nested is None or not cty.is_known(v)):
            found.append(p)
        return v

    transform(blk, value, visit, path)
    for name in getattr(blk, "blocks", {}):
        if _known_dict(value) and not cty.is_known(value.get(name)):
            found.append(path.attr(name))
    return found


def null_unknowns(blk: Block | NestedObject, value: Any) -> Any:
    """Replace every unknown by null (unknown repeated blocks by an empty collection)."""
    if not cty.is_known(value):
        return None

    def visit(attr: Attribute, p: AttributePath, v: Any) -> Any:
        return _strip_unknown(v)

    out = transform(blk, value, visit, None)
    if _known_dict(out):
        for name, b in getattr(blk, "blocks", {}).items():
            if not cty.is_known(out.get(name)):
                out[name] = empty_block_value(b)
    return out


def _strip_unknown(v: Any) -> Any:
    if not cty.is_known(v):
        return None
    if isinstance(v, list):
        return [_strip_unknown(e) for e in v]
    if isinstance(v, dict):
        return {k: _strip_unknown(e) for k, e in v.items()}
    return v


def normalize(blk: Block | NestedObject, value: Any) -> Any:
    """Fill attributes missing from an object with null (and repeated blocks with empty
    collections), drop keys the schema does not know. For states written by an older
    schema version and for objects built by resource code."""
    if not _known_dict(value):
        return value
    out: dict[str, Any] = {}
    for name, attr in blk.attributes.items():
        v = value.get(name)
        if attr.nested is not None:
            v = _map_nested(attr.nested.nesting, v, functools.partial(_normalize_in, attr.nested), None)
        out[name] = v
    for name, b in getattr(blk, "blocks", {}).items():
        v = value.get(name)
        if v is None:
            v = empty_block_value(b)
        else:
            v = _map_nested(b.nesting, v, functools.partial(_normalize_in, b), None)
        out[name] = v
    return out


# --- planning ---------------------------------------------------------------------------


def _same(a: Any, b: Any, ty: Any) -> bool:
    try:
        if a == b:
            # Python equality of two conformed values implies cty equality (and the same unknowns:
            # an Unknown equals only an Unknown); the slow path below decides every other case
            return True
    except cty.CtyError:  # a DynamicVal inside that does not conform
        return False
    if cty.is_wholly_known(a) != cty.is_wholly_known(b):
        return False
    try:
        return cty.values_equal(a, b, ty)
    except cty.CtyError:
        return False


def _match(elem: Any, candidates: list[Any], obj: Block | NestedObject, *, from_config: bool) -> Any:
    """The element of a set (config or prior) that ``elem`` of the planned set came from.

    An element matches when every non-computed attribute is equal; for a config element,
    a computed attribute it leaves null may hold anything in the plan."""
    if not _known_dict(elem):
        return None
    for cand in candidates:
        if not _known_dict(cand):
            continue
        ok = True
        for name, attr in obj.attributes.items():
            cv, ev = cand.get(name), elem.get(name)
            if attr.computed and (from_config and cv is None or not from_config and not attr.configurable):
                continue
            if attr.computed and not from_config and cty.is_known(ev) is False:
                continue
            if not _same(cv, ev, attr.cty_type):
                ok = False
                break
        if ok:
            return cand
    return None


class _Planner:
    def __init__(
        self, private: dict, diags: Diagnostics, created: bool, mark_unknown: bool, defaults_only: bool = False
    ) -> None:
        self.defaults_only = defaults_only
        self.private = private
        self.diags = diags
        self.created = created
        self.mark_unknown = mark_unknown
        self.requires_replace: list[AttributePath] = []

    def obj(self, blk: Block | NestedObject, cfg: Any, prior: Any, plan: Any, path: AttributePath) -> None:
        """Plan the attributes of one object in place."""
        if not _known_dict(plan):
            return
        cfg = cfg if _known_dict(cfg) else {}
        prior = prior if _known_dict(prior) else {}
        for name, attr in blk.attributes.items():
            apath = path.attr(name) if attr.nested is not None or attr.plan_modifiers else ROOT  # used only then
            cv, pv = cfg.get(name), prior.get(name)
            v = plan.get(name)
            if self.defaults_only:
                if cv is None and attr.default is not None:
                    plan[name] = v = copy.deepcopy(attr.default)
                if attr.nested is not None:
                    self.nested(attr.nested, attr.nested.nesting, cv, pv, v, apath)
                continue
            if attr.write_only:
                plan[name] = None
                continue
            if cv is None and attr.computed and attr.default is None and self.mark_unknown:
                v = cty.UNKNOWN
            if attr.nested is not None:
                self.nested(attr.nested, attr.nested.nesting, cv, pv, v, apath)
            if attr.plan_modifiers:
                req = PlanModifierRequest(apath, cv, pv, v, attr.cty_type, self.created, self.private, self.diags)
                for m in attr.plan_modifiers:
                    m.modify(req)
                v = req.plan_value
                if req.requires_replace:
                    self.requires_replace.append(apath)
            plan[name] = v
        for name, b in getattr(blk, "blocks", {}).items():
            bpath = path.attr(name)
            self.nested(b, b.nesting, cfg.get(name), prior.get(name), plan.get(name), bpath)
            if b.plan_modifiers and not self.defaults_only:
                req = PlanModifierRequest(
                    bpath, cfg.get(name), prior.get(name), plan.get(name), b.cty_type, self.created, self.private, self.diags
                )
                for m in b.plan_modifiers:
                    m.modify(req)
                plan[name] = req.plan_value
                if req.requires_replace:
                    self.requires_replace.append(bpath)

    def nested(self, obj: Block | NestedObject, nesting: Any, cfg: Any, prior: Any, plan: Any, path: AttributePath) -> None:
        if plan is None or not cty.is_known(plan):
            return
        if nesting in (SINGLE, GROUP):
            self.obj(obj, cfg, prior, plan, path)
        elif nesting == LIST:
            cfg_l = cfg if isinstance(cfg, list) else []
            prior_l = prior if isinstance(prior, list) else []
            for i, e in enumerate(plan):
                self.obj(obj, _at(cfg_l, i), _at(prior_l, i), e, path.index(i))
        elif nesting == MAP:
            cfg_m = cfg if _known_dict(cfg) else {}
            prior_m = prior if _known_dict(prior) else {}
            for k, e in plan.items():
                self.obj(obj, cfg_m.get(k), prior_m.get(k), e, path.key(k))
        else:
            cfg_l = cfg if isinstance(cfg, list) else []
            prior_l = prior if isinstance(prior, list) else []
            matches = [
                (e, _match(e, cfg_l, obj, from_config=True), _match(e, prior_l, obj, from_config=False)) for e in plan
            ]
            for e, c, p in matches:
                self.obj(obj, c, p, e, path)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), Decimal, cty.Unknown})


def copy_value(value: Any) -> Any:
    """A deep copy of a cty value (dicts and lists copied, immutable leaves shared)."""
    t = type(value)
    if t is dict:
        return {k: v if type(v) in _IMMUTABLE else copy_value(v) for k, v in value.items()}
    if t is list:
        return [v if type(v) in _IMMUTABLE else copy_value(v) for v in value]
    if t in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


def has_write_only(blk: Block | NestedObject) -> bool:
    """Whether any attribute of ``blk`` or of its nested attributes/blocks is write-only."""
    for attr in blk.attributes.values():
        if attr.write_only or (attr.nested is not None and has_write_only(attr.nested)):
            return True
    return any(has_write_only(b) for b in getattr(blk, "blocks", {}).values())


def _at(seq: list, i: int) -> Any:
    return seq[i] if i < len(seq) else None


def plan(
    schema_block: Block,
    prior: Any,
    proposed: Any,
    config: Any,
    private: dict,
    diags: Diagnostics,
) -> tuple[Any, list[AttributePath]]:
    """Plan a create or update (``proposed`` non-null). Returns (planned, requires_replace).

    Order (as in terraform-plugin-framework): defaults; when anything differs from the prior
    state, computed attributes left null in config become unknown; write-only attributes
    become null; attribute plan modifiers in schema order."""
    created = prior is None
    planned = copy_value(proposed)
    _Planner(private, diags, created, mark_unknown=False, defaults_only=True).obj(
        schema_block, config, prior, planned, ROOT
    )
    changed = created or not _same(planned, prior, schema_block.object_type)
    planner = _Planner(private, diags, created, mark_unknown=changed)
    planner.obj(schema_block, config, prior, planned, ROOT)
    return planned, planner.requires_replace
