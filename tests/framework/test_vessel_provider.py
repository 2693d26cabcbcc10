"""The vessel provider configuration: schema, env fallbacks, errors naming the attribute."""
from __future__ import annotations

import pytest

from tfprovider.framework import ConfigureResponse, Diagnostics, engine, lifecycle
from tfprovider.vessel.provider import SCHEMA, VesselProvider

FP = "AB:" * 31 + "CD"


async def configure(env=None, **values):
    p = VesselProvider(environ=env or {})
    config = {**SCHEMA.null_value(), **values}
    diags = Diagnostics()  # Terraform validates the block first (ValidateProviderConfig) ...
    engine.validate(SCHEMA.block, config, diags)
    if diags.has_error():
        resp = ConfigureResponse()
        resp.diagnostics.extend(diags)
        return resp
    return await lifecycle.configure(p, config)  # ... then configures with the env merged in


def errs(resp):
    return {str(d.path): d.detail for d in resp.diagnostics}


async def test_config_from_block_and_env(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    env = {"VESSEL_USERNAME": "root", "VESSEL_PASSWORD": "Huawei12#$", "VESSEL_CA_CERT": str(ca), "VESSEL_REQUEST_TIMEOUT": "5s"}
    resp = await configure(env, endpoint="https://127.0.0.1:8443", cert_fingerprint=FP)
    assert not resp.diagnostics
    c = resp.data.settings
    assert c.username == "root" and c.password == "Huawei12#$" and c.ca_cert_pem.startswith("-----BEGIN")
    assert c.cert_fingerprint == ("ab" * 31 + "cd") and c.request_timeout == 5 and c.watchdog_deadline == 120
    assert "Huawei12" not in repr(c) and "Huawei12" not in repr(resp.data)


async def test_configure_returns_a_session_closed_by_the_provider():
    from vessel_core.session import Session

    p = VesselProvider(environ={})
    resp = ConfigureResponse()
    await p.configure({**SCHEMA.null_value(), "endpoint": "10.0.0.1", "username": "root", "password": "x"}, resp)
    session = resp.data
    assert isinstance(session, Session) and p.sessions == [session]
    chassis = session.chassis                   # built lazily; nothing contacted yet
    await p.aclose()
    assert p.sessions == [] and session._closed and chassis._closed


async def test_insecure_with_fingerprint_names_attribute():
    # an environment value meets the attribute's own validators, and the message names the variable
    resp = await configure({"VESSEL_CERT_FINGERPRINT": FP}, endpoint="hmm", insecure=True)
    assert list(errs(resp)) == ["cert_fingerprint"] and errs(resp)["cert_fingerprint"].startswith("VESSEL_CERT_FINGERPRINT:")
    resp = await configure({"VESSEL_INSECURE": "true"}, endpoint="hmm", cert_fingerprint=FP)
    assert list(errs(resp)) == ["insecure"] and "VESSEL_INSECURE" in errs(resp)["insecure"]
    # the same conflict inside the block is caught at validate time already
    diags = Diagnostics()
    engine.validate(SCHEMA.block, {**SCHEMA.null_value(), "insecure": True, "cert_fingerprint": FP}, diags)
    assert [str(d.path) for d in diags] == ["cert_fingerprint"]


@pytest.mark.parametrize(
    "values,env,attr",
    [
        ({}, {}, "endpoint"),
        ({"ca_cert": "/nonexistent/ca.pem"}, {}, "ca_cert"),
        ({}, {"VESSEL_INSECURE": "perhaps"}, "insecure"),
        ({"request_timeout": "soon"}, {}, "request_timeout"),
        ({"ssh_host_key_fingerprint": "MD5:aa"}, {}, "ssh_host_key_fingerprint"),
        ({"ssh_known_hosts": "/nonexistent/known_hosts"}, {}, "ssh_known_hosts"),
        ({"endpoint": "10.0.0.1:99999"}, {}, "endpoint"),
        ({"endpoint": "https://hmm:0"}, {}, "endpoint"),
        ({}, {"VESSEL_ENDPOINT": "hmm.lab:70000"}, "endpoint"),
        ({}, {"VESSEL_SSH_PORT": "22.5"}, "ssh_port"),
        ({}, {"VESSEL_SSH_HOST_KEY_FINGERPRINT": "MD5:aa"}, "ssh_host_key_fingerprint"),
        ({}, {"VESSEL_WATCHDOG_DEADLINE": "soon"}, "watchdog_deadline"),
    ],
)
async def test_configuration_errors_name_the_attribute(values, env, attr):
    if attr != "endpoint":
        values = {"endpoint": "10.0.0.1", **values}
    resp = await configure(env, **values)
    assert list(errs(resp)) == [attr] and resp.data is None


async def test_unknown_config_defers_without_error():
    from tfprovider import cty

    resp = await configure({}, endpoint=cty.UNKNOWN)
    assert not resp.diagnostics and resp.data is None


def test_make_servicer_serves_the_schema():
    from tfprovider.vessel.provider import make_servicer

    s = make_servicer()
    attrs = {a.name: a for a in s._schema_proto().provider.block.attributes}
    assert attrs["password"].sensitive and attrs["insecure"].optional and "VESSEL_CA_CERT" in attrs["ca_cert"].description


def test_an_endpoint_port_out_of_range_is_refused_at_validate():
    diags = Diagnostics()
    engine.validate(SCHEMA.block, {**SCHEMA.null_value(), "endpoint": "10.0.0.1:99999"}, diags)
    assert [str(d.path) for d in diags] == ["endpoint"] and "1-65535" in diags[0].detail


async def test_exception_groups_become_the_errors_inside():
    from tfprovider.framework import lifecycle

    async def boom():
        raise ExceptionGroup("unhandled errors in a TaskGroup", [ValueError("port 99999"), KeyError("x")])

    diags = Diagnostics()
    await lifecycle.run(boom(), diags, "Read")
    assert [d.detail for d in diags] == ["ValueError: port 99999", "KeyError: 'x'"]
    assert not any("TaskGroup" in d.detail or "Traceback" in d.detail for d in diags)
