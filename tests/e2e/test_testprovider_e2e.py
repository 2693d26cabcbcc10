"""The real terraform binary against the framework's test provider."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.e2e

MAIN = """
provider "testprov" {}

resource "testprov_thing" "a" {
  name     = "web"
  tags     = { env = "dev", team = "ops" }
  password = "hunter2-very-secret"
  ports    = [{ number = 80 }, { number = 53, protocol = "udp" }]
  rule {
    action = "allow"
    match { cidr = "10.0.0.0/8" }
    match { cidr = "192.168.0.0/16" }
  }
  rule {
    action   = "deny"
    priority = 10
  }
}

resource "testprov_link" "l" {
  thing_id     = testprov_thing.a.id
  thing_serial = testprov_thing.a.serial
}

data "testprov_thing" "d" {
  id = testprov_link.l.thing_id
}

output "parsed" { value = provider::testprov::parse_id(testprov_thing.a.id) }
output "ports" { value = data.testprov_thing.d.port_numbers }
"""


def test_lifecycle_through_dev_overrides(ws):
    ws.write(MAIN)
    out = ws.tf("validate").stdout
    assert "The configuration is valid" in out
    plan = ws.tf("plan").stdout
    assert "thing_id     = (known after apply)" in plan  # unknown flows from thing into link
    assert "password      = (sensitive value)" in plan and "hunter2" not in plan
    log = ws.root / "trace.log"
    apply = ws.tf("apply", "-auto-approve", env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(log)})
    assert "Resources: 2 added" in apply.stdout and "hunter2" not in apply.stdout + apply.stderr
    trace = log.read_text()
    assert "provider.terraform-provider-testprov" in trace and "hunter2" not in trace
    outputs = json.loads(ws.tf("output", "-json").stdout)
    assert outputs["parsed"]["value"] == {"zone": "a", "name": "web"} and outputs["ports"]["value"] == [53, 80]
    ws.assert_no_changes()

    # update in place: id and serial stay known, revision recomputed
    ws.write(MAIN.replace('team = "ops"', 'team = "noc"'))
    plan = ws.tf("plan").stdout
    assert "1 to change, 0 to destroy" in plan and "~ revision" in plan and "~ serial" not in plan
    ws.tf("apply", "-auto-approve")
    assert json.loads(ws.device.read_text())["things"]["a/web"]["revision"] == 2
    ws.assert_no_changes()

    # requires-replace attribute
    ws.write(MAIN.replace('name     = "web"', 'name     = "web"\n  zone     = "b"'))
    plan = ws.tf("plan").stdout
    assert '~ zone          = "a" -> "b" # forces replacement' in plan
    ws.tf("apply", "-auto-approve")
    assert list(json.loads(ws.device.read_text())["things"]) == ["b/web"]
    ws.assert_no_changes()

    ws.tf("destroy", "-auto-approve")
    dev = json.loads(ws.device.read_text())
    assert dev["things"] == {} and dev["links"] == {}


def test_validate_points_at_the_attribute(ws):
    ws.write(
        """
        provider "testprov" {}

        resource "testprov_thing" "bad" {
          name = "ok"
          zone = "z"
          rule {
            action = "maybe"
          }
        }
        """
    )
    p = ws.tf("validate", expect=1)
    err = p.stderr
    zone_line = next(i for i, text in enumerate((ws.dir / "main.tf").read_text().splitlines(), 1) if "zone =" in text)
    assert f"on main.tf line {zone_line}, in resource \"testprov_thing\" \"bad\"" in err
    assert 'value must be one of: "a", "b", "c", got: "z"' in err
    assert "rule[0].action" in err


def test_install_from_filesystem_mirror(ws):
    ws.use_filesystem_mirror()
    ws.write(
        """
        provider "testprov" {}
        resource "testprov_thing" "m" {
          name = "mirrored"
          ports = [{ number = 22 }]
        }
        """
    )
    init = ws.tf("init")
    assert "Installing example.com/test/testprov v0.1.0" in init.stdout
    lock = (ws.dir / ".terraform.lock.hcl").read_text()
    assert re.search(r'"h1:[A-Za-z0-9+/]+=*"', lock)
    ws.tf("apply", "-auto-approve")
    ws.assert_no_changes()
    ws.tf("destroy", "-auto-approve")


def _seed_device(ws):
    obj = {
        "name": "db", "zone": "c", "size": 7, "tags": {"role": "db"}, "password": None,
        "ports": [{"number": 5432, "protocol": "tcp"}], "rule": [{"action": "deny", "priority": 5, "label": "deny-0", "match": []}],
        "secret_digest": None, "serial": "0123456789ab", "revision": 4,
    }
    ws.device.write_text(json.dumps({"things": {"c/db": obj}}))


def test_import_command_and_import_block_with_generated_config(ws):
    _seed_device(ws)
    ws.write(
        """
        provider "testprov" {}
        resource "testprov_thing" "db" {
          name  = "db"
          zone  = "c"
          size  = 7
          tags  = { role = "db" }
          ports = [{ number = 5432 }]
          rule {
            action   = "deny"
            priority = 5
          }
        }
        """
    )
    bad = ws.tf("import", "testprov_thing.db", "db", expect=1)
    assert 'Expected an import identifier of the form "<zone>/<name>", got: "db"' in bad.stderr
    ws.tf("import", "testprov_thing.db", "c/db")
    ws.assert_no_changes()

    (ws.dir / "main.tf").unlink()
    (ws.dir / "terraform.tfstate").unlink()
    ws.write(
        """
        provider "testprov" {}
        import {
          to = testprov_thing.gen
          id = "c/db"
        }
        """
    )
    plan = ws.tf("plan", "-generate-config-out=generated.tf").stdout
    assert "1 to import, 0 to add, 0 to change, 0 to destroy" in plan
    generated = (ws.dir / "generated.tf").read_text()
    assert 'resource "testprov_thing" "gen"' in generated and "5432" in generated
    ws.tf("apply", "-auto-approve")
    ws.assert_no_changes()


def test_state_written_by_schema_version_0_is_upgraded(ws):
    old = {"TESTPROV_SCHEMA_VERSION": "0"}
    ws.write('provider "testprov" {}\nresource "testprov_thing" "u" {\n  label = "legacy"\n  size = 3\n}\n')
    ws.tf("apply", "-auto-approve", env=old)
    state = json.loads((ws.dir / "terraform.tfstate").read_text())
    assert state["resources"][0]["instances"][0]["schema_version"] == 0
    ws.write('provider "testprov" {}\nresource "testprov_thing" "u" {\n  name = "legacy"\n  size = 3\n}\n')
    ws.assert_no_changes()
    ws.tf("apply", "-auto-approve", "-refresh-only")
    inst = json.loads((ws.dir / "terraform.tfstate").read_text())["resources"][0]["instances"][0]
    assert inst["schema_version"] == 1 and inst["attributes"]["name"] == "legacy" and "label" not in inst["attributes"]
