"""hclog-compatible JSON logging on stderr.

go-plugin reads the provider's stderr line by line; a line that is a JSON object with
``@level``, ``@message`` and an ``@timestamp`` in Go layout
``2006-01-02T15:04:05.000000Z07:00`` is re-logged by Terraform at that level under the
provider's name, with every other key shown as ``key=value``. The level comes from
``TF_LOG_PROVIDER``, falling back to ``TF_LOG`` (TRACE/DEBUG/INFO/WARN/ERROR/OFF/JSON).

Use::

    from tfprovider.plugin.log import get_logger
    log = get_logger("vlan", tf_resource_type="vessel_vlan")
    log.info("created VLAN", extra={"vlan_id": 10})
    log.trace("raw reply %s", body)

Never pass secrets in messages or extra keys (see vessel_core.errors.redact).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import IO, Any, Mapping

TRACE = 5
logging.addLevelName(TRACE, "TRACE")
OFF = logging.CRITICAL + 10

ROOT_MODULE = "provider"

_LEVELS = {
    "TRACE": TRACE,
    "JSON": TRACE,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "OFF": OFF,
}
_HCLOG_LEVEL = {TRACE: "trace", logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn"}

# attributes every LogRecord has; anything else on a record came from `extra`
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "hclog_module"}


def level_from_env(environ: Mapping[str, str] | None = None, default: int = logging.WARNING) -> int:
    """Provider log level: TF_LOG_PROVIDER, else TF_LOG; unset → ``default``.

    Like Terraform, any other non-empty value (e.g. ``TF_LOG=1``) means TRACE.
    """
    env = os.environ if environ is None else environ
    value = env.get("TF_LOG_PROVIDER") or env.get("TF_LOG") or ""
    value = value.strip().upper()
    if not value:
        return default
    return _LEVELS.get(value, TRACE)


def hclog_timestamp(created: float) -> str:
    """``2025-03-01T10:20:30.123456+01:00`` (local time, microseconds, numeric offset)."""
    lt = time.localtime(created)
    off = lt.tm_gmtoff or 0
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    micros = int((created - int(created)) * 1_000_000)
    return (
        f"{time.strftime('%Y-%m-%dT%H:%M:%S', lt)}.{micros:06d}"
        f"{sign}{off // 3600:02d}:{off % 3600 // 60:02d}"
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


class HclogJSONFormatter(logging.Formatter):
    """One hclog JSON object per record; extra record attributes become keys."""

    def format(self, record: logging.LogRecord) -> str:
        level = _HCLOG_LEVEL.get(record.levelno) if record.levelno < logging.ERROR else "error"
        if level is None:  # custom levels between the standard ones
            level = "trace" if record.levelno < logging.DEBUG else "debug" if record.levelno < logging.INFO else "info"
        entry: dict[str, Any] = {
            "@level": level,
            "@message": record.getMessage(),
            "@module": getattr(record, "hclog_module", None) or record.name,
            "@timestamp": hclog_timestamp(record.created),
        }
        if record.levelno >= logging.WARNING or record.levelno <= TRACE:
            entry["@caller"] = f"{record.pathname}:{record.lineno}"
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                entry[key] = _jsonable(value)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        # one physical line per entry, whatever the message contains
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class ProviderLogger(logging.LoggerAdapter):
    """stdlib LoggerAdapter that tags records with an hclog ``@module`` and fixed keys."""

    def __init__(self, logger: logging.Logger, module: str, fields: Mapping[str, Any]):
        super().__init__(logger, dict(fields))
        self.module = module

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        extra.update(kwargs.get("extra") or {})
        extra["hclog_module"] = self.module
        kwargs["extra"] = extra
        return msg, kwargs

    def trace(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(TRACE, msg, *args, **kwargs)

    def with_fields(self, **fields: Any) -> "ProviderLogger":
        """A child logger carrying additional fixed keys (e.g. ``tf_rpc``, ``tf_req_id``)."""
        merged = dict(self.extra or {})
        merged.update(fields)
        return ProviderLogger(self.logger, self.module, merged)


def get_logger(module: str = "", **fields: Any) -> ProviderLogger:
    """Logger whose records carry ``@module`` = ``provider`` or ``provider.<module>``.

    ``fields`` are added as keys to every entry (terraform-plugin-log names such as
    ``tf_rpc``, ``tf_resource_type``, ``tf_req_id`` are recognised by convention).
    """
    name = f"{ROOT_MODULE}.{module}" if module else ROOT_MODULE
    return ProviderLogger(logging.getLogger(f"tfprovider.{name}"), name, fields)


_handler: logging.Handler | None = None


def configure(level: int | None = None, stream: IO[str] | None = None) -> logging.Handler:
    """Send all logging (root logger) as hclog JSON lines to ``stream`` (stderr).

    Idempotent: a second call replaces the handler installed by the first.
    """
    global _handler
    if level is None:
        level = level_from_env()
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(HclogJSONFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    _handler = handler
    return handler
