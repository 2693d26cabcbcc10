"""Parsing of Huawei VRP ``display`` output, usable without a connection.

:func:`parse` is the one entry point: it normalises the command (``dis cu`` ->
``display current-configuration``), then uses the ntc-templates TextFSM template
for ``huawei_vrp`` where one exists, and a hand parser only where none does
(``display current-configuration``, ``display lldp neighbor brief``).

:func:`parse_vlans` and :func:`parse_running_config` return typed models with
more than the templates keep (ntc's ``display vlan`` keeps only the first port
group of each VLAN, so membership is read here).
"""
from __future__ import annotations

import functools
import re
from typing import Callable

from ntc_templates.parse import _get_template_dir, parse_output
from textfsm import TextFSMError, clitable

from vessel_core.errors import DeviceError, UnsupportedError, ValidationError
from vessel_core.models.vrp import (
    ConfigSection,
    InterfaceConfig,
    RunningConfig,
    Vlan,
    expand_vlan_list,
)

PLATFORM = "huawei_vrp"

# Full spellings of the commands Vessel issues or parses.  Abbreviations are
# expanded against this list the way VRP does: each typed word must be a
# prefix of the keyword at that position; words past the keywords are arguments.
CANONICAL_COMMANDS: tuple[str, ...] = (
    "display current-configuration",
    "display saved-configuration",
    "display vlan",
    "display vlan brief",
    "display interface",
    "display interface brief",
    "display interface description",
    "display port vlan",
    "display eth-trunk",
    "display lldp neighbor",
    "display lldp neighbor brief",
    "display mac-address",
    "display version",
    "display device",
    "display arp",
    "display arp all",
    "display startup",
    "display patch-information",
    "display temperature",
    "display ntp status",
    "display this",
    "system-view",
    "screen-length 0 temporary",
)


def normalise_command(command: str) -> str:
    """Expand a (possibly abbreviated) command to its full spelling.

    Unknown commands come back with whitespace collapsed.  An abbreviation that
    fits two commands equally well raises :class:`ValidationError`, as VRP would.
    """
    words = command.split()
    if not words:
        raise ValidationError("empty command", operation="parse")
    best: list[tuple[int, str]] = []
    for canon in CANONICAL_COMMANDS:
        kws = canon.split()
        if len(words) < len(kws):
            continue
        if all(kw.lower().startswith(w.lower()) for w, kw in zip(words, kws)):
            best.append((len(kws), canon))
    if not best:
        return " ".join(words)
    best.sort(reverse=True)
    top_len = best[0][0]
    tops = [c for n, c in best if n == top_len]
    if len(tops) > 1:
        raise ValidationError(f"ambiguous command {command!r}: could be {', '.join(sorted(tops))}",
                              operation=command)
    canon = tops[0]
    return " ".join([canon, *words[top_len:]])


# ---------------------------------------------------------------- hand parsers

def parse_config_sections(output: str) -> list[dict]:
    """``display current-configuration`` as top-level sections.

    Each section is ``{"section": <header line>, "lines": [<indented lines, stripped>]}``;
    ``#`` separators, ``!`` comments and the closing ``return`` are dropped.
    """
    sections: list[dict] = []
    current: dict | None = None
    for raw in output.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped == "#" or stripped.startswith("!"):
            if stripped == "#":
                current = None
            continue
        if line[0] in " \t":
            if current is None:  # indented line with no header: keep it, do not drop config
                current = {"section": "", "lines": []}
                sections.append(current)
            current["lines"].append(stripped)
            continue
        if stripped == "return":
            current = None
            continue
        current = {"section": stripped, "lines": []}
        sections.append(current)
    return sections


_LLDP_BRIEF_COLUMNS = {
    "local intf": "local_interface", "local interface": "local_interface",
    "exptime(s)": "exptime", "exptime": "exptime",
    "neighbor intf": "neighbor_interface", "neighbor interface": "neighbor_interface",
    "neighbor dev": "neighbor_device", "neighbor device": "neighbor_device",
}


def parse_lldp_neighbor_brief(output: str) -> list[dict]:
    """``display lldp neighbor brief`` in CE order or S-series order (no ntc template)."""
    rows: list[dict] = []
    cols: list[str] | None = None
    for line in output.splitlines():
        if not line.strip() or set(line.strip()) <= {"-"}:
            continue
        low = line.lower()
        if low.startswith("local"):
            # Column names contain single spaces; columns are separated by 2+ spaces.
            names = [n.strip() for n in re.split(r"\s{2,}|\s(?=Exptime)|(?<=\))\s", line.strip()) if n.strip()]
            cols = [_LLDP_BRIEF_COLUMNS.get(n.lower(), n.lower().replace(" ", "_")) for n in names]
            continue
        if cols is None:
            continue
        values = line.split()
        if len(values) < len(cols):
            continue
        # Device names may contain spaces only when last; join the overflow there.
        if len(values) > len(cols):
            values = values[:len(cols) - 1] + [" ".join(values[len(cols) - 1:])]
        rows.append(dict(zip(cols, values)))
    return rows


HAND_PARSERS: dict[str, Callable[[str], list[dict]]] = {
    "display current-configuration": parse_config_sections,
    "display saved-configuration": parse_config_sections,
    "display lldp neighbor brief": parse_lldp_neighbor_brief,
}


def parse(command: str, output: str) -> list[dict]:
    """Parse the output of a VRP ``display`` command into a list of row dicts.

    Raises :class:`UnsupportedError` when neither ntc-templates nor a hand
    parser knows the command.
    """
    canon = normalise_command(command)
    for name, fn in HAND_PARSERS.items():
        if canon == name or canon.startswith(name + " "):
            return fn(output)
    if not has_template(canon):
        raise UnsupportedError(f"no parser for VRP command {canon!r}", operation=command)
    try:
        return parse_output(platform=PLATFORM, command=canon, data=output)
    except (clitable.CliTableError, TextFSMError) as exc:
        raise DeviceError(f"output of {canon!r} not understood", operation=command,
                          device_message=str(exc)[:200]) from exc


@functools.lru_cache(maxsize=1)
def _ntc_command_patterns() -> list[re.Pattern[str]]:
    table = clitable.CliTable("index", _get_template_dir())
    return [row["Command"] for row in table.index.compiled if row["Platform"].match(PLATFORM)]


def has_template(command: str) -> bool:
    """True when an ntc-templates ``huawei_vrp`` template covers ``command`` as whole words.

    ntc's index matches a command by prefix, so ``display foo`` would otherwise
    select the ``d[[ir]]`` template; here the match must end at a word boundary.
    """
    for pat in _ntc_command_patterns():
        m = pat.match(command)
        if m and (m.end() == len(command) or command[m.end()].isspace()):
            return True
    return False


# ---------------------------------------------------------- typed, fuller reads

_PORT_RE = re.compile(r"(?:(UT|TG|MP|ST):\s*)?([A-Za-z0-9][\w\-./]*?)\(([A-Za-z*^]+)\)")


def parse_vlans(output: str) -> list[Vlan]:
    """``display vlan`` into :class:`Vlan` models with every port group.

    Handles the S-series layout (``VID Type Ports`` then ``VID Status Property
    MAC-LRN Statistics Description``) and the CE layout (``VID Ports`` then
    ``VID Type Status Property MAC-LRN STAT BC MC UC Description``): the table
    kind and its columns are read from each ``VID`` header line.
    """
    vlans: dict[int, Vlan] = {}
    table: str | None = None
    attr_cols: list[str] = []
    current: Vlan | None = None
    mode = ""

    def get(vid: int) -> Vlan:
        if vid not in vlans:
            vlans[vid] = Vlan(vid=vid)
        return vlans[vid]

    def add_ports(v: Vlan, text: str) -> str:
        nonlocal mode
        for m in _PORT_RE.finditer(text):
            if m.group(1):
                mode = m.group(1)
            port, state = m.group(2), m.group(3)
            if mode == "TG":
                v.tagged.append(port)
            elif mode == "UT":
                v.untagged.append(port)
            v.port_state[port] = state
        return mode

    for line in output.splitlines():
        stripped = line.strip()
        if not stripped or set(stripped) <= {"-"}:
            continue
        head = stripped.split()
        if head[0] == "VID":
            names = [h.lower() for h in head[1:]]
            if "ports" in names:
                table, attr_cols = "ports", names
            else:
                table, attr_cols = "attrs", names
            current = None
            continue
        if table is None:
            continue
        lead = re.match(r"^\s*[*#]?(\d+)\s*(.*)$", line)
        if table == "ports":
            if lead and (not line[:1].isspace() or re.match(r"^\s*\d+\s", line)) and \
                    not _PORT_RE.match(stripped):
                current = get(int(lead.group(1)))
                mode = ""
                rest = lead.group(2)
                if "type" in attr_cols and rest and not _PORT_RE.match(rest.split()[0]):
                    parts = rest.split(None, 1)
                    current.type = parts[0]
                    rest = parts[1] if len(parts) > 1 else ""
                add_ports(current, rest)
            elif current is not None:
                add_ports(current, stripped)
        elif table == "attrs" and lead:
            vid = int(lead.group(1))
            fields = lead.group(2).split(None, len(attr_cols) - 1)
            row = dict(zip(attr_cols, fields))
            v = get(vid)
            v.status = row.get("status", v.status)
            v.property = row.get("property", v.property)
            v.type = row.get("type", v.type)
            v.mac_learning = row.get("mac-lrn", v.mac_learning)
            v.statistics = row.get("statistics", row.get("stat", v.statistics))
            v.description = row.get("description", "").strip()
    return sorted(vlans.values(), key=lambda v: v.vid)


_IF_PATTERNS: list[tuple[re.Pattern[str], Callable[[InterfaceConfig, re.Match[str]], None]]] = []


def _rule(pattern: str):
    def deco(fn):
        _IF_PATTERNS.append((re.compile(pattern, re.IGNORECASE), fn))
        return fn
    return deco


@_rule(r"^description (.*)$")
def _if_description(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.description = m.group(1)


@_rule(r"^port link-type (\S+)$")
def _if_link_type(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.link_type = m.group(1)


@_rule(r"^port default vlan (\d+)$")
def _if_default_vlan(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.default_vlan = int(m.group(1))


@_rule(r"^port trunk pvid vlan (\d+)$")
def _if_trunk_pvid(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.trunk_pvid = int(m.group(1))


@_rule(r"^port trunk allow-pass vlan (.+)$")
def _if_trunk_allow(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.trunk_allow = sorted(set(ic.trunk_allow) | set(expand_vlan_list(m.group(1))))


@_rule(r"^undo port trunk allow-pass vlan (.+)$")
def _if_trunk_disallow(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.trunk_allow = sorted(set(ic.trunk_allow) - set(expand_vlan_list(m.group(1))))


@_rule(r"^port hybrid pvid vlan (\d+)$")
def _if_hybrid_pvid(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.hybrid_pvid = int(m.group(1))


@_rule(r"^port hybrid (tagged|untagged) vlan (.+)$")
def _if_hybrid_members(ic: InterfaceConfig, m: re.Match[str]) -> None:
    attr = "hybrid_tagged" if m.group(1).lower() == "tagged" else "hybrid_untagged"
    setattr(ic, attr, sorted(set(getattr(ic, attr)) | set(expand_vlan_list(m.group(2)))))


@_rule(r"^eth-trunk (\d+)$")
def _if_eth_trunk(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.eth_trunk = int(m.group(1))


@_rule(r"^shutdown$")
def _if_shutdown(ic: InterfaceConfig, m: re.Match[str]) -> None:
    ic.shutdown = True


def config_sections(output: str) -> list[ConfigSection]:
    return [ConfigSection(header=s["section"], lines=s["lines"]) for s in parse_config_sections(output)]


def parse_running_config(output: str) -> RunningConfig:
    """The VLANs and interface layer-2 settings written in ``display current-configuration``.

    Settings are taken literally: a trunk's implicit VLAN 1 is not added.
    """
    rc = RunningConfig(text=output)
    for sec in config_sections(output):
        words = sec.header.split()
        if not words:
            continue
        if words[0] == "sysname" and len(words) > 1:
            rc.sysname = sec.header.split(None, 1)[1]
        elif words[:2] == ["vlan", "batch"]:
            for vid in expand_vlan_list(" ".join(words[2:])):
                rc.vlans.setdefault(vid, "")
        elif words[0] == "vlan" and len(words) == 2 and words[1].isdigit():
            desc = ""
            for line in sec.lines:
                if line.startswith("description "):
                    desc = line.split(None, 1)[1]
            rc.vlans[int(words[1])] = desc
        elif words[0] == "interface" and len(words) >= 2:
            name = "".join(words[1:])
            ic = InterfaceConfig(name=name, lines=list(sec.lines))
            for line in sec.lines:
                for pat, fn in _IF_PATTERNS:
                    m = pat.match(line)
                    if m:
                        fn(ic, m)
                        break
            rc.interfaces[name] = ic
    rc.vlans = dict(sorted(rc.vlans.items()))
    return rc
