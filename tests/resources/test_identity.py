"""Every managed resource type offers an identity (Terraform 1.12+): the chassis serial plus key
attributes that exist in its schema, so an identity is always computable from a state."""
from __future__ import annotations

import pytest

from tfprovider.vessel.provider import VesselProvider

RESOURCES = VesselProvider(environ={}).resources


@pytest.mark.parametrize("cls", RESOURCES, ids=lambda c: c.type_name)
def test_identity_is_the_chassis_serial_and_schema_keys(cls):
    ident = cls.identity
    assert ident is not None, f"{cls.type_name} has no identity"
    keys = [n for n in ident.attributes if n != "chassis_serial"]
    assert "chassis_serial" in ident.attributes and keys
    assert not ident.attributes["chassis_serial"].required_for_import
    for name in keys:
        assert name in cls.schema.attributes, f"{cls.type_name}: identity key {name!r} is not an attribute"
        assert ident.attributes[name].type == cls.schema.attributes[name].type
