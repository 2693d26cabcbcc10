"""Transport-free VRP CLI engine of one emulated CX310 (one instance per CLI session).

Feed it lines (``feed``) or, while the ``---- More ----`` pager waits, single keys
(``feed_key``); it returns the text to print and exposes the current ``prompt``.
Line endings in returned text are ``\\n``; a terminal transport turns them into CRLF.

Documented choices (chassis-surface.md §5 leaves them open):

* Prompts: ``<sysname>`` (user view), ``[sysname]`` (system view, vrp5),
  ``[~sysname]`` / ``[*sysname]`` (vrp8, nothing pending / uncommitted changes),
  sub-views ``[sysname-vlan10]``, ``[sysname-10GE2/17/1]``, ``[sysname-Eth-Trunk1]``
  (with the same ``~`` / ``*`` marker on vrp8).
* LAG wording is CloudEngine's: ``mode lacp`` / ``mode manual``; ``mode lacp-static`` and
  ``mode manual load-balance`` (S-series) are accepted as aliases.
* Syntax errors use the wording listed in vendor-data PROMPTS.md (``Error: Unrecognized
  command …``, ``Error: Wrong parameter …``, ``Error:Incomplete command …``,
  ``Error:Too many parameters …``, ``Error:Ambiguous command …``) after a caret line.
  Semantic errors (free text after ``Error:``) are this emulator's wording where no public
  sample exists; each is a module constant below.
* Link-type changes and Eth-Trunk membership need default VLAN settings
  (``ERR_RENEW_DEFAULT``).
* vrp8: commands edit a per-session candidate; ``commit`` replays them on the current
  running configuration, then runs the deferred checks (a PVID changed by the candidate must
  name an existing VLAN).  A failing replay prints ``Error: Failed to generate committed config``
  and keeps the candidate.  vrp5 applies and checks each command immediately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal

from vessel_core.sim.vrp import render
from vessel_core.sim.vrp.state import EthTrunk, PortConfig, SwitchConfig, SwitchState, interface_sort_key

ERR_UNRECOGNIZED = "Error: Unrecognized command found at '^' position."
ERR_WRONG = "Error: Wrong parameter found at '^' position."
ERR_INCOMPLETE = "Error:Incomplete command found at '^' position."
ERR_TOO_MANY = "Error:Too many parameters found at '^' position."
ERR_AMBIGUOUS = "Error:Ambiguous command found at '^' position."
ERR_RENEW_DEFAULT = "Error: Please renew the default configurations."
ERR_VLAN_MISSING = "Error: The VLAN does not exist."
ERR_TRUNK_MISSING = "Error: The Eth-Trunk does not exist."
ERR_TRUNK_MEMBER = "Error: The interface is an Eth-Trunk member."
ERR_OTHER_TRUNK = "Error: The interface has been added to another Eth-Trunk."
ERR_TRUNK_FULL = "Error: The number of members in the Eth-Trunk reached the upper limit."
ERR_TRUNK_HAS_MEMBERS = "Error: The Eth-Trunk has member ports, please delete them first."
ERR_NOT_MEMBER = "Error: The interface is not a member of the Eth-Trunk."
ERR_COMMIT_FAILED = "Error: Failed to generate committed config, please check the configuration."
ERR_NO_COMMIT = ERR_UNRECOGNIZED
MAX_TRUNK_MEMBERS = 8
PAGE_LINES = 24
MORE = "  ---- More ----"
ERASE_MORE = "\x1b[16D" + " " * 16 + "\x1b[16D"

SAVE_QUESTION = "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
COMMIT_ON_EXIT = ("Warning: Uncommitted configurations found. Are you sure to commit them "
                  "before exiting? [Y(yes)/N(no)/C(cancel)]:")
PASSWORD_CHANGE = ("Warning: The password is the initial or has expired. Change now? [Y/N]:")


class VrpError(Exception):
    """A command failed; ``text`` is the full error line(s) to print."""

    def __init__(self, text: str, column: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.column = column


def _link_err(kind: str) -> VrpError:
    return VrpError(f"Error: The link type of the port is not {kind}.")


# --------------------------------------------------------------------------- parsing helpers

@dataclass
class Tok:
    text: str
    col: int


def tokenize(line: str) -> list[Tok]:
    return [Tok(m.group(0), m.start()) for m in re.finditer(r"\S+", line)]


_IF_TYPES = ("10GE", "40GE", "GE", "Eth-Trunk")
_IFNAME_RE = re.compile(r"^(10GE|40GE|GE|Eth-Trunk)(\d+(?:/\d+/\d+)?)$", re.I)


def canon_ifname(text: str) -> str | None:
    m = _IFNAME_RE.match(text)
    if not m:
        return None
    kind = next(k for k in _IF_TYPES if k.lower() == m.group(1).lower())
    return kind + m.group(2)


def parse_vlan_list(toks: list[Tok], allow_all: bool = False) -> tuple[list[int] | Literal["all"], None]:
    """``10 20 30 to 40`` -> sorted ids; ``all`` -> "all". Raises VrpError with the column."""
    if not toks:
        raise VrpError(ERR_INCOMPLETE, None)
    if allow_all and len(toks) == 1 and "all".startswith(toks[0].text.lower()) and toks[0].text:
        return "all", None
    out: set[int] = set()
    i = 0
    while i < len(toks):
        t = toks[i]
        if not t.text.isdigit() or not 1 <= int(t.text) <= 4094:
            raise VrpError(ERR_WRONG, t.col)
        lo = int(t.text)
        if i + 1 < len(toks) and toks[i + 1].text.lower() == "to":
            if i + 2 >= len(toks):
                raise VrpError(ERR_INCOMPLETE, None)
            h = toks[i + 2]
            if not h.text.isdigit() or not lo <= int(h.text) <= 4094:
                raise VrpError(ERR_WRONG, h.col)
            out.update(range(lo, int(h.text) + 1))
            i += 3
        else:
            out.add(lo)
            i += 1
    return sorted(out), None


def compress(ids: list[int] | set[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for v in sorted(ids):
        if ranges and ranges[-1][1] == v - 1:
            ranges[-1] = (ranges[-1][0], v)
        else:
            ranges.append((v, v))
    return ranges


def vlan_list_text(ids: list[int] | set[int]) -> str:
    """VRP configuration syntax: ``10 20 30 to 40``."""
    return " ".join(str(a) if a == b else f"{a} to {b}" for a, b in compress(ids))


# --------------------------------------------------------------------------- command table

Handler = Callable[["VrpCli", list], str | None]


@dataclass
class Spec:
    words: tuple[str, ...]          # keywords, then parameter markers
    handler: Handler
    views: frozenset[str]


# Parameter markers: "<vid>" VLAN id, "<int>", "<if>" interface (one or two tokens),
# "<vlans>" VLAN list (rest), "<vlans|all>", "<text>" (rest of line, raw), "<ifs>" interface list (rest)
REST = {"<vlans>", "<vlans|all>", "<text>", "<ifs>"}

ALL_VIEWS = frozenset({"user", "system", "vlan", "interface"})
CFG_VIEWS = frozenset({"system", "vlan", "interface"})


class _Registry:
    def __init__(self) -> None:
        self.specs: list[Spec] = []

    def add(self, pattern: str, views: frozenset[str] | set[str] = ALL_VIEWS):
        def deco(fn: Handler) -> Handler:
            self.specs.append(Spec(tuple(pattern.split()), fn, frozenset(views)))
            return fn
        return deco


R = _Registry()


def _match_param(marker: str, toks: list[Tok], i: int) -> tuple[object, int] | None:
    """Try to read parameter ``marker`` at toks[i]; return (value, tokens consumed) or None."""
    t = toks[i]
    if marker in ("<vid>", "<int>"):
        if not t.text.isdigit():
            return None
        v = int(t.text)
        if marker == "<vid>" and not 1 <= v <= 4094:
            return None
        return v, 1
    if marker == "<if>":
        name = canon_ifname(t.text)
        if name is not None:
            return name, 1
        # "Eth-Trunk 1", "10GE 2/17/1"
        kind = next((k for k in _IF_TYPES if k.lower() == t.text.lower()), None)
        if kind is None and len(t.text) >= 3 and "eth-trunk".startswith(t.text.lower()):
            kind = "Eth-Trunk"
        if kind is not None and i + 1 < len(toks):
            name = canon_ifname(kind + toks[i + 1].text)
            if name is not None:
                return name, 2
        return None
    raise AssertionError(marker)


class VrpCli:
    """One VRP CLI session on ``switch``.

    ``on_change(switch)`` is called after every change of the running configuration
    (immediate command on vrp5, successful ``commit`` on vrp8) and after ``save``.
    """

    def __init__(self, switch: SwitchState, *, on_change: Callable[[SwitchState], None] | None = None,
                 paging: bool = True, page_lines: int = PAGE_LINES, vty_users: int = 1) -> None:
        self.sw = switch
        self.on_change = on_change
        self.paging = paging
        self.page_lines = page_lines
        self.view = "user"
        self.ctx: int | str | None = None  # vlan id or interface name
        self.closed = False
        self.vty_users = vty_users
        self._pending: list[str] = []       # paged lines not yet shown
        self._question: str | None = None   # "save" | "exit-commit:<target>" | "pwchange"
        self.candidate: SwitchConfig | None = None
        self._ops: list[Callable[[SwitchConfig, bool], None]] = []
        self.commands = 0

    # ------------------------------------------------------------------ prompt and banner
    @property
    def vrp8(self) -> bool:
        return self.sw.flavour == "vrp8"

    @property
    def cfg(self) -> SwitchConfig:
        """The configuration edits go to (candidate on vrp8, running on vrp5)."""
        if self.vrp8:
            if self.candidate is None:
                self.candidate = self.sw.running.model_copy(deep=True)
            return self.candidate
        return self.sw.running

    @property
    def view_cfg(self) -> SwitchConfig:
        return self.candidate if (self.vrp8 and self.candidate is not None) else self.sw.running

    @property
    def prompt(self) -> str:
        name = self.view_cfg.sysname
        if self.view == "user":
            return f"<{name}>"
        mark = ("*" if self._ops else "~") if self.vrp8 else ""
        sub = ""
        if self.view == "vlan":
            sub = f"-vlan{self.ctx}"
        elif self.view == "interface":
            sub = f"-{self.ctx}"
        return f"[{mark}{name}{sub}]"

    @property
    def awaiting_key(self) -> bool:
        return bool(self._pending)

    @property
    def awaiting_answer(self) -> bool:
        return self._question is not None

    def login_banner(self, now: datetime | None = None) -> str:
        now = now or datetime.now(timezone.utc)
        lines = [
            "",
            "Info: The max number of VTY users is 10, and the number of",
            f"      current VTY users on line is {self.vty_users}.",
            f"      The current login time is {now.strftime('%Y-%m-%d %H:%M:%S')}+00:00.",
        ]
        text = "\n".join(lines) + "\n"
        if self.sw.first_login_password_prompt:
            self._question = "pwchange"
            return text + PASSWORD_CHANGE
        return text

    # ------------------------------------------------------------------ input
    def feed_key(self, ch: str) -> str:
        """A key while the pager waits: space = page, Enter = line, q / Ctrl+C = stop."""
        if not self._pending:
            return ""
        if ch in ("q", "Q", "\x03"):
            self._pending = []
            return ERASE_MORE
        n = 1 if ch in ("\r", "\n") else self.page_lines
        return ERASE_MORE + self._page(n)

    def _page(self, n: int) -> str:
        chunk, self._pending = self._pending[:n], self._pending[n:]
        out = "\n".join(chunk) + "\n"
        if self._pending:
            out += MORE
        return out

    def _emit(self, text: str) -> str:
        if not self.paging or not text:
            return text
        lines = text.rstrip("\n").split("\n")
        if len(lines) <= self.page_lines:
            return text
        self._pending = lines
        return self._page(self.page_lines)

    def feed(self, line: str) -> str:
        """Run one input line; returns the output (the caller prints ``prompt`` after it)."""
        line = line.rstrip("\r\n")
        if self._pending:  # a line typed at the pager: treat its first key
            return self.feed_key(line[:1] or "\r")
        if self._question is not None:
            return self._answer(line.strip())
        self.commands += 1
        toks = tokenize(line)
        if not toks:
            return ""
        try:
            out = self._dispatch(toks, line)
        except VrpError as e:
            return self._error(e, line)
        return self._emit(out or "")

    def _error(self, e: VrpError, line: str) -> str:
        if e.text in (ERR_UNRECOGNIZED, ERR_WRONG, ERR_INCOMPLETE, ERR_TOO_MANY, ERR_AMBIGUOUS):
            col = e.column if e.column is not None else len(line.rstrip()) + 1
            return " " * (len(self.prompt) + col) + "^\n" + e.text + "\n"
        return e.text + "\n"

    def _dispatch(self, toks: list[Tok], line: str) -> str | None:
        specs = [s for s in R.specs if self.view in s.views]
        # "undo" is a keyword like any other
        candidates: list[tuple[Spec, list[object]]] = [(s, []) for s in specs]
        i = 0
        pos = 0
        while True:
            if i >= len(toks):
                done = [(s, a) for s, a in candidates if pos >= len(s.words)]
                if done:
                    s, args = done[0]
                    return s.handler(self, args)
                raise VrpError(ERR_INCOMPLETE, None)
            t = toks[i]
            # rest-of-line parameters
            rest = [(s, a) for s, a in candidates if pos < len(s.words) and s.words[pos] in REST]
            kw = [(s, a) for s, a in candidates if pos < len(s.words) and not s.words[pos].startswith("<")
                  and s.words[pos].lower().startswith(t.text.lower())]
            prm = []
            for s, a in candidates:
                if pos < len(s.words) and s.words[pos].startswith("<") and s.words[pos] not in REST:
                    got = _match_param(s.words[pos], toks, i)
                    if got is not None:
                        prm.append((s, a + [got[0]], got[1]))
            if kw:
                exact = [(s, a) for s, a in kw if s.words[pos].lower() == t.text.lower()]
                if exact:
                    kw = exact
                elif len({s.words[pos] for s, _ in kw}) > 1:
                    raise VrpError(ERR_AMBIGUOUS, t.col)
                candidates = kw
                i += 1
                pos += 1
                continue
            if prm:
                step = prm[0][2]
                candidates = [(s, a) for s, a, n in prm if n == step]
                i += step
                pos += 1
                continue
            if rest:
                s, a = rest[0]
                marker = s.words[pos]
                if marker == "<text>":
                    return s.handler(self, a + [line[t.col:].rstrip()])
                if marker == "<ifs>":
                    return s.handler(self, a + [toks[i:]])
                ids, _ = parse_vlan_list(toks[i:], allow_all=(marker == "<vlans|all>"))
                return s.handler(self, a + [ids])
            if any(pos >= len(s.words) for s, _ in candidates):
                raise VrpError(ERR_TOO_MANY, t.col)
            if i > 0 and any(pos < len(s.words) and s.words[pos].startswith("<") for s, _ in candidates):
                raise VrpError(ERR_WRONG, t.col)
            raise VrpError(ERR_UNRECOGNIZED, t.col)

    # ------------------------------------------------------------------ dialogs
    def _answer(self, ans: str) -> str:
        q, self._question = self._question, None
        a = ans[:1].lower()
        if q == "pwchange":
            return ""  # "N" (or anything): keep the password
        if q == "save":
            if a == "y":
                self.sw.saved = self.sw.running.model_copy(deep=True)
                self._changed()
                return ("Now saving the current configuration to the slot 1.\n"
                        "Info: Save the configuration successfully.\n")
            return ""
        if q is not None and q.startswith("exit:"):
            target = q[5:]
            if a == "c":
                return ""
            if a == "y":
                err = self._commit()
                if err:
                    return err
            elif a == "n":
                self._discard()
            else:
                self._question = q
                return COMMIT_ON_EXIT
            self._leave(target)
            return ""
        return ""

    def _ask(self, q: str, text: str) -> str:
        self._question = q
        return text

    # ------------------------------------------------------------------ configuration plumbing
    def apply(self, op: Callable[[SwitchConfig, bool], None]) -> None:
        """Run a configuration op: immediately (vrp5) or into the candidate (vrp8)."""
        if self.vrp8:
            cand = self.cfg
            op(cand, False)
            self._ops.append(op)
            self.sw.candidate = cand
        else:
            op(self.sw.running, True)
            self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.sw)

    def _commit(self) -> str:
        if not self._ops:
            return ""
        old = self.sw.running
        new = old.model_copy(deep=True)
        try:
            for op in self._ops:
                op(new, False)
            _deferred_checks(old, new)
        except VrpError:
            return ERR_COMMIT_FAILED + "\n"
        self.sw.running = new
        self._discard()
        self._changed()
        return ""

    def _discard(self) -> None:
        self._ops = []
        self.candidate = None
        self.sw.candidate = None

    def _leave(self, target: str) -> None:
        if target == "user":
            self.view, self.ctx = "user", None
        elif target == "system":
            self.view, self.ctx = "system", None
        elif target == "close":
            self.closed = True

    def _exit_to(self, target: str) -> str:
        """Leave system view (or close); on vrp8 with pending changes ask first."""
        if self.vrp8 and self._ops and target in ("user", "close"):
            return self._ask("exit:" + target, COMMIT_ON_EXIT)
        if target in ("user", "close"):
            self._discard()
        self._leave(target)
        return ""

    # ------------------------------------------------------------------ helpers for handlers
    def port(self, cfg: SwitchConfig, name: str) -> PortConfig:
        p = cfg.interfaces.get(name)
        if p is None:
            raise VrpError(f"Error: The interface {name} does not exist.")
        return p

    def cur_port(self, cfg: SwitchConfig, name: str) -> PortConfig:
        p = self.port(cfg, name)
        if not name.startswith("Eth-Trunk") and cfg.trunk_of(name) is not None:
            raise VrpError(ERR_TRUNK_MEMBER)
        return p


# =========================================================================== handlers

def _deferred_checks(old: SwitchConfig, new: SwitchConfig) -> None:
    """vrp8 commit-time checks: a PVID changed by this candidate must name an existing VLAN."""
    for name, p in new.interfaces.items():
        before = old.interfaces.get(name)
        for attr in ("default_vlan", "trunk_pvid", "hybrid_pvid"):
            v = getattr(p, attr)
            if (before is None or getattr(before, attr) != v) and v not in new.vlans:
                raise VrpError(ERR_VLAN_MISSING)


def _need_vlan(cfg: SwitchConfig, vid: int, strict: bool) -> None:
    if strict and vid not in cfg.vlans:
        raise VrpError(ERR_VLAN_MISSING)


# ---- navigation and session -------------------------------------------------------------

@R.add("system-view", {"user"})
def _system_view(cli: VrpCli, a: list) -> str:
    cli.view, cli.ctx = "system", None
    return "Enter system view, return user view with return command.\n" if cli.vrp8 else \
        "Enter system view, return user view with Ctrl+Z.\n"


@R.add("system-view immediately", {"user"})
def _system_view_imm(cli: VrpCli, a: list) -> str:
    if not cli.vrp8:
        raise VrpError(ERR_UNRECOGNIZED, len("system-view") + 1)
    cli.view, cli.ctx = "system", None
    return _system_view(cli, a)


@R.add("quit")
def _quit(cli: VrpCli, a: list) -> str:
    if cli.view in ("vlan", "interface"):
        cli.view, cli.ctx = "system", None
        return ""
    if cli.view == "system":
        return cli._exit_to("user")
    return cli._exit_to("close")


@R.add("return", CFG_VIEWS)
def _return(cli: VrpCli, a: list) -> str:
    return cli._exit_to("user")


@R.add("screen-length <int> temporary", {"user"})
def _screen_length(cli: VrpCli, a: list) -> str:
    n = a[0]
    cli.paging = n != 0
    if n:
        cli.page_lines = n
    return "Info: The configuration takes effect on the current user terminal interface only.\n"


@R.add("commit", CFG_VIEWS)
def _commit(cli: VrpCli, a: list) -> str:
    if not cli.vrp8:
        raise VrpError(ERR_UNRECOGNIZED, 0)
    return cli._commit()


@R.add("commit comment <text>", CFG_VIEWS)
def _commit_comment(cli: VrpCli, a: list) -> str:
    return _commit(cli, a)


@R.add("abort", CFG_VIEWS)
def _abort(cli: VrpCli, a: list) -> str:
    if not cli.vrp8:
        raise VrpError(ERR_UNRECOGNIZED, 0)
    cli._discard()
    cli.view, cli.ctx = "user", None
    return ""


@R.add("save")
def _save(cli: VrpCli, a: list) -> str:
    return cli._ask("save", SAVE_QUESTION)


@R.add("sysname <text>", {"system"})
def _sysname(cli: VrpCli, a: list) -> str:
    name = a[0].split()[0]
    if len(name) > 246:
        raise VrpError(ERR_WRONG, len("sysname") + 1)

    def op(cfg: SwitchConfig, strict: bool) -> None:
        cfg.sysname = name
    cli.apply(op)
    return ""


# ---- VLANs ------------------------------------------------------------------------------

@R.add("vlan <vid>", {"system", "vlan", "interface"})
def _vlan(cli: VrpCli, a: list) -> str:
    vid = a[0]

    def op(cfg: SwitchConfig, strict: bool) -> None:
        from vessel_core.sim.vrp.state import Vlan
        cfg.vlans.setdefault(vid, Vlan(id=vid))
    if vid not in cli.view_cfg.vlans:
        cli.apply(op)
    cli.view, cli.ctx = "vlan", vid
    return ""


@R.add("vlan batch <vlans>", {"system", "vlan", "interface"})
def _vlan_batch(cli: VrpCli, a: list) -> str:
    ids = a[0]

    def op(cfg: SwitchConfig, strict: bool) -> None:
        from vessel_core.sim.vrp.state import Vlan
        for v in ids:
            cfg.vlans.setdefault(v, Vlan(id=v))
    cli.apply(op)
    return ""


def _remove_vlans(ids: list[int]) -> Callable[[SwitchConfig, bool], None]:
    def op(cfg: SwitchConfig, strict: bool) -> None:
        for v in ids:
            if v == 1:
                continue
            cfg.vlans.pop(v, None)
    return op


@R.add("undo vlan <vid>", {"system", "vlan", "interface"})
def _undo_vlan(cli: VrpCli, a: list) -> str:
    vid = a[0]
    if vid == 1:
        raise VrpError("Error: The default VLAN cannot be deleted.")
    if vid not in cli.view_cfg.vlans:
        raise VrpError(ERR_VLAN_MISSING)
    cli.apply(_remove_vlans([vid]))
    return ""


@R.add("undo vlan batch <vlans>", {"system", "vlan", "interface"})
def _undo_vlan_batch(cli: VrpCli, a: list) -> str:
    cli.apply(_remove_vlans(a[0]))
    return ""


@R.add("description <text>", {"vlan", "interface"})
def _description(cli: VrpCli, a: list) -> str:
    text = a[0]
    limit = 80 if cli.view == "vlan" else 242
    if len(text) > limit:
        raise VrpError(ERR_WRONG, len("description") + 1 + limit)
    return _set_desc(cli, text)


@R.add("undo description", {"vlan", "interface"})
def _undo_description(cli: VrpCli, a: list) -> str:
    return _set_desc(cli, None)


def _set_desc(cli: VrpCli, text: str | None) -> str:
    ctx = cli.ctx
    if cli.view == "vlan":
        def op(cfg: SwitchConfig, strict: bool) -> None:
            if ctx in cfg.vlans:
                cfg.vlans[ctx].description = text
    else:
        def op(cfg: SwitchConfig, strict: bool) -> None:
            cli.port(cfg, str(ctx)).description = text  # interface view: ctx is the name
    cli.apply(op)
    return ""


@R.add("name <text>", {"vlan"})
def _vlan_name(cli: VrpCli, a: list) -> str:
    ctx, text = cli.ctx, a[0]
    if len(text) > 31:
        raise VrpError(ERR_WRONG, len("name") + 1 + 31)

    def op(cfg: SwitchConfig, strict: bool) -> None:
        if ctx in cfg.vlans:
            cfg.vlans[ctx].name = text
    cli.apply(op)
    return ""


# ---- interfaces -------------------------------------------------------------------------

@R.add("interface <if>", {"system", "vlan", "interface"})
def _interface(cli: VrpCli, a: list) -> str:
    name = a[0]
    if name.startswith("Eth-Trunk"):
        tid = int(name[len("Eth-Trunk"):])
        if not 0 <= tid <= 127:
            raise VrpError(ERR_WRONG, len("interface") + 1)
        if tid not in cli.view_cfg.eth_trunks:
            def op(cfg: SwitchConfig, strict: bool) -> None:
                cfg.eth_trunks.setdefault(tid, EthTrunk(id=tid))
                cfg.interfaces.setdefault(name, PortConfig(name=name))
            cli.apply(op)
    elif name not in cli.view_cfg.interfaces:
        raise VrpError(ERR_WRONG, len("interface") + 1)
    cli.view, cli.ctx = "interface", name
    return ""


@R.add("undo interface <if>", {"system", "vlan", "interface"})
def _undo_interface(cli: VrpCli, a: list) -> str:
    name = a[0]
    if not name.startswith("Eth-Trunk"):
        raise VrpError(ERR_WRONG, len("undo interface") + 1)
    tid = int(name[len("Eth-Trunk"):])
    if tid not in cli.view_cfg.eth_trunks:
        raise VrpError(ERR_TRUNK_MISSING)
    if cli.view_cfg.eth_trunks[tid].members:
        raise VrpError(ERR_TRUNK_HAS_MEMBERS)

    def op(cfg: SwitchConfig, strict: bool) -> None:
        t = cfg.eth_trunks.get(tid)
        if t is None or (strict and t.members):
            raise VrpError(ERR_TRUNK_HAS_MEMBERS)
        cfg.eth_trunks.pop(tid, None)
        cfg.interfaces.pop(name, None)
    cli.apply(op)
    if cli.view == "interface" and cli.ctx == name:
        cli.view, cli.ctx = "system", None
    return ""


@R.add("shutdown", {"interface"})
def _shutdown(cli: VrpCli, a: list) -> str:
    return _set_shutdown(cli, True)


@R.add("undo shutdown", {"interface"})
def _undo_shutdown(cli: VrpCli, a: list) -> str:
    return _set_shutdown(cli, False)


def _set_shutdown(cli: VrpCli, value: bool) -> str:
    ctx = cli.ctx

    def op(cfg: SwitchConfig, strict: bool) -> None:
        cli.port(cfg, str(ctx)).shutdown = value  # interface view: ctx is the name
    cli.apply(op)
    return ""


def _port_op(cli: VrpCli, fn: Callable[[PortConfig, SwitchConfig, bool], None]) -> str:
    ctx = cli.ctx

    def op(cfg: SwitchConfig, strict: bool) -> None:
        fn(cli.cur_port(cfg, str(ctx)), cfg, strict)  # interface view: ctx is the name
    cli.apply(op)
    return ""


def _vlan_settings_default(p: PortConfig) -> bool:
    d = PortConfig(name=p.name)
    return (p.default_vlan, p.trunk_allowed, p.trunk_pvid, p.hybrid_pvid, p.hybrid_tagged,
            p.hybrid_untagged) == (d.default_vlan, d.trunk_allowed, d.trunk_pvid, d.hybrid_pvid,
                                   d.hybrid_tagged, d.hybrid_untagged)


@R.add("port link-type access", {"interface"})
def _lt_access(cli: VrpCli, a: list) -> str:
    return _link_type(cli, "access")


@R.add("port link-type trunk", {"interface"})
def _lt_trunk(cli: VrpCli, a: list) -> str:
    return _link_type(cli, "trunk")


@R.add("port link-type hybrid", {"interface"})
def _lt_hybrid(cli: VrpCli, a: list) -> str:
    return _link_type(cli, "hybrid")


def _link_type(cli: VrpCli, kind: str) -> str:
    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type == kind:
            return
        if not _vlan_settings_default(p):
            raise VrpError(ERR_RENEW_DEFAULT)
        p.link_type = kind  # type: ignore[assignment]
    return _port_op(cli, fn)


@R.add("undo port link-type", {"interface"})
def _undo_lt(cli: VrpCli, a: list) -> str:
    return _link_type(cli, "access")


@R.add("port default vlan <vid>", {"interface"})
def _default_vlan(cli: VrpCli, a: list) -> str:
    vid = a[0]

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "access":
            raise _link_err("access")
        _need_vlan(cfg, vid, strict)
        p.default_vlan = vid
    return _port_op(cli, fn)


@R.add("undo port default vlan", {"interface"})
def _undo_default_vlan(cli: VrpCli, a: list) -> str:
    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "access":
            raise _link_err("access")
        p.default_vlan = 1
    return _port_op(cli, fn)


@R.add("port trunk allow-pass vlan <vlans|all>", {"interface"})
def _allow_pass(cli: VrpCli, a: list) -> str:
    ids = list(range(1, 4095)) if a[0] == "all" else a[0]

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "trunk":
            raise _link_err("trunk")
        p.trunk_allowed = sorted(set(p.trunk_allowed) | set(ids))
    return _port_op(cli, fn)


@R.add("undo port trunk allow-pass vlan <vlans|all>", {"interface"})
def _undo_allow_pass(cli: VrpCli, a: list) -> str:
    ids = list(range(1, 4095)) if a[0] == "all" else a[0]

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "trunk":
            raise _link_err("trunk")
        p.trunk_allowed = sorted(set(p.trunk_allowed) - set(ids))
    return _port_op(cli, fn)


@R.add("port trunk pvid vlan <vid>", {"interface"})
def _trunk_pvid(cli: VrpCli, a: list) -> str:
    vid = a[0]

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "trunk":
            raise _link_err("trunk")
        _need_vlan(cfg, vid, strict)
        p.trunk_pvid = vid
    return _port_op(cli, fn)


@R.add("undo port trunk pvid vlan", {"interface"})
def _undo_trunk_pvid(cli: VrpCli, a: list) -> str:
    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "trunk":
            raise _link_err("trunk")
        p.trunk_pvid = 1
    return _port_op(cli, fn)


@R.add("port hybrid pvid vlan <vid>", {"interface"})
def _hybrid_pvid(cli: VrpCli, a: list) -> str:
    vid = a[0]

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "hybrid":
            raise _link_err("hybrid")
        _need_vlan(cfg, vid, strict)
        p.hybrid_pvid = vid
    return _port_op(cli, fn)


@R.add("undo port hybrid pvid vlan", {"interface"})
def _undo_hybrid_pvid(cli: VrpCli, a: list) -> str:
    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "hybrid":
            raise _link_err("hybrid")
        p.hybrid_pvid = 1
    return _port_op(cli, fn)


def _hybrid_list(cli: VrpCli, ids: list[int] | Literal["all"], tagged: bool, add: bool) -> str:
    vids = set(range(1, 4095)) if ids == "all" else set(ids)

    def fn(p: PortConfig, cfg: SwitchConfig, strict: bool) -> None:
        if p.link_type != "hybrid":
            raise _link_err("hybrid")
        mine = set(p.hybrid_tagged if tagged else p.hybrid_untagged)
        other = set(p.hybrid_untagged if tagged else p.hybrid_tagged)
        if add:
            mine |= vids
            other -= vids
        else:
            mine -= vids
        t, u = (mine, other) if tagged else (other, mine)
        p.hybrid_tagged, p.hybrid_untagged = sorted(t), sorted(u)
    return _port_op(cli, fn)


@R.add("port hybrid tagged vlan <vlans|all>", {"interface"})
def _hy_tag(cli: VrpCli, a: list) -> str:
    return _hybrid_list(cli, a[0], True, True)


@R.add("port hybrid untagged vlan <vlans|all>", {"interface"})
def _hy_untag(cli: VrpCli, a: list) -> str:
    return _hybrid_list(cli, a[0], False, True)


@R.add("undo port hybrid tagged vlan <vlans|all>", {"interface"})
def _undo_hy_tag(cli: VrpCli, a: list) -> str:
    return _hybrid_list(cli, a[0], True, False)


@R.add("undo port hybrid untagged vlan <vlans|all>", {"interface"})
def _undo_hy_untag(cli: VrpCli, a: list) -> str:
    return _hybrid_list(cli, a[0], False, False)


@R.add("undo port hybrid vlan <vlans|all>", {"interface"})
def _undo_hy_any(cli: VrpCli, a: list) -> str:
    _hybrid_list(cli, a[0], True, False)
    return _hybrid_list(cli, a[0], False, False)


# ---- Eth-Trunk --------------------------------------------------------------------------

def _in_trunk_view(cli: VrpCli) -> int:
    if not str(cli.ctx).startswith("Eth-Trunk"):
        raise VrpError(ERR_UNRECOGNIZED, 0)
    return int(str(cli.ctx)[len("Eth-Trunk"):])


def _set_mode(cli: VrpCli, mode: str) -> str:
    tid = _in_trunk_view(cli)

    def op(cfg: SwitchConfig, strict: bool) -> None:
        t = cfg.eth_trunks[tid]
        if t.mode != mode and t.members:
            raise VrpError(ERR_TRUNK_HAS_MEMBERS)
        t.mode = mode  # type: ignore[assignment]
    cli.apply(op)
    return ""


@R.add("mode lacp", {"interface"})
def _mode_lacp(cli: VrpCli, a: list) -> str:
    return _set_mode(cli, "lacp")


@R.add("mode lacp-static", {"interface"})
def _mode_lacp_static(cli: VrpCli, a: list) -> str:
    return _set_mode(cli, "lacp")


@R.add("mode manual", {"interface"})
def _mode_manual(cli: VrpCli, a: list) -> str:
    return _set_mode(cli, "manual")


@R.add("mode manual load-balance", {"interface"})
def _mode_manual_lb(cli: VrpCli, a: list) -> str:
    return _set_mode(cli, "manual")


@R.add("undo mode", {"interface"})
def _undo_mode(cli: VrpCli, a: list) -> str:
    return _set_mode(cli, "manual")


def _add_member(cfg: SwitchConfig, tid: int, port: str, strict: bool) -> None:
    t = cfg.eth_trunks.get(tid)
    if t is None:
        raise VrpError(ERR_TRUNK_MISSING)
    if port not in cfg.interfaces or port.startswith("Eth-Trunk"):
        raise VrpError(f"Error: The interface {port} does not exist.")
    cur = cfg.trunk_of(port)
    if cur == tid:
        return
    if cur is not None:
        raise VrpError(ERR_OTHER_TRUNK)
    if not cfg.interfaces[port].is_default():
        raise VrpError(ERR_RENEW_DEFAULT)
    if len(t.members) >= MAX_TRUNK_MEMBERS:
        raise VrpError(ERR_TRUNK_FULL)
    t.members.append(port)
    t.members.sort(key=interface_sort_key)


def _del_member(cfg: SwitchConfig, tid: int, port: str, strict: bool) -> None:
    t = cfg.eth_trunks.get(tid)
    if t is None or port not in t.members:
        raise VrpError(ERR_NOT_MEMBER)
    t.members.remove(port)


@R.add("eth-trunk <int>", {"interface"})
def _eth_trunk(cli: VrpCli, a: list) -> str:
    port, tid = str(cli.ctx), a[0]
    if port.startswith("Eth-Trunk"):
        raise VrpError(ERR_UNRECOGNIZED, 0)
    cli.apply(lambda cfg, strict: _add_member(cfg, tid, port, strict))
    return ""


@R.add("undo eth-trunk", {"interface"})
def _undo_eth_trunk(cli: VrpCli, a: list) -> str:
    port = str(cli.ctx)
    tid = cli.view_cfg.trunk_of(port)
    if tid is None:
        raise VrpError(ERR_NOT_MEMBER)
    cli.apply(lambda cfg, strict: _del_member(cfg, tid, port, strict))
    return ""


def _parse_iflist(cli: VrpCli, toks: list[Tok]) -> list[str]:
    names: list[str] = []
    i = 0
    ports = sorted((n for n in cli.view_cfg.interfaces if not n.startswith("Eth-Trunk")), key=interface_sort_key)
    while i < len(toks):
        got = _match_param("<if>", toks, i)
        if got is None or got[0] not in cli.view_cfg.interfaces:
            raise VrpError(ERR_WRONG, toks[i].col)
        first = str(got[0])
        i += got[1]
        if i < len(toks) and toks[i].text.lower() == "to":
            if i + 1 >= len(toks):
                raise VrpError(ERR_INCOMPLETE, None)
            got2 = _match_param("<if>", toks, i + 1)
            if got2 is None or got2[0] not in ports:
                raise VrpError(ERR_WRONG, toks[i + 1].col)
            lo, hi = ports.index(first), ports.index(str(got2[0]))
            if hi < lo or first.rsplit("/", 1)[0] != str(got2[0]).rsplit("/", 1)[0]:
                raise VrpError(ERR_WRONG, toks[i + 1].col)
            names.extend(ports[lo:hi + 1])
            i += 1 + got2[1]
        else:
            names.append(first)
    return names


@R.add("trunkport <ifs>", {"interface"})
def _trunkport(cli: VrpCli, a: list) -> str:
    tid = _in_trunk_view(cli)
    names = _parse_iflist(cli, a[0])

    def op(cfg: SwitchConfig, strict: bool) -> None:
        for n in names:
            _add_member(cfg, tid, n, strict)
    cli.apply(op)
    return ""


@R.add("undo trunkport <ifs>", {"interface"})
def _undo_trunkport(cli: VrpCli, a: list) -> str:
    tid = _in_trunk_view(cli)
    names = _parse_iflist(cli, a[0])

    def op(cfg: SwitchConfig, strict: bool) -> None:
        for n in names:
            _del_member(cfg, tid, n, strict)
    cli.apply(op)
    return ""


# ---- display ----------------------------------------------------------------------------

@R.add("display vlan")
def _d_vlan(cli: VrpCli, a: list) -> str:
    return render.display_vlan(cli.sw, cli.sw.running)


@R.add("display vlan <vid>")
def _d_vlan_one(cli: VrpCli, a: list) -> str:
    if a[0] not in cli.sw.running.vlans:
        raise VrpError(ERR_VLAN_MISSING)
    return render.display_vlan(cli.sw, cli.sw.running, only=a[0])


@R.add("display interface brief")
def _d_if_brief(cli: VrpCli, a: list) -> str:
    return render.display_interface_brief(cli.sw, cli.sw.running)


@R.add("display port vlan")
def _d_port_vlan(cli: VrpCli, a: list) -> str:
    return render.display_port_vlan(cli.sw, cli.sw.running)


@R.add("display eth-trunk")
def _d_eth_trunk(cli: VrpCli, a: list) -> str:
    return render.display_eth_trunk(cli.sw, cli.sw.running)


@R.add("display eth-trunk <int>")
def _d_eth_trunk_one(cli: VrpCli, a: list) -> str:
    if a[0] not in cli.sw.running.eth_trunks:
        raise VrpError(ERR_TRUNK_MISSING)
    return render.display_eth_trunk(cli.sw, cli.sw.running, only=a[0])


@R.add("display current-configuration")
def _d_cur(cli: VrpCli, a: list) -> str:
    return render.configuration(cli.sw, cli.sw.running)


@R.add("display saved-configuration")
def _d_saved(cli: VrpCli, a: list) -> str:
    return render.configuration(cli.sw, cli.sw.saved)


@R.add("display configuration candidate", CFG_VIEWS)
def _d_candidate(cli: VrpCli, a: list) -> str:
    if not cli.vrp8:
        raise VrpError(ERR_UNRECOGNIZED, len("display") + 1)
    return render.configuration(cli.sw, cli.view_cfg)


@R.add("display mac-address")
def _d_mac(cli: VrpCli, a: list) -> str:
    return render.display_mac_address(cli.sw, cli.sw.running)


@R.add("display lldp neighbor")
def _d_lldp(cli: VrpCli, a: list) -> str:
    return render.display_lldp_neighbor(cli.sw)


@R.add("display lldp neighbor brief")
def _d_lldp_brief(cli: VrpCli, a: list) -> str:
    return render.display_lldp_neighbor_brief(cli.sw)


@R.add("display version")
def _d_version(cli: VrpCli, a: list) -> str:
    return render.display_version(cli.sw)


@R.add("display device")
def _d_device(cli: VrpCli, a: list) -> str:
    return render.display_device(cli.sw)
