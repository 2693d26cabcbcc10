"""Resource framework for tfplugin6 providers written in Python.

Declare a :class:`Provider` with a :class:`Schema`, list its :class:`Resource`,
:class:`DataSource` and :class:`Function` classes, and serve ``ProviderServer(provider)``.
The framework knows nothing about any particular device. See :mod:`.resource` for a
complete example of a resource module.
"""
from tfprovider.framework.diag import Diagnostic, Diagnostics, Severity
from tfprovider.framework.planmodifiers import (
    PlanModifier,
    PlanModifierRequest,
    requires_replace,
    requires_replace_if,
    use_state_for_unknown,
)
from tfprovider.framework.resource import (
    CompositeId,
    ConfigureResponse,
    DataSource,
    Function,
    FunctionError,
    Parameter,
    Provider,
    Request,
    Resource,
    Response,
    composite_id,
)
from tfprovider.framework.schema import (
    GROUP,
    LIST,
    MAP,
    SET,
    SINGLE,
    Attribute,
    Block,
    NestedAttribute,
    Nesting,
    Schema,
    SchemaError,
    parse_duration,
    timeout,
    timeouts_block,
)
from tfprovider.framework.validators import (
    Validator,
    ValidatorRequest,
    also_requires,
    at_least_one_of,
    conflicts_with,
    custom,
    duration,
    exactly_one_of,
    in_range,
    int_range,
    length,
    one_of,
    regex,
    whole_number,
)


def make_server(provider: Provider):  # noqa: ANN201 - imports protobuf lazily
    """The tfplugin6 servicer for ``provider`` (imports the generated code on first use)."""
    from tfprovider.framework.server import ProviderServer

    return ProviderServer(provider)


__all__ = [
    "Diagnostic", "Diagnostics", "Severity",
    "PlanModifier", "PlanModifierRequest", "requires_replace", "requires_replace_if", "use_state_for_unknown",
    "CompositeId", "ConfigureResponse", "DataSource", "Function", "FunctionError", "Parameter", "Provider",
    "Request", "Resource", "Response", "composite_id",
    "SINGLE", "LIST", "SET", "MAP", "GROUP", "Attribute", "Block", "NestedAttribute", "Nesting", "Schema",
    "SchemaError", "parse_duration", "timeout", "timeouts_block",
    "Validator", "ValidatorRequest", "also_requires", "at_least_one_of", "conflicts_with", "custom", "duration",
    "exactly_one_of", "in_range", "int_range", "length", "one_of", "regex", "whole_number",
    "make_server",
]
