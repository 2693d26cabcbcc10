"""Text consoles of the emulated blades, rendered into BGR233 framebuffers.

The screen is chosen from the chassis state: powered off → the "No Signal" screen the KVM shows
while the host sends no video (the iBMC itself runs on standby power); power-on in progress →
POST; powered on → BIOS setup (boot override BiosSetup), an installer (boot override Cd with a
CD image inserted) or a login prompt. A per-blade ``console`` attribute, when the state model
carries one, overrides the choice (``"post" | "setup" | "installer" | "login" | "off"``).
Colours are BGR233 values, so the RGB a client sees is exactly known.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vessel_core.drivers.kvm.codecs.oldrle import bgr233_to_rgb

# BGR233 colours: bits 7..6 blue, 5..3 green, 2..0 red.
BLACK, WHITE, GREY, BLUE, YELLOW, CYAN, RED = 0x00, 0xFF, 0xAD, 0x80, 0x3F, 0xF8, 0x07

CONSOLES = ("off", "post", "setup", "installer", "login")


@dataclass(frozen=True)
class Screen:
    kind: str
    width: int
    height: int
    lines: tuple[tuple[str, int], ...]        # (text, BGR233 colour)
    background: int


@lru_cache(maxsize=1)
def _font() -> Any:
    loader = getattr(ImageFont, "load_default_imagefont", None)
    return loader() if loader is not None else ImageFont.load_default()


def console_kind(blade: Any) -> str:
    explicit = getattr(blade, "console", None)
    if explicit in CONSOLES:
        return explicit
    pending = getattr(blade, "pending_power", None)
    if blade.power_state != "On":
        return "post" if pending is not None and pending.state == "On" else "off"
    target = getattr(getattr(blade, "boot", None), "target", "None")
    if target == "BiosSetup":
        return "setup"
    vm = getattr(blade, "virtual_media", {}) or {}
    cd = vm.get("CD")
    if target == "Cd" and cd is not None and cd.inserted:
        return "installer"
    return "login"


def describe(blade: Any, slot: int) -> Screen:
    kind = console_kind(blade)
    bios = getattr(getattr(blade, "firmware", None), "bios", "?")
    model = getattr(blade, "model", "") or "blade"
    name = (getattr(blade, "name", "") or f"slot{slot}").lower()
    if kind == "off":
        return Screen(kind, 800, 600, (("No Signal", WHITE), (f"Blade {slot} is powered off", GREY)), BLACK)
    if kind in ("post", "setup"):
        lines = [("Huawei Technologies Co., Ltd.", WHITE),
                 (f"{model} Server Node   Slot {slot}", WHITE),
                 (f"BIOS Version : {bios}", YELLOW),
                 (f"CPUs: {getattr(blade, 'cpu_count', 2)}   Memory: {getattr(blade, 'memory_gib', 0)} GB", GREY),
                 ("", GREY)]
        lines.append(("Entering Setup ..." if kind == "setup" else
                      "Press DEL to enter Setup, F11 for Boot Menu, F12 for PXE", CYAN))
        return Screen(kind, 1024, 768, tuple(lines), BLUE if kind == "setup" else BLACK)
    if kind == "installer":
        image = getattr(getattr(blade, "virtual_media", {}).get("CD"), "image", None) or "cdrom"
        return Screen(kind, 1024, 768, (
            ("Installer", WHITE), (f"Booting from virtual CD: {image}", GREY),
            ("", GREY), ("  Install", YELLOW), ("  Rescue a broken system", GREY),
            ("  Boot from local drive", GREY)), BLUE)
    return Screen(kind, 720, 400, (
        (f"Linux 6.1.0 ({name}) (tty1)", GREY), ("", GREY),
        (f"{name} login: _", WHITE)), BLACK)


def render(screen: Screen) -> np.ndarray:
    """BGR233 framebuffer (height × width) of ``screen``: bitmap font, no anti-aliasing."""
    palette = sorted({c for _, c in screen.lines} | {screen.background})
    index = {c: i for i, c in enumerate(palette)}
    img = Image.new("L", (screen.width, screen.height), index[screen.background])
    draw = ImageDraw.Draw(img)
    draw.fontmode = "1"
    font = _font()
    y = 16
    for text, colour in screen.lines:
        if text:
            draw.text((16, y), text, fill=index[colour], font=font)
        y += 16
    lut = np.asarray(palette + [0] * (256 - len(palette)), dtype=np.uint8)
    return lut[np.asarray(img)]


def render_rgb(screen: Screen) -> np.ndarray:
    return bgr233_to_rgb(render(screen))
