"""hclog JSON lines as go-plugin parses them."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tfprovider.plugin import log as plog

# Go layout 2006-01-02T15:04:05.000000Z07:00
GO_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    old_level, old_handlers = root.level, list(root.handlers)
    handler = plog.configure(level=plog.TRACE, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for h in old_handlers:
        if h not in root.handlers:
            root.addHandler(h)


def entries(stream: io.StringIO) -> list[dict]:
    lines = stream.getvalue().splitlines()
    return [json.loads(line) for line in lines]


def test_entry_shape(captured):
    log = plog.get_logger("vlan", tf_resource_type="vessel_vlan")
    log.info("created VLAN %d", 10, extra={"vlan_id": 10})
    (e,) = entries(captured)
    assert e["@level"] == "info"
    assert e["@message"] == "created VLAN 10"
    assert e["@module"] == "provider.vlan"
    assert GO_TIMESTAMP.match(e["@timestamp"]), e["@timestamp"]
    assert e["tf_resource_type"] == "vessel_vlan" and e["vlan_id"] == 10


def test_levels_and_multiline_messages(captured):
    log = plog.get_logger().with_fields(tf_rpc="PlanResourceChange")
    log.trace("t")
    log.debug("d")
    log.warning("w\nsecond line")
    log.error("e")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    got = entries(captured)  # one JSON object per physical line, even for multi-line text
    assert [e["@level"] for e in got] == ["trace", "debug", "warn", "error", "error"]
    assert got[0]["@module"] == "provider" and got[0]["tf_rpc"] == "PlanResourceChange"
    assert got[2]["@message"] == "w\nsecond line"
    assert "ValueError: boom" in got[4]["error"]


def test_plain_stdlib_loggers_are_formatted_too(captured):
    logging.getLogger("vessel_core.something").warning("hello", extra={"obj": object()})
    (e,) = entries(captured)
    assert e["@module"] == "vessel_core.something" and e["@level"] == "warn"
    assert isinstance(e["obj"], str)


@pytest.mark.parametrize("env,level", [
    ({}, logging.WARNING),
    ({"TF_LOG": "DEBUG"}, logging.DEBUG),
    ({"TF_LOG": "json"}, plog.TRACE),
    ({"TF_LOG": "1"}, plog.TRACE),
    ({"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "ERROR"}, logging.ERROR),
    ({"TF_LOG_PROVIDER": "OFF", "TF_LOG": "TRACE"}, plog.OFF),
    ({"TF_LOG_PROVIDER": "", "TF_LOG": "info"}, logging.INFO),
    ({"TF_LOG": "WARN"}, logging.WARNING),
])
def test_level_from_env(env, level):
    assert plog.level_from_env(env) == level


def test_off_suppresses_everything():
    stream = io.StringIO()
    old_level = logging.getLogger().level
    handler = plog.configure(level=plog.OFF, stream=stream)
    try:
        plog.get_logger("x").error("nope")
        logging.getLogger("y").critical("nope")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(old_level)
    assert stream.getvalue() == ""


def test_timestamp_offset_format():
    ts = plog.hclog_timestamp(1_700_000_000.123456)
    assert GO_TIMESTAMP.match(ts)
    assert ".123456" in ts
