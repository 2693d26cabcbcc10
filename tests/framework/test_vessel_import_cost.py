"""Start-up cost of the vessel provider: what a process that serves schemas, validation and
create plans imports. Terraform starts the provider 3 times per plan and 4 per apply; only
the processes that reach a device need the SSH stack, the VRP parsers or the HTTP clients."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: loaded only when a resource reaches a device (or never, for this provider's own code path)
HEAVY = ("asyncssh", "ntc_templates", "textfsm", "numpy", "PIL", "httpx", "pydantic", "yaml",
         "vessel_core.drivers.ssh.session", "vessel_core.drivers.vrp.cli", "vessel_core.switchops.service",
         "vessel_core.safety.guard")

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    from tfprovider import cty
    from tfprovider.protocol import tfplugin6_pb2 as pb
    import tfprovider.vessel.provider as vp

    async def main():
        s = vp.make_servicer()
        schema = await s.GetProviderSchema(pb.GetProviderSchema.Request(), None)
        assert "vessel_vlan" in schema.resource_schemas, list(schema.resource_schemas)
        ty = s.resources["vessel_vlan"].schema.cty_type
        cfg = {**s.resources["vessel_vlan"].schema.null_value(), "switch": "2X", "vlan_id": 10, "name": "ten"}
        dv = pb.DynamicValue(msgpack=cty.encode_msgpack(cfg, ty))
        v = await s.ValidateResourceConfig(pb.ValidateResourceConfig.Request(type_name="vessel_vlan", config=dv), None)
        assert not v.diagnostics, v.diagnostics
        p = await s.PlanResourceChange(pb.PlanResourceChange.Request(
            type_name="vessel_vlan", prior_state=pb.DynamicValue(msgpack=cty.encode_msgpack(None, ty)),
            proposed_new_state=dv, config=dv), None)
        assert not p.diagnostics, p.diagnostics

    asyncio.run(main())
    print(json.dumps(sorted(sys.modules)))
""")


def _modules_after(script: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_schema_validate_and_plan_load_no_device_stack():
    loaded = _modules_after(SCRIPT)
    assert "tfprovider.vessel.resources.vlan" in loaded  # the script did build the real servicer
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
    assert heavy == []


@pytest.mark.parametrize("package, name, module", [
    ("vessel_core.switchops", "SwitchOps", "vessel_core.switchops.service"),
    ("vessel_core.switchops", "Change", "vessel_core.switchops.plan"),
    ("vessel_core.drivers.ssh", "HostKeyPolicy", "vessel_core.drivers.ssh.hostkeys"),
    ("vessel_core.drivers.ssh", "CliShell", "vessel_core.drivers.ssh.session"),
    ("vessel_core.drivers.vrp", "VrpCli", "vessel_core.drivers.vrp.cli"),
    ("vessel_core.safety", "Guard", "vessel_core.safety.guard"),
])
def test_package_names_import_on_first_use(package, name, module):
    script = textwrap.dedent(f"""
        import importlib, json, sys
        pkg = importlib.import_module({package!r})
        before = {module!r} in sys.modules
        assert {name!r} in dir(pkg) and {name!r} in pkg.__all__
        from {package} import {name} as value
        assert value is getattr(importlib.import_module({module!r}), {name!r})
        print(json.dumps(before))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) is False


def test_unknown_package_name_is_an_attribute_error():
    import vessel_core.switchops as ops

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ops.Nope  # noqa: B018


def test_vrp_parse_stays_the_function_after_its_submodule_loads():
    script = textwrap.dedent("""
        import vessel_core.switchops.model as m
        m.parse_view("vlan batch 10\\n#\\n")  # loads vessel_core.drivers.vrp.parse lazily
        import types
        from vessel_core.drivers.vrp import parse
        assert isinstance(parse, types.FunctionType), parse
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
