"""HMM web API, System Mgmt → Upgrade: firmware upload, apply, progress, cancel
(``smmupgradehandler``)."""
from __future__ import annotations

import hashlib
import re
import time

from aiohttp import BodyPartReader, web

from vessel_core.sim.hmm._common import OK, Call, _bad, _FieldError, _guard, _int, verb
from vessel_core.sim.httpcommon import xml_el, xml_fields, xml_response, xml_result
from vessel_core.sim.images import HEADER_MAX, PAGE_KIND, read_header
from vessel_core.sim.state import ChassisState, UpgradeTarget, UploadedImage

UPLOAD_PAGES = {"/system_manage_smm.html": "smm", "/system_manage_swi.html": "swi",
                "/system_manage_blade.html": "blade"}


KIND_HINTS = (("smm", ("smm", "mm910", "hmm")), ("swi", ("cx310", "swi", "switch")),
              ("blade", ("ch121", "ch222", "bios", "imana", "ibmc", "blade", "cpld")))


MAX_UPLOAD = 256 * 1024 * 1024


def image_kind(filename: str) -> str | None:
    """[INF] Which component an image is for, from its file name (no .hpm parsing)."""
    low = filename.lower()
    for kind, hints in KIND_HINTS:
        if any(h in low for h in hints):
            return kind
    return None


def image_version(filename: str) -> str:
    """[INF] The version an image installs: the last ``N.NN`` in its name, else ``9.99``."""
    found = re.findall(r"(\d+\.\d+)", filename)
    return found[-1] if found else "9.99"


@verb("smmupgradehandler", "upload")
async def upgrade_upload(call: Call) -> web.StreamResponse:
    """Multipart ``uploadfile``; the Referer page must match the image's kind (else HTTP 400,
    empty body [HW])."""
    page_kind = UPLOAD_PAGES.get(call.referer_path())
    if page_kind is None:
        return web.Response(status=400)
    reader = await call.request.multipart()
    filename, size, digest, head = None, 0, hashlib.sha256(), b""
    async for part in reader:
        if part is None:  # never: __anext__ stops at None, but its annotation keeps Optional
            continue
        if isinstance(part, BodyPartReader) and part.name == "uploadfile":
            filename = part.filename or "image.hpm"
            while chunk := await part.read_chunk():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return _bad("The file is too large.", 11)
                digest.update(chunk)
                if len(head) < HEADER_MAX:
                    head += chunk[: HEADER_MAX - len(head)]
        else:
            await part.release()
    if filename is None:
        return _bad("Parameter uploadfile is missing.")
    header = read_header(head)  # [INF] sim/images.py: the header decides over the file name
    kind = PAGE_KIND[header["component"]] if header else image_kind(filename) or page_kind
    if kind != page_kind:
        return web.Response(status=400)
    if any(not t.applied for t in call.emulator.state.upgrade.targets):
        return _bad("An upgrade is in progress.", 12)
    call.emulator.state.upgrade.uploaded = UploadedImage(
        filename=filename, size=size, kind=kind, sha256=digest.hexdigest(),
        component=header["component"] if header else "", version=header["version"] if header else "")
    call.emulator.state.upgrade.targets = []
    call.emulator.changed()
    return xml_result()


def _bladelist(call: Call, kind: str) -> list[str]:
    raw = call.arg("bladelist").strip()
    if raw in ("bothsmm", "smm", "othersmm"):  # [INF] one module alone: smm (active), othersmm
        if kind != "smm":
            raise _FieldError(f"Parameter bladelist: {raw} needs an SMM image.")
        return ["smm", "othersmm"] if raw == "bothsmm" else [raw]
    if not raw:
        raise _FieldError("Parameter bladelist is empty.")
    if not raw.endswith(";"):
        raise _FieldError("Parameter bladelist: every <name>:fru<id> token must end with ';'.")
    names = []
    st = call.emulator.state
    for tok in raw[:-1].split(";"):
        m = re.match(r"^(Slot(\d+)|Swi(\d)):fru([01])$", tok)
        if not m:
            raise _FieldError(f"Parameter bladelist: {tok!r} is not Slot<N>:fru<id> or Swi<N>:fru<id>.")
        if m.group(2):
            if kind != "blade":
                raise _FieldError(f"Parameter bladelist: {tok} does not match the uploaded {kind} image.")
            b = st.present_blade(int(m.group(2)))
            if b is None:
                raise _FieldError(f"Parameter bladelist: Slot{m.group(2)} is not present.")
        else:
            if kind != "swi":
                raise _FieldError(f"Parameter bladelist: {tok} does not match the uploaded {kind} image.")
            sw = st.switches.get(int(m.group(3)))
            if sw is None or not sw.present:
                raise _FieldError(f"Parameter bladelist: Swi{m.group(3)} is not present.")
        names.append(tok)
    return names


@verb("smmupgradehandler", "update")
@_guard
async def upgrade_update(call: Call) -> web.StreamResponse:
    up = call.emulator.state.upgrade
    if up.uploaded is None:
        return _bad("No upgrade file has been uploaded.", 13)
    if any(not t.applied for t in up.targets):
        return _bad("An upgrade is in progress.", 12)
    names = _bladelist(call, up.uploaded.kind)
    st, faults, timing = call.emulator.state, call.emulator.faults, call.emulator.timing
    component = up.uploaded.component
    if component in ("bios", "cpld"):
        # [INF] host firmware is written with the host off (the new image runs at its next boot)
        for n in names:
            b = st.present_blade(int(n.split(":")[0][4:]))
            if b is not None and b.power_state != "Off":
                return _bad(f"Parameter bladelist: {n.split(':')[0]} must be powered off for a "
                            f"{component.upper()} upgrade.", 15)
    now = time.time()
    version = up.uploaded.version or image_version(up.uploaded.filename)
    targets = []
    kind = {"smm": "hmm", "swi": "switch"}.get(up.uploaded.kind) or component or next(
        (c for c in ("bios", "cpld") if c in up.uploaded.filename.lower()), "ibmc")
    for n in names:
        # this flash replaces what a rollback would go back to (a failed one leaves nothing to undo)
        key = _fault_key(st, n)
        up.previous.pop(f"{key if key.startswith('HMM') else n.split(':')[0]}/{kind}", None)
        outcome = faults.firmware_flash_targets.get(key, faults.firmware_flash)
        targets.append(UpgradeTarget(
            name=n, started=now, duration_s=timing.flash_duration(outcome),
            outcome="ok" if outcome == "slow" else outcome, new_version=version, component=component,
            reboot_s=timing.switch_reboot_s if n.startswith("Swi") else 0.0))
    up.targets = targets
    call.emulator.changed()
    return xml_result()


def _fault_key(st: ChassisState, name: str) -> str:
    """The per-target fault key of a bladelist name: ``Slot3``, ``Swi2``, ``HMM1``."""
    if name == "smm":
        return st.active_mm().name
    if name == "othersmm":
        return st.standby_mm().name
    return name.split(":")[0]


@verb("smmupgradehandler", "rollback")
@_guard
async def upgrade_rollback(call: Call) -> web.StreamResponse:
    """[INF] ``bladelist`` (``othersmm``/``smm`` or ``Slot3:fru0;Swi2:fru0;``) and ``component``
    (hmm, switch, ibmc, bios, cpld): each target goes back to the image it ran before its last
    flash (the iBMC to its backup slot, the others to the previous image the HMM kept), at once.
    The sheets record no such verb; a GUI's "roll back" exists on later MM generations."""
    st = call.emulator.state
    up = st.upgrade
    if any(not t.applied for t in up.targets):
        return _bad("An upgrade is in progress.", 12)
    component = call.arg("component")
    if component not in PAGE_KIND:
        raise _FieldError(f"Parameter component: {component!r} is not one of {', '.join(PAGE_KIND)}.")
    names = _bladelist(call, PAGE_KIND[component])
    for n in names:
        key = _fault_key(st, n)
        st.rollback_target(key if key.startswith("HMM") else n.split(":")[0], component)
    call.emulator.changed()
    return xml_result()


FAIL_DESP = {"fail": "Upgrade failed: the image verification failed.",
             "brick": "Upgrade failed: the component does not respond."}


@verb("smmupgradehandler", "get")
async def upgrade_get(call: Call) -> web.StreamResponse:
    now = time.time()
    blades = []
    for t in call.emulator.state.upgrade.targets:
        frac = 1.0 if t.duration_s <= 0 else min(1.0, (now - t.started) / t.duration_s)
        if t.outcome == "ok" and t.applied and now < t.started + t.duration_s + t.reboot_s:
            # [INF] a switch reboots into the new image: not finished until it is back
            progress, retcode, desp, pdesp = 99, 0, OK, "Rebooting..."
        elif t.outcome == "ok":
            progress = 100 if t.applied else min(99, int(frac * 100))
            retcode, desp = 0, OK
            pdesp = "Done" if t.applied else "Upgrading..."
        else:
            progress = min(60, int(frac * 60))
            retcode, desp = (0, OK) if not t.applied else (1 if t.outcome == "fail" else 2, FAIL_DESP[t.outcome])
            pdesp = "Upgrading..." if not t.applied else "Failed"
        blades.append(xml_el("blade", attrs={"name": t.name}, children=xml_fields({
            "retcode": retcode, "desp": desp, "progress": progress, "progressdesp": pdesp})))
    if not blades:
        return xml_response("<upgrade/>")
    return xml_response(xml_el("upgrade", children=blades))


@verb("smmupgradehandler", "delete")
async def upgrade_delete(call: Call) -> web.StreamResponse:
    """Cancel what has not finished and drop the uploaded image."""
    up = call.emulator.state.upgrade
    up.uploaded = None
    up.targets = []
    call.emulator.changed()
    return xml_result()


@verb("smmupgradehandler", "checkupgrade")
@_guard
async def upgrade_check(call: Call) -> web.StreamResponse:
    st = call.emulator.state
    which = _int(call, "smmtype", lo=1, hi=2)
    mm = st.mms[which]
    if not mm.present or mm.health == "Critical":
        return _bad(f"SMM{which} is not ready for an upgrade.", 14)
    if any(not t.applied for t in st.upgrade.targets):
        return _bad("An upgrade is in progress.", 12)
    return xml_result()
