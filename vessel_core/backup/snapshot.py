"""A whole-chassis snapshot in the seed's layout (``vessel snapshot``)::

    <root>/<UTC stamp>/
        hmm/redfish.json           every resource of the HMM's Redfish service (readout)
        hmm/smmget.txt             every data item the HMM CLI's smmget is known to answer, for
                                   the chassis, each switch slot and each present blade, one
                                   section a command (readout; an item that fails is in the
                                   manifest as not captured)
        hmm/accounts.json          the HMM accounts (no password: it is never read back)
        hmm/settings/<kind>.json   one per HMM web scope (its capture: what restore writes back)
        switches/swi<N>.cfg        the running configuration (its capture)
        switches/swi<N>.startup.cfg  the saved (startup) configuration (readout)
        ibmc/blade<N>.json         the blade's binding and power state (its capture) and the
                                   iBMC's Redfish or CLI readout
        manifest.yaml              who, when, SHA-256 of every file, the parts, what was not
                                   captured and why, the volatile fields of each readout

No file holds a secret: readouts have every secret-looking key's value replaced, and every
file is scrubbed of the session's passwords (a file that needed it is named in the manifest).
Device requests are bounded by the number of scopes, plus the Redfish readouts (one request
per Redfish resource) and the smmget readout (a fixed number of commands per switch slot and
present blade).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from vessel_core.backup.parts import Part, discover
from vessel_core.errors import redact
from vessel_core.safety.audit import default_actor, redact_evidence

if TYPE_CHECKING:
    from vessel_core.safety.snapshot import Snapshot, SnapshotStore
    from vessel_core.session import Session

#: JSON keys whose values change by themselves (sensor readings, clocks): not compared
VOLATILE_KEYS = ("DateTime", "DateTimeLocalOffset", "PowerConsumedWatts", "AverageConsumedWatts",
                 "MaxConsumedWatts", "MinConsumedWatts", "ReadingCelsius", "Reading", "ReadingRPM",
                 "ReadingVolts", "LastPowerOutputWatts", "PowerOutputWatts", "PowerInputWatts", "Oem",
                 "@odata.etag", "Uptime", "StartTime", "EndTime", "TaskState", "PercentComplete",
                 "power_state", "health", "Status", "PowerState", "speed_rpm", "output_w")
#: files that are readouts (never restored); the others are scope captures
READOUTS = ("hmm/redfish.json", "hmm/smmget.txt", "switches/*.startup.cfg")
#: Redfish paths never read: sessions (their ids are credentials), schemas and metadata
SKIP_PATHS = ("/SessionService/Sessions", "/$metadata", "/JsonSchemas", "/odata", "/TaskService/Tasks")
MAX_REDFISH_DOCS = 2000


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def _links(doc: Any) -> list[str]:
    out: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "@odata.id" and isinstance(v, str):
                out.append(v.split("#")[0])
            else:
                out.extend(_links(v))
    elif isinstance(doc, list):
        for v in doc:
            out.extend(_links(v))
    return out


async def redfish_dump(client: Any, root: str = "/redfish/v1") -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Every resource reachable from ``root`` (breadth first, each read once), secret-looking
    values replaced; plus the resources that could not be read."""
    docs: dict[str, Any] = {}
    failed: list[dict[str, str]] = []
    queue, seen = deque([root]), {root}
    while queue and len(docs) < MAX_REDFISH_DOCS:
        path = queue.popleft()
        try:
            doc = await client.get_json(path)
        except Exception as exc:  # noqa: BLE001 - a resource that answers an error is reported
            failed.append({"what": path, "why": str(exc) or type(exc).__name__})
            continue
        docs[path] = redact_evidence(doc)
        for link in _links(doc):
            link = link.rstrip("/")
            if link.startswith(root) and link not in seen and not any(s in link for s in SKIP_PATHS):
                seen.add(link)
                queue.append(link)
    return docs, failed


async def _capture(part: Part) -> dict[str, bytes | str]:
    return await part.scope.capture()


async def _blade_readout(session: "Session", slot: int) -> dict[str, Any]:
    ch = session.chassis
    state = (await ch.blade.get(slot)).model_dump(mode="json")
    if not await ch.blade.has_redfish(slot):
        return {"via": "cli", "state": state}
    rf = await ch.ibmc_redfish(slot)
    docs: dict[str, Any] = {}
    for path in (f"/redfish/v1/Systems/Blade{slot}", f"/redfish/v1/Systems/Blade{slot}/Bios",
                 f"/redfish/v1/Managers/Blade{slot}"):
        try:
            docs[path] = redact_evidence(await rf.get_json(path))
        except Exception as exc:  # noqa: BLE001
            docs[path] = {"error": str(exc) or type(exc).__name__}
    return {"via": "redfish", "state": state, "redfish": docs}


async def smmget_readout(cli: Any, blade_slots: list[int]) -> tuple[str, list[dict[str, str]]]:
    """Every known ``smmget`` data item (:data:`~vessel_core.drivers.ssh.hmm.SMMGET_ITEMS`): the
    chassis', each switch slot's (the others after a ``presence`` that answers present) and each
    present blade's, as ``## <command>`` sections; plus the commands that failed, with why."""
    from vessel_core.drivers.ssh.hmm import PRESENT_RE, SMMGET_ITEMS

    sections: list[str] = []
    failed: list[dict[str, str]] = []

    async def one(item: str, location: str | None) -> str | None:
        cmd = "smmget " + (f"-l {location} " if location else "") + f"-d {item}"
        try:
            text = await cli.smmget(item, location=location)
        except Exception as exc:  # noqa: BLE001 - an item this HMM does not answer is reported
            failed.append({"what": f"hmm/smmget.txt {cmd}", "why": " ".join((str(exc) or type(exc).__name__).split())})
            return None
        sections.append(f"## {cmd}\n{text.rstrip()}\n")
        return text

    for item in SMMGET_ITEMS["smm"]:
        await one(item, None)
    for kind, slots in (("swi", [1, 2, 3, 4]), ("blade", blade_slots)):
        first, *rest = SMMGET_ITEMS[kind]
        for n in slots:
            if PRESENT_RE.search(await one(first, f"{kind}{n}") or ""):
                for item in rest:
                    await one(item, f"{kind}{n}")
    return "\n".join(sections), failed


class Capture:
    """What :func:`collect` gathered: files, parts, what failed, request-free bookkeeping."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.parts: list[Part] = []
        self.missing: list[dict[str, str]] = []
        self.redacted: list[str] = []
        self.captures: dict[str, dict[str, bytes | str]] = {}  #: part id -> its capture

    def add(self, path: str, text: str, secrets: list[str]) -> None:
        clean = redact(text, secrets) if any(s and s in text for s in secrets) else text
        if clean != text:
            self.redacted.append(path)
        self.files[path] = clean


async def collect(session: "Session", *, selectors: list[str] | None = None, readouts: bool = True) -> Capture:
    """Capture the selected parts (every part by default) and, with ``readouts``, the HMM
    Redfish dump, the switches' startup configurations and each iBMC's readout."""
    out = Capture()
    secrets = session.settings.secrets()
    parts, missing = await discover(session)
    out.missing.extend(missing)
    parts = [p for p in parts if p.selected(selectors or [])]

    async def one(part: Part) -> None:
        try:
            files = await _capture(part)
        except Exception as exc:  # noqa: BLE001 - reported in the manifest, the rest goes on
            out.missing.append({"what": part.id, "why": str(exc) or type(exc).__name__})
            return
        out.parts.append(part)
        out.captures[part.id] = files
        if part.group == "blade":
            return
        for name, path in part.files.items():
            raw = files[name]
            out.add(path, raw.decode() if isinstance(raw, bytes) else raw, secrets)

    await asyncio.gather(*(one(p) for p in parts))
    out.parts.sort(key=lambda p: p.id)
    if readouts:
        await _readouts(session, out, secrets)
    for part in out.parts:  # the blade files: the capture beside the readout
        if part.group == "blade":
            path = part.files["blade.json"]
            readout = out.files.pop(path, None)
            doc = {"slot": int(part.id.split(":")[1]),
                   "binding": json.loads(out.captures[part.id]["blade.json"]),
                   **({"ibmc": json.loads(readout)} if readout else {})}
            out.add(path, _dumps(doc), secrets)
    return out


async def _readouts(session: "Session", out: Capture, secrets: list[str]) -> None:
    ch = session.chassis

    async def hmm_redfish() -> None:
        try:
            docs, failed = await redfish_dump(await ch.hmm_redfish())
        except Exception as exc:  # noqa: BLE001
            out.missing.append({"what": "hmm/redfish.json", "why": str(exc) or type(exc).__name__})
            return
        out.missing.extend({"what": f"hmm/redfish.json {f['what']}", "why": f["why"]} for f in failed)
        out.add("hmm/redfish.json", _dumps(docs), secrets)

    async def smmget() -> None:
        try:
            text, failed = await smmget_readout(await ch.hmm_cli(),
                                                sorted(int(p.id.split(":")[1]) for p in out.parts if p.group == "blade"))
        except Exception as exc:  # noqa: BLE001
            out.missing.append({"what": "hmm/smmget.txt", "why": str(exc) or type(exc).__name__})
            return
        out.missing.extend(failed)
        if text:
            out.add("hmm/smmget.txt", text, secrets)

    async def startup(part: Part) -> None:
        slot = part.scope.slot  # type: ignore[attr-defined]
        try:
            text = await part.scope.cli.run("display saved-configuration")  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            out.missing.append({"what": f"switches/swi{slot}.startup.cfg", "why": str(exc) or type(exc).__name__})
            return
        out.add(f"switches/swi{slot}.startup.cfg", text if text.endswith("\n") else text + "\n", secrets)

    async def ibmc(part: Part) -> None:
        slot = int(part.id.split(":")[1])
        try:
            out.files[part.files["blade.json"]] = _dumps(await _blade_readout(session, slot))
        except Exception as exc:  # noqa: BLE001
            out.missing.append({"what": f"ibmc/blade{slot}.json readout", "why": str(exc) or type(exc).__name__})

    await asyncio.gather(hmm_redfish(), smmget(), *(startup(p) for p in out.parts if p.group == "switch"),
                         *(ibmc(p) for p in out.parts if p.group == "blade"))


def part_entries(parts: list[Part]) -> list[dict[str, Any]]:
    return [{"id": p.id, "group": p.group, "kind": p.scope.kind, "target": p.scope.target, "files": dict(p.files),
             "read_only": sorted(p.read_only)} for p in parts]


async def take(session: "Session", store: "SnapshotStore", *, selectors: list[str] | None = None,
               tool: str = "vessel snapshot") -> tuple["Snapshot", Capture]:
    """Capture the chassis and write it to ``store`` (one folder, its manifest last)."""
    started = time.monotonic()
    cap = await collect(session, selectors=selectors)
    serial = await session.chassis_serial()
    meta = {
        "tool": tool,
        "chassis": {"serial_number": serial, "endpoint": session.settings.host},
        "parts": part_entries(cap.parts),
        "not_captured": sorted(cap.missing, key=lambda m: m["what"]),
        "redacted": sorted(cap.redacted),
        "readouts": list(READOUTS),
        "volatile_keys": list(VOLATILE_KEYS),
        "duration_s": round(time.monotonic() - started, 3),
    }
    snap = await asyncio.to_thread(store.create, scope="chassis", target=serial, files=dict(cap.files),
                                   actor=default_actor(session.settings.provider_alias), meta=meta)
    return snap, cap


def store_at(root: str) -> "SnapshotStore":
    """The snapshot store in folder ``root`` (what front ends open; they know no safety module)."""
    from vessel_core.safety.snapshot import SnapshotStore

    return SnapshotStore(root)
