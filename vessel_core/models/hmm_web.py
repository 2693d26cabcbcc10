"""Models of the HMM web ("dispatcher") API answers, and the pure parsers that build them.

The parsers take already-parsed XML (``defusedxml``) or text and never do I/O, so they are
unit-tested directly. Shapes follow the fact sheet §2; where the sheet says a shape is
unknown, the answer is kept as a :class:`XmlDocument` (leaf fields + repeated records).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = [
    "HmmModel", "XmlDocument", "VersionInfo", "Alarm", "AlarmList", "SelEntry", "SelPage",
    "UpgradeTarget", "UpgradeStatus", "PolicyTemplateList", "KvmParams",
    "parse_version_block", "element_fields", "xml_document", "parse_alarms", "parse_sel",
    "parse_upgrade_status", "parse_policy_templates", "parse_kvm_embed",
]


class HmmModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _text(el: Element | None) -> str | None:
    if el is None:
        return None
    return (el.text or "").strip()


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


def element_fields(el: Element) -> dict[str, str]:
    """Leaf children of ``el`` as ``{tag: text}`` (the last one wins on repeats)."""
    return {child.tag: (child.text or "").strip() for child in el if len(child) == 0}


class XmlDocument(HmmModel):
    """An answer whose layout is not pinned down: ``fields`` holds the root's leaf children,
    ``records`` every element that has leaf children of its own (in document order)."""

    retcode: int | None = None
    desp: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    records: list[dict[str, Any]] = Field(default_factory=list)


def xml_document(root: Element) -> XmlDocument:
    records: list[dict[str, Any]] = []
    for el in root.iter():
        if el is root or len(el) == 0:
            continue
        leaves = element_fields(el)
        if leaves:
            records.append({"_tag": el.tag, **el.attrib, **leaves})
    fields = element_fields(root)
    return XmlDocument(retcode=_int(fields.get("retcode")), desp=fields.get("desp"),
                       fields=fields, records=records)


# ---------------------------------------------------------------- versions (§2.4.2)
_BR = re.compile(r"<br\s*/?>", re.I)
_KINDS = "Version|Ver|Software|Built|CPU|BoardID|PCB|Address"
_VERSION_LINE = re.compile(rf"^(?P<label>.*?)\s*\b(?P<kind>{_KINDS})\s*:\s*(?P<value>.*)$")
_WS = re.compile(r"\s+")


class VersionInfo(HmmModel):
    component: str
    values: dict[str, str] = Field(default_factory=dict)
    raw: str = ""

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def parse_version_block(text: str) -> dict[str, str]:
    """``"BIOS   Version:   &#40;U41&#41;V501<br>…"`` → ``{"BIOS Version": "(U41)V501", …}``.

    ``text`` is the ``<version>`` element's text after XML parsing: line breaks are ``<br>``
    and parentheses are still HTML entities (they arrive double-escaped on the wire).
    """
    out: dict[str, str] = {}
    if not _BR.search(text):  # still single-escaped (&lt;br&gt;): undo one level first
        text = html.unescape(text)
    for line in _BR.split(text):
        line = html.unescape(line).strip()
        if not line:
            continue
        m = _VERSION_LINE.match(line)
        if m:
            label = _WS.sub(" ", m.group("label")).strip()
            key = f"{label} {m.group('kind')}".strip()
            out[key] = m.group("value").strip()
        elif ":" in line:
            k, v = line.split(":", 1)
            out[_WS.sub(" ", k).strip()] = v.strip()
    return out


# ---------------------------------------------------------------- alarms and SEL (§2.4.7)
class Alarm(HmmModel):
    level: int | None = None
    leveldesp: str | None = None
    source: str | None = None
    sensorname: str | None = None
    datetime: str | None = None
    eventdesp: str | None = None
    eventcode: str | None = None
    cleartag: int | None = None

    @property
    def active(self) -> bool:
        return self.cleartag in (None, 0)


class AlarmList(HmmModel):
    sum: int = 0
    critical: int = 0
    major: int = 0
    minor: int = 0
    alarms: list[Alarm] = Field(default_factory=list)


def _model_from(el: Element, model: type[HmmModel], int_fields: tuple[str, ...] = ()) -> Any:
    f: dict[str, Any] = element_fields(el)
    for name in int_fields:
        if name in f:
            f[name] = _int(f[name])
    return model.model_validate(f)


def parse_alarms(root: Element) -> AlarmList:
    block = root.find("alarms")
    if block is None:  # no <alarms> block means zero alarms
        return AlarmList()
    counts = element_fields(block)
    alarms = [_model_from(a, Alarm, ("level", "cleartag")) for a in block.findall("alarm")]
    return AlarmList(sum=_int(counts.get("sum"), len(alarms)) or 0,
                     critical=_int(counts.get("critical"), 0) or 0,
                     major=_int(counts.get("major"), 0) or 0,
                     minor=_int(counts.get("minor"), 0) or 0, alarms=alarms)


class SelEntry(HmmModel):
    level: int | None = None
    leveldesp: str | None = None
    datetime: str | None = None
    source: str | None = None
    sensorname: str | None = None
    eventdesp: str | None = None
    assertion: str | None = Field(None, alias="assert")

    @property
    def asserted(self) -> bool:
        return (self.assertion or "").lower() == "asserted"


class SelPage(HmmModel):
    bladename: str
    page: int
    perpage: int
    sum: int = 0
    entries: list[SelEntry] = Field(default_factory=list)


def parse_sel(root: Element, *, bladename: str, page: int, perpage: int) -> SelPage:
    entries = [_model_from(s, SelEntry, ("level",)) for s in root.iter("sel")]
    total = _int(_text(root.find("sum")), len(entries)) or 0
    return SelPage(bladename=bladename, page=page, perpage=perpage, sum=total, entries=entries)


# ---------------------------------------------------------------- upgrade (§2.4.6)
class UpgradeTarget(HmmModel):
    name: str
    retcode: int = 0
    desp: str | None = None
    progress: int = 0
    progressdesp: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.progress >= 100 or self.retcode != 0

    @property
    def failed(self) -> bool:
        return self.retcode != 0


class UpgradeStatus(HmmModel):
    targets: list[UpgradeTarget] = Field(default_factory=list)

    @property
    def running(self) -> bool:
        return bool(self.targets) and not self.all_done

    @property
    def all_done(self) -> bool:
        return bool(self.targets) and all(t.is_terminal for t in self.targets)

    @property
    def any_failed(self) -> bool:
        return any(t.failed for t in self.targets)


def parse_upgrade_status(root: Element) -> UpgradeStatus:
    block = root if root.tag == "upgrade" else root.find(".//upgrade")
    if block is None:
        return UpgradeStatus()
    targets = []
    for b in block.findall("blade"):
        f = element_fields(b)
        targets.append(UpgradeTarget(
            name=b.get("name") or f.get("name") or "", retcode=_int(f.get("retcode"), 0) or 0,
            desp=f.get("desp"), progress=_int(f.get("progress"), 0) or 0,
            progressdesp=f.get("progressdesp")))
    return UpgradeStatus(targets=targets)


# ---------------------------------------------------------------- stateless computing (§2.4.5)
class PolicyTemplateList(HmmModel):
    total: int | None = None
    templates: list[dict[str, str]] = Field(default_factory=list)


_TEMPLATE_TAGS = ("template", "row", "item", "policytemplate")


def parse_policy_templates(root: Element) -> PolicyTemplateList:
    """Any ``<template>``, ``<row>``, ``<item>`` or ``<policytemplate>`` element becomes one
    record of its child tags (the element layout on the HMM is unknown)."""
    rows: list[dict[str, str]] = []
    for el in root.iter():
        if el.tag.lower() in _TEMPLATE_TAGS and len(el):
            rows.append({**el.attrib, **element_fields(el)})
    top = element_fields(root)
    total = _int(top.get("sum") or top.get("total") or top.get("count"))
    return PolicyTemplateList(total=total, templates=rows)


# ---------------------------------------------------------------- KVM bootstrap (§2.5)
class KvmParams(HmmModel):
    """``<embed>`` attributes of ``/kvm.html``. Key material and the session id are
    :class:`~pydantic.SecretStr` (``.get_secret_value()``) so they never print."""

    port: int | None = None
    vmmserverport: int | None = None
    verifyvalue: SecretStr | None = None
    mmverifyvalue: SecretStr | None = None
    secretkey: SecretStr | None = None
    secretiv: SecretStr | None = None
    codekey_ext: SecretStr | None = None
    verifyvalueext: SecretStr | None = None
    securekvm: int | None = None
    typedata: SecretStr | None = None
    shelftype: str | None = None
    ipa: str | None = None
    ipb: str | None = None
    local: str | None = None

    def vmm_port(self, slot: int) -> int | None:
        """Virtual-media data port of blade ``slot`` (base + N)."""
        return None if self.vmmserverport is None else self.vmmserverport + slot


class _EmbedFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "embed" and self.attrs is None:
            self.attrs = {k.lower(): (v or "") for k, v in attrs}

    handle_startendtag = handle_starttag


def parse_kvm_embed(page: str) -> KvmParams | None:
    """The first ``<embed>`` element's attributes (names lower-cased), or ``None``."""
    finder = _EmbedFinder()
    finder.feed(page)
    finder.close()
    if finder.attrs is None:
        return None
    a = dict(finder.attrs)
    for k in ("port", "vmmserverport", "securekvm"):
        if k in a:
            a[k] = _int(a[k])  # type: ignore[assignment]
    return KvmParams.model_validate(a)
