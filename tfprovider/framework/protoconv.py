"""Conversions between framework objects and tfplugin6 protobuf messages (the only
framework module besides :mod:`.server` that touches generated code)."""
from __future__ import annotations

from typing import Any, Iterable, cast

from tfprovider import cty
from tfprovider.framework.diag import Diagnostic, Severity
from tfprovider.framework.resource import Function, Parameter
from tfprovider.framework.schema import Attribute, Block, Schema
from tfprovider.protocol import tfplugin6_pb2 as pb

_MARKDOWN = pb.StringKind.MARKDOWN
_ATTR_FIELDS = {f.name for f in pb.Schema.Attribute.DESCRIPTOR.fields}
_BLOCK_FIELDS = {f.name for f in pb.Schema.Block.DESCRIPTOR.fields}


def _describe(description: str, deprecation: str) -> str:
    if deprecation and description:
        return f"{description}\n\n**Deprecated**: {deprecation}"
    return description or (f"**Deprecated**: {deprecation}" if deprecation else "")


def attribute_to_proto(attr: Attribute) -> Any:
    msg = pb.Schema.Attribute(
        name=attr.name,
        description=_describe(attr.description, attr.deprecation_message),
        description_kind=_MARKDOWN,
        required=attr.required,
        optional=attr.optional,
        computed=attr.computed,
        sensitive=attr.sensitive,
        deprecated=bool(attr.deprecation_message),
    )
    if attr.write_only:
        msg.write_only = True
    if attr.deprecation_message and "deprecation_message" in _ATTR_FIELDS:  # newer tfplugin6 only
        cast(Any, msg).deprecation_message = attr.deprecation_message
    if attr.nested is not None:
        msg.nested_type.CopyFrom(
            pb.Schema.Object(
                attributes=[attribute_to_proto(a) for a in attr.nested.attributes.values()],
                nesting=cast(Any, int(attr.nested.nesting)),  # the proto enum's wire value
            )
        )
    else:
        msg.type = cty.type_to_json(attr.type)
    return msg


def block_to_proto(blk: Block) -> Any:
    msg = pb.Schema.Block(
        attributes=[attribute_to_proto(a) for a in blk.attributes.values()],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=block_to_proto(b),
                nesting=cast(Any, int(b.nesting)),
                min_items=b.min_items,
                max_items=b.max_items,
            )
            for name, b in blk.blocks.items()
        ],
        description=_describe(blk.description, blk.deprecation_message),
        description_kind=_MARKDOWN,
        deprecated=bool(blk.deprecation_message),
    )
    if blk.deprecation_message and "deprecation_message" in _BLOCK_FIELDS:
        cast(Any, msg).deprecation_message = blk.deprecation_message
    return msg


def schema_to_proto(schema: Schema) -> Any:
    return pb.Schema(version=schema.version, block=block_to_proto(schema.block))


def _parameter_to_proto(p: Parameter) -> Any:
    return pb.Function.Parameter(
        name=p.name,
        type=cty.type_to_json(p.type),
        allow_null_value=p.allow_null,
        allow_unknown_values=p.allow_unknown,
        description=p.description,
        description_kind=_MARKDOWN,
    )


def function_to_proto(fn: type[Function]) -> Any:
    msg = pb.Function(
        parameters=[_parameter_to_proto(p) for p in fn.parameters],
        summary=fn.summary,
        description=fn.description,
        description_kind=_MARKDOWN,
        deprecation_message=fn.deprecation_message,
    )
    getattr(msg, "return").CopyFrom(pb.Function.Return(type=cty.type_to_json(fn.return_type)))
    if fn.variadic is not None:
        msg.variadic_parameter.CopyFrom(_parameter_to_proto(fn.variadic))
    return msg


def path_to_proto(path: Any) -> Any:
    steps = []
    for step in path:
        if isinstance(step, cty.AttrStep):
            steps.append(pb.AttributePath.Step(attribute_name=step.name))
        elif isinstance(step, cty.IndexStep):
            steps.append(pb.AttributePath.Step(element_key_int=step.index))
        else:
            steps.append(pb.AttributePath.Step(element_key_string=step.key))
    return pb.AttributePath(steps=steps)


def path_from_proto(msg: Any) -> Any:
    path = cty.AttributePath()
    for step in msg.steps:
        which = step.WhichOneof("selector")
        if which == "attribute_name":
            path = path.attr(step.attribute_name)
        elif which == "element_key_int":
            path = path.index(step.element_key_int)
        else:
            path = path.key(step.element_key_string)
    return path


def diagnostics_to_proto(diags: Iterable[Diagnostic]) -> list[Any]:
    out = []
    for d in diags:
        msg = pb.Diagnostic(
            severity=pb.Diagnostic.ERROR if d.severity == Severity.ERROR else pb.Diagnostic.WARNING,
            summary=d.summary,
            detail=d.detail,
        )
        if d.path:
            msg.attribute.CopyFrom(path_to_proto(d.path))
        out.append(msg)
    return out


def dynamic_value(value: Any, ty: Any) -> Any:
    return pb.DynamicValue(msgpack=cty.encode_msgpack(value, ty))


def decode(dv: Any, ty: Any) -> Any:
    if dv is None:
        return None
    return cty.decode_dynamic_value(dv.msgpack, dv.json, ty)
