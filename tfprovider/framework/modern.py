"""Protocol features only newer clients use: resource identity (Terraform 1.12+, OpenTofu 1.13+),
list resources and ``terraform query`` (Terraform 1.14+), actions (Terraform 1.14+).

Each is offered, never required: a client that does not know a feature never calls its RPCs
(Terraform 1.11 and OpenTofu do not send ``GetResourceIdentitySchemas``, ``ListResource`` or
``PlanAction``), so declaring them changes nothing for older clients.

* :class:`Identity` on ``Resource.identity``: the permanent key of an object (``switch`` +
  ``vlan_id``, a chassis serial), stored by Terraform next to the state and usable in
  ``import { identity = {...} }``. ``Resource.identity_of(state)`` computes it (default: the
  state's attributes of the same names); ``Resource.import_identity`` turns one into a state.
* :class:`ListResource`: ``list "<type>" "<name>" { config { ... } }`` in a ``.tfquery.hcl``
  file; ``list`` yields :class:`Found` objects (identity, display name, optional full state).
* :class:`Action`: ``action "<type>" "<name>" { config { ... } }``, run by
  ``terraform apply -invoke=action.<type>.<name>`` or an ``action_trigger``; ``invoke`` reports
  progress lines and diagnostics, and changes no state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, ClassVar, Mapping

from tfprovider import cty
from tfprovider.framework.diag import Diagnostics
from tfprovider.framework.schema import Schema


@dataclass(frozen=True)
class IdentityAttribute:
    type: Any
    description: str = ""
    #: import by identity needs it (else the provider can supply it: optional for import)
    required_for_import: bool = True


class Identity:
    """The identity schema of a resource type: named primitive attributes and a version."""

    def __init__(self, attributes: Mapping[str, IdentityAttribute], version: int = 0) -> None:
        if not attributes:
            raise ValueError("an identity needs at least one attribute")
        self.attributes = dict(attributes)
        self.version = version
        self.cty_type = cty.Object({n: a.type for n, a in self.attributes.items()})

    def complete(self, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """``values`` as an identity object, or None when a required one is missing or unknown."""
        out = {n: values.get(n) for n in self.attributes}
        for n, a in self.attributes.items():
            v = out[n]
            if not cty.is_known(v) or (v is None and a.required_for_import):
                return None
        return out


@dataclass
class Found:
    """One object a list resource found."""

    identity: dict[str, Any]
    display_name: str
    #: the resource's full state (sent when Terraform asks for resource objects)
    state: dict[str, Any] | None = None


@dataclass
class ListRequest:
    config: Any
    include_resource_object: bool = False
    limit: int = 0


class ListResource:
    """Lists the objects of one managed resource type (``type_name`` is that type's name)."""

    type_name: ClassVar[str] = ""
    schema: ClassVar[Schema] = Schema()

    def __init__(self) -> None:
        self.provider_data: Any = None

    def list(self, req: ListRequest, diags: Diagnostics) -> AsyncIterator[Found]:  # pragma: no cover - interface
        raise NotImplementedError

    def validate_config(self, config: Mapping[str, Any], diags: Diagnostics) -> None:
        """Optional cross-attribute checks of the ``config`` block."""


@dataclass
class ActionRequest:
    config: Any
    #: ``progress("...")`` prints a line in Terraform's output while the action runs
    progress: Callable[[str], None] = field(default=lambda line: None)


class Action:
    """An imperative operation (power-cycle, one-time boot, failover) Terraform can invoke."""

    type_name: ClassVar[str] = ""
    schema: ClassVar[Schema] = Schema()
    description: ClassVar[str] = ""

    def __init__(self) -> None:
        self.provider_data: Any = None

    async def plan(self, req: ActionRequest, diags: Diagnostics) -> None:
        """Optional: refuse (error diagnostics) or warn before the action runs."""

    async def invoke(self, req: ActionRequest, diags: Diagnostics) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def validate_config(self, config: Mapping[str, Any], diags: Diagnostics) -> None:
        """Optional cross-attribute checks."""


__all__ = ["Action", "ActionRequest", "Found", "Identity", "IdentityAttribute", "ListRequest", "ListResource"]
