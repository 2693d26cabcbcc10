"""``data "vessel_kvm_screenshot"`` through the real terraform binary against the emulator."""
from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image

from vessel_core.drivers.kvm.codecs.oldrle import bgr233_to_rgb
from vessel_core.drivers.kvm.codecs.tiled import TiledDecoder, TiledEncoder

pytestmark = pytest.mark.e2e

JPEG_MIN_PSNR = 30.0     # dB: the tiled codec's JPEG tiles at the emulator's level 7 (Q70)
GRPC_DEFAULT_LIMIT = 4 << 20   # what a Python gRPC server accepts unless raised


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def png_pixels(data: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB"))


SHOTS = {  # name: (slot, power, encoding_hint)
    "on_rle": (1, "On", "oldrle"),
    "off_rle": (2, "Off", "oldrle"),
    "on_tiled": (3, "On", "tiled"),
    "off_tiled": (4, "Off", "tiled"),
}


def shots_tf(with_time: bool = False) -> str:
    out = []
    for name, (slot, _, hint) in SHOTS.items():
        out.append(f"""
data "vessel_kvm_screenshot" "{name}" {{
  slot          = {slot}
  encoding_hint = "{hint}"
  timeout       = "20s"
  path          = "${{path.module}}/{name}.png"
}}
output "{name}" {{
  value = {{
    width = data.vessel_kvm_screenshot.{name}.width, height = data.vessel_kvm_screenshot.{name}.height,
    sha256 = data.vessel_kvm_screenshot.{name}.sha256, encoding = data.vessel_kvm_screenshot.{name}.encoding,
    blade_powered = data.vessel_kvm_screenshot.{name}.blade_powered
  }}
}}
""")
    out.append('output "on_rle_png" { value = data.vessel_kvm_screenshot.on_rle.png_base64 }\n')
    if with_time:
        out.append('output "on_rle_at" { value = data.vessel_kvm_screenshot.on_rle.captured_at }\n')
    return "".join(out)


def test_apply_writes_pngs_matching_the_framebuffers(ws, chassis):
    chassis.set_power(**{f"s{slot}": power for slot, power, _ in SHOTS.values()})
    ws.write(shots_tf())
    before = chassis.web_logins()
    log = ws.root / "trace.log"
    apply = ws.tf("apply", "-auto-approve", env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(log)})
    new_logins = chassis.web_logins() - before
    # four screenshots read concurrently in one provider process share ONE web login
    assert len(new_logins) == 1, new_logins

    outputs = json.loads(ws.tf("output", "-json").stdout)
    for name, (slot, power, hint) in SHOTS.items():
        ref = chassis.framebuffer_rgb(slot)
        data = (ws.dir / f"{name}.png").read_bytes()
        got = png_pixels(data)
        out = outputs[name]["value"]
        assert out["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert (out["width"], out["height"]) == (ref.shape[1], ref.shape[0]) == (got.shape[1], got.shape[0]), name
        assert out["encoding"] == hint and out["blade_powered"] is (power == "On"), (name, out)
        assert len(np.unique(ref.reshape(-1, 3), axis=0)) >= 2, name          # text on screen
        if hint == "oldrle":
            assert np.array_equal(got, ref), f"{name}: OldRLE screenshot differs from the framebuffer"
        else:
            assert psnr(got, ref) >= JPEG_MIN_PSNR, f"{name}: PSNR {psnr(got, ref):.1f} dB"
    assert base64.b64decode(outputs["on_rle_png"]["value"]) == (ws.dir / "on_rle.png").read_bytes()

    # no secret in the trace or the CLI output: password, web session id, CSRF token
    sess = chassis.call(lambda emu: next(s for s in emu.web_sessions.logged_in() if s.sessid in new_logins))
    trace = log.read_text()
    assert "ReadDataSource" in trace and "vessel_kvm_screenshot" in trace
    for secret in (chassis.info["hmm"]["password"], sess.sessid, sess.csrf):
        assert secret not in trace and secret not in apply.stdout + apply.stderr


def test_second_plan_is_empty_until_the_screen_changes(ws, chassis):
    """Data sources are read on every plan. With outputs that depend only on the picture, a plan
    of an unchanged chassis has nothing to do (exit 0); when the blade's screen changes, the
    re-read shows up as output changes (exit 2). An output of ``captured_at`` would change on
    every plan: that is checked too, so the first assertion is not vacuous."""
    chassis.set_power(s1="On", s2="Off", s3="On", s4="Off")
    ws.write(shots_tf())
    ws.tf("apply", "-auto-approve")
    plan = ws.tf("plan", "-detailed-exitcode", expect=(0, 2))
    assert plan.returncode == 0, f"second plan is not empty:\n{plan.stdout}"
    assert "No changes" in plan.stdout

    chassis.set_power(s1="Off")
    plan = ws.tf("plan", "-detailed-exitcode", expect=2)
    assert "Changes to Outputs" in plan.stdout and "blade_powered = true -> false" in plan.stdout

    ws.write(shots_tf(with_time=True))
    ws.tf("apply", "-auto-approve")
    at = json.loads(ws.tf("output", "-json").stdout)["on_rle_at"]["value"]
    parsed = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - parsed).total_seconds()) < 120
    plan = ws.tf("plan", "-detailed-exitcode", expect=2)
    assert "on_rle_at" in plan.stdout and "blade_powered" not in plan.stdout


def test_empty_slot_is_a_diagnostic_on_slot(ws):
    ws.write("""
data "vessel_kvm_screenshot" "nothing" {
  slot = 5
}
""")
    p = ws.tf("plan", expect=1)
    assert "Empty Blade Slot" in p.stderr and "no blade in slot 5" in p.stderr
    assert f'on main.tf line {ws.line_of("slot = 5")}, in data "vessel_kvm_screenshot" "nothing"' in p.stderr


def test_invalid_inputs_name_the_attribute(ws):
    ws.write("""
data "vessel_kvm_screenshot" "bad" {
  slot          = 17
  encoding_hint = "jpeg"
  timeout       = "soon"
}
data "vessel_kvm_screenshot" "frac" {
  slot    = 1.5
  timeout = "0s"
}
""")
    err = " ".join(ws.tf("validate", expect=1).stderr.split())     # terraform wraps long lines
    for needle in ("slot          = 17", 'encoding_hint = "jpeg"', 'timeout       = "soon"', "slot    = 1.5", 'timeout = "0s"'):
        assert f"on main.tf line {ws.line_of(needle)}, in data" in err, needle
    assert "slot value must be a whole number between 1 and 16, got: 17" in err
    assert 'encoding_hint value must be one of: "auto", "oldrle", "tiled", got: "jpeg"' in err
    assert "invalid duration 'soon'" in err and "must be longer than zero" in err
    assert "slot value must be a whole number between 1 and 16, got: 1.5" in err


def test_refusals_are_clear_and_leak_nothing(ws, chassis):
    shot = """
data "vessel_kvm_screenshot" "s" {
  slot    = 1
  timeout = "%s"
}
"""
    chassis.set_power(s1="On")
    ws.write(shot % "20s", password='"Wrong-Guess-1234"')
    p = ws.tf("plan", expect=1)
    err = " ".join(p.stderr.split())
    assert "KVM Login Refused" in err and "Wrong-Guess-1234" not in p.stdout + p.stderr

    ws.write(shot % "20s", ca_cert="null", cert_fingerprint='"' + "ab" * 32 + '"')
    p = ws.tf("plan", expect=1)
    err = " ".join(p.stderr.split())
    assert "Chassis Certificate Not Trusted" in err and "matches no configured pin" in err

    ws.write(shot % "1ms")
    p = ws.tf("plan", expect=1)
    err = " ".join(p.stderr.split())
    assert "Screenshot Timed Out" in err and "within 0.001 s" in err
    assert f"on main.tf line {ws.line_of('timeout = ')}" in err

    holder = object()
    chassis.call(lambda emu: emu.kvm_server.sessions.__setitem__(1, holder))   # another viewer
    try:
        ws.write(shot % "20s")
        p = ws.tf("plan", expect=1)
    finally:
        chassis.call(lambda emu: emu.kvm_server.sessions.pop(1, None))
    err = " ".join(p.stderr.split())
    # The chassis answers CONNECT_STATE busy and closes gracefully (FIN, then drains the
    # client's pending frames), so the refusal is read, never a connection reset.
    assert "KVM Session In Use" in err, err
    assert "slot = 1: " in err and "another viewer holds the blade" in err


def test_1280x1024_png_larger_than_4_mib_round_trips(ws, chassis):
    """A full-colour 1280x1024 console (noise through the JPEG tiles) gives a PNG whose base64
    exceeds gRPC's 4 MiB default: the provider's raised limit (256 MiB) carries it, and terraform
    stores it intact. The reference is the same key frame through the codec in this process."""
    noise = np.random.default_rng(7).integers(0, 256, (1024, 1280), dtype=np.uint8)
    chassis.set_power(s8="On")

    def patch(emu):
        srv = emu.kvm_server
        original = srv.framebuffer
        srv.framebuffer = lambda slot: noise if slot == 8 else original(slot)
        return srv.level

    level = chassis.call(patch)
    try:
        ws.write("""
data "vessel_kvm_screenshot" "big" {
  slot          = 8
  encoding_hint = "tiled"
  timeout       = "60s"
}
output "png" { value = data.vessel_kvm_screenshot.big.png_base64 }
output "sha256" { value = data.vessel_kvm_screenshot.big.sha256 }
""")
        ws.tf("apply", "-auto-approve")
    finally:
        chassis.call(lambda emu: emu.kvm_server.__dict__.pop("framebuffer", None))
    outputs = json.loads(ws.tf("output", "-json").stdout)
    b64 = outputs["png"]["value"]
    assert len(b64) > GRPC_DEFAULT_LIMIT
    data = base64.b64decode(b64)
    assert hashlib.sha256(data).hexdigest() == outputs["sha256"]["value"]
    got = png_pixels(data)
    ref = TiledDecoder().decode(b"\x00" + TiledEncoder(level).encode(bgr233_to_rgb(noise), key_frame=True), 1280, 1024, level)
    assert got.shape == (1024, 1280, 3) and np.array_equal(got, ref)
