"""What the easyLink profile resources share: the name (the key and the id) and the VLAN set."""
from __future__ import annotations

from tfprovider import cty
from tfprovider.framework import Attribute, requires_replace, use_state_for_unknown


def profile_attrs(what: str) -> dict[str, Attribute]:
    """``id``, ``name``, ``vlans`` and ``description`` of an easyLink ``what`` profile."""
    return {
        "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()],
                        description=f"The {what} profile's name, known at plan time; also the import ID."),
        "name": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()],
                          description="1-15 letters, digits or `_`, not starting with `_`. "
                                      "Changing it replaces the profile."),
        "vlans": Attribute(cty.Set(cty.Number), optional=True, computed=True, default=[],
                           description=f"VLAN IDs (1-4094, at most 64) the {what} carries (default none)."),
        "description": Attribute(cty.String, optional=True, computed=True, default="",
                                 description="Free text, up to 64 characters (default empty)."),
    }

