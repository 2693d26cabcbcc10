"""The ``testprov`` provider: things, links between them, a lookup data source and a function."""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from tfprovider import cty
from tfprovider.framework import (
    LIST,
    SET,
    Attribute,
    Block,
    ConfigureResponse,
    DataSource,
    Function,
    FunctionError,
    NestedAttribute,
    Parameter,
    Provider,
    Request,
    Resource,
    Response,
    Schema,
    composite_id,
    in_range,
    length,
    one_of,
    regex,
    requires_replace,
    timeouts_block,
    use_state_for_unknown,
)

ADDRESS = "example.com/test/testprov"
SCHEMA_VERSION = int(os.environ.get("TESTPROV_SCHEMA_VERSION", "1"))


class Device:
    """A JSON file holding objects by kind and id; every write replaces the file atomically."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def get(self, kind: str, id_: str) -> dict[str, Any] | None:
        return self.load().get(kind, {}).get(id_)

    def put(self, kind: str, id_: str, obj: dict[str, Any] | None) -> None:
        data = self.load()
        table = data.setdefault(kind, {})
        if obj is None:
            table.pop(id_, None)
        else:
            table[id_] = obj
        tmp = f"{self.path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def _num(v: Any) -> Any:
    return int(v) if v is not None and int(v) == v else v


# --- testprov_thing -----------------------------------------------------------------------

_name_attr = "name" if SCHEMA_VERSION >= 1 else "label"

THING_SCHEMA = Schema(
    {
        "id": Attribute(cty.String, computed=True, description="`zone/name`.", plan_modifiers=[use_state_for_unknown()]),
        _name_attr: Attribute(cty.String, required=True, validators=[regex(r"[a-z][a-z0-9-]*", "must be lower-case letters, digits and dashes"), length(1, 32)]),
        "zone": Attribute(
            cty.String, optional=True, computed=True, default="a", validators=[one_of("a", "b", "c")],
            plan_modifiers=[requires_replace()], description="Changing it re-creates the thing.",
        ),
        "size": Attribute(cty.Number, optional=True, validators=[in_range(1, 100)]),
        "tags": Attribute(cty.Map(cty.String), optional=True),
        "password": Attribute(cty.String, optional=True, sensitive=True),
        "secret_wo": Attribute(cty.String, optional=True, write_only=True, description="Sent to the device, never stored."),
        "secret_digest": Attribute(cty.String, computed=True, description="SHA-256 of the last secret_wo sent."),
        "serial": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
        "revision": Attribute(cty.Number, computed=True),
        "ports": NestedAttribute(
            SET,
            {
                "number": Attribute(cty.Number, required=True, validators=[in_range(1, 65535)]),
                "protocol": Attribute(cty.String, optional=True, computed=True, default="tcp", validators=[one_of("tcp", "udp")]),
            },
            optional=True,
        ),
    },
    {
        "rule": Block(
            LIST,
            {
                "action": Attribute(cty.String, required=True, validators=[one_of("allow", "deny")]),
                "priority": Attribute(cty.Number, optional=True, validators=[in_range(0, 1000)]),
                "label": Attribute(cty.String, computed=True),
            },
            {"match": Block(SET, {"cidr": Attribute(cty.String, required=True)})},
            max_items=8,
        ),
        "timeouts": timeouts_block("create", "delete"),
    },
    version=SCHEMA_VERSION,
    description="A thing on the test device.",
)

_STORED = ("name", "zone", "size", "tags", "password", "ports", "rule", "secret_digest", "serial", "revision")


def _upgrade_v0(state: dict) -> dict:
    state = dict(state)
    state["name"] = state.pop("label", None)
    return state


class Thing(Resource):
    type_name = "testprov_thing"
    schema = THING_SCHEMA
    upgraders = {0: _upgrade_v0}
    import_id = composite_id("zone", _name_attr)

    def _to_state(self, obj: dict, prior: dict | None = None) -> dict:
        state = {k: obj.get(k) for k in _STORED}
        if SCHEMA_VERSION < 1:
            state["label"] = state.pop("name")
        state["id"] = f"{obj['zone']}/{obj['name']}"
        for k in ("size", "revision"):
            state[k] = _num(state[k])
        state["ports"] = None if state["ports"] is None else [{**p, "number": _num(p["number"])} for p in state["ports"]]
        state["rule"] = [{**r, "priority": _num(r.get("priority"))} for r in (state["rule"] or [])]
        state["timeouts"] = (prior or {}).get("timeouts")
        return state

    def _to_device(self, plan: dict, config: dict, revision: int) -> dict:
        obj = {k: plan.get(k) for k in _STORED if k in plan}
        if SCHEMA_VERSION < 1:
            obj["name"] = plan["label"]
        secret = config.get("secret_wo")
        obj["secret_digest"] = hashlib.sha256(secret.encode()).hexdigest() if secret else None
        obj["rule"] = [
            {**r, "label": f"{r['action']}-{i}"} for i, r in enumerate(plan.get("rule") or [])
        ]
        obj["revision"] = revision
        return obj

    async def create(self, req: Request, resp: Response) -> None:
        dev: Device = self.provider_data
        name = req.plan[_name_attr]
        if name == "explode":
            resp.state = {**req.plan, "id": f"{req.plan['zone']}/{name}"}
            raise RuntimeError("device refused the second half of the create")
        obj = self._to_device(req.plan, req.config, revision=1)
        obj["serial"] = hashlib.sha1(f"{req.plan['zone']}/{name}".encode()).hexdigest()[:12]
        dev.put("things", f"{obj['zone']}/{obj['name']}", obj)
        resp.state = self._to_state(obj, req.plan)

    async def read(self, req: Request, resp: Response) -> None:
        dev: Device = self.provider_data
        obj = dev.get("things", req.state["id"]) if req.state.get("id") else None
        if obj is None and req.state.get("zone") and req.state.get(_name_attr):  # after import
            obj = dev.get("things", f"{req.state['zone']}/{req.state[_name_attr]}")
        resp.state = None if obj is None else self._to_state(obj, req.state)
        resp.private = {**req.private, "reads": int(req.private.get("reads", 0)) + 1}

    async def update(self, req: Request, resp: Response) -> None:
        dev: Device = self.provider_data
        prior = dev.get("things", req.state["id"]) or {}
        obj = self._to_device(req.plan, req.config, revision=int(prior.get("revision") or 0) + 1)
        obj["serial"] = prior.get("serial")
        if req.config.get("secret_wo") is None:
            obj["secret_digest"] = prior.get("secret_digest")
        dev.put("things", req.state["id"], obj)
        resp.state = self._to_state(obj, req.plan)

    async def delete(self, req: Request, resp: Response) -> None:
        self.provider_data.put("things", req.state["id"], None)


# --- testprov_link: consumes a value unknown at plan time -----------------------------------


class Link(Resource):
    type_name = "testprov_link"
    schema = Schema(
        {
            "id": Attribute(cty.String, computed=True, plan_modifiers=[use_state_for_unknown()]),
            "thing_id": Attribute(cty.String, required=True, plan_modifiers=[requires_replace()]),
            "thing_serial": Attribute(cty.String, required=True),
            "note": Attribute(cty.String, optional=True),
        }
    )
    import_id = "id"

    async def create(self, req: Request, resp: Response) -> None:
        dev: Device = self.provider_data
        if dev.get("things", req.plan["thing_id"]) is None:
            resp.diagnostics.add_attribute_error(
                cty.AttributePath().attr("thing_id"), "Thing Not Found", f"No thing {req.plan['thing_id']!r}."
            )
            return
        obj = {**req.plan, "id": f"link-{req.plan['thing_id']}"}
        dev.put("links", obj["id"], obj)
        resp.state = obj

    async def read(self, req: Request, resp: Response) -> None:
        obj = self.provider_data.get("links", req.state["id"])
        resp.state = obj

    async def update(self, req: Request, resp: Response) -> None:
        self.provider_data.put("links", req.state["id"], req.plan)

    async def delete(self, req: Request, resp: Response) -> None:
        self.provider_data.put("links", req.state["id"], None)


# --- data source and function ---------------------------------------------------------------


class ThingLookup(DataSource):
    type_name = "testprov_thing"
    schema = Schema(
        {
            "id": Attribute(cty.String, required=True),
            "serial": Attribute(cty.String, computed=True),
            "tags": Attribute(cty.Map(cty.String), computed=True),
            "port_numbers": Attribute(cty.List(cty.Number), computed=True),
        }
    )

    async def read(self, req: Request, resp: Response) -> None:
        obj = self.provider_data.get("things", req.config["id"])
        if obj is None:
            resp.diagnostics.add_attribute_error(cty.AttributePath().attr("id"), "Thing Not Found", f"No thing {req.config['id']!r}.")
            return
        ports = sorted(_num(p["number"]) for p in obj.get("ports") or [])
        resp.state = {"id": req.config["id"], "serial": obj["serial"], "tags": obj.get("tags") or {}, "port_numbers": ports}


class ParseId(Function):
    name = "parse_id"
    summary = "Split a thing id into zone and name."
    parameters = [Parameter("id", cty.String, description="A `zone/name` id.")]
    return_type = cty.Object({"zone": cty.String, "name": cty.String})

    async def run(self, id_: str) -> Any:
        zone, sep, name = id_.partition("/")
        if not sep or not zone or not name:
            raise FunctionError(f'expected "zone/name", got {id_!r}', argument=0)
        return {"zone": zone, "name": name}


class TestProvider(Provider):
    type_name = "testprov"
    schema = Schema(
        {
            "device_path": Attribute(cty.String, optional=True, description="JSON file holding the device state (or TESTPROV_DEVICE)."),
            "token": Attribute(cty.String, optional=True, sensitive=True),
        }
    )
    resources = [Thing, Link]
    data_sources = [ThingLookup]
    functions = [ParseId]

    async def configure(self, config: dict, resp: ConfigureResponse) -> None:
        path = config.get("device_path") or os.environ.get("TESTPROV_DEVICE")
        if not path:
            resp.diagnostics.add_attribute_error(
                cty.AttributePath().attr("device_path"), "Missing Device Path", "Set device_path or TESTPROV_DEVICE."
            )
            return
        resp.data = Device(path)


def make_servicer() -> Any:
    from tfprovider.framework import make_server

    return make_server(TestProvider())
