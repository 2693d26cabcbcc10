"""One persistent interactive (PTY) shell per target, read by prompt, never by timing.

Layers, as in classic CLI clients: asyncssh moves bytes; :class:`CliShell` knows
prompts, paging, echoes, dialogs and error lines for a :class:`Dialect`; the
platform clients (HMM, iBMC, VRP) are thin and speak in commands and models.

A shell can be *nested*: after logging into the first host it runs ``ssh`` hops
(:class:`NestedHop`) from that host's own CLI, and the hop's dialect then
applies.  Every wait has a deadline; a dropped session is reconnected for
read-only commands and raised as :class:`TransientError` otherwise.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass, field
from typing import AsyncIterator, Sequence

import asyncssh

from vessel_core.drivers.ssh.hostkeys import HostKeyPolicy
from vessel_core.errors import (
    AuthError,
    DeviceError,
    DeviceTimeoutError,
    TransientError,
    UnsupportedError,
    ValidationError,
    redact,
)

log = logging.getLogger("vessel.ssh")

# ESC[...] sequences; the " ESC[1D" pair (space, cursor left) some VRP builds put in echoes first.
_SPACE_LEFT = re.compile(r" \x1b\[1D")
_MORE = re.compile(r"[ \t]*-{2,4} ?More ?-{2,4}(?:\x1b\[\d*D|[ \t])*")
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
_QUESTION = re.compile(r"(\[\s*[Yy]\s*(?:\(yes\))?\s*/\s*[Nn]\s*(?:\(no\))?[^\]\n]*\]|\(y/n\)|\(yes/no[^)\n]*\))\s*[?:]?\s*$")


class CliCommandError(DeviceError):
    """The device printed an error for a command; ``command`` is the offending line."""

    def __init__(self, message: str, *, command: str, **kw) -> None:
        super().__init__(message, operation=command, **kw)
        self.command = command


class UnexpectedDialogError(DeviceError):
    """The device asked a question the caller did not announce; it was answered No."""


class SessionLost(TransientError):
    """The SSH session closed under us."""


@dataclass(frozen=True)
class Dialog:
    """An expected question and its answer, e.g. ``Dialog(r"Continue\\?\\s*\\[Y/N\\]", "y")``."""

    pattern: str
    answer: str
    hidden: bool = False  # the answer is a secret: never logged

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


@dataclass(frozen=True)
class Dialect:
    """What one CLI looks like: prompts, setup commands, error lines, login dialogs."""

    name: str
    prompt: str  # regex matched against the last line of the cleaned output
    on_open: tuple[str, ...] = ()
    error_line: str | None = None  # regex; a match in output raises CliCommandError
    unsupported_line: str | None = None  # regex; a match raises UnsupportedError
    login_dialogs: tuple[Dialog, ...] = ()
    exit_command: str = "exit"
    learn_prompt: bool = False  # replace ``prompt`` by the literal line seen after login
    more_answer: str = " "

    @property
    def prompt_re(self) -> re.Pattern[str]:
        return re.compile(self.prompt)


VRP_PROMPT = (r"^(?:HRP_[MSA])?(?:<[\w.\-@/:()~]{1,64}>|"
              r"\[(?![Vv]\d{3}R\d{3}C\d{2,3})[~*]?[\w.\-@/:()~]{1,96}\])\s*$")
VRP = Dialect(
    name="vrp",
    prompt=VRP_PROMPT,
    on_open=("screen-length 0 temporary",),
    error_line=r"^\s*Error\s*(?:\[\d+\])?\s*:.*$|Failed to generate committed config.*$",
    login_dialogs=(Dialog(r"(?i)change now\?\s*\[Y/N\]\s*:?\s*$", "N"),),
    exit_command="quit",
)
HMM = Dialect(
    name="hmm",
    prompt=r"^[^\n]{0,80}[#$>%] ?$",
    unsupported_line=r"^\s*unknown command\s*:.*$",
    learn_prompt=True,
)
IBMC = Dialect(
    name="ibmc",
    prompt=r"^[\w.\-]+@[\w.\-]+:[^\n]*[#$] ?$",
    unsupported_line=r"^\s*(?:unknown command|.*: command not found|Permission denied).*$",
    more_answer="q",  # the SEL listing pages; the sheet says leave it with q
)


@dataclass(frozen=True)
class NestedHop:
    """``ssh <host> NoStricHostKeyChecking`` run from the current CLI, then login.

    ``success`` is a regex the login output must contain (the iBMC: ``BMC|iMana|root@``);
    ``username`` is sent when a username question appears (VRP asks for one).
    """

    host: str
    password: str = field(repr=False)
    dialect: Dialect = IBMC
    username: str | None = None
    success: str | None = None
    command_template: str = "ssh {host} NoStricHostKeyChecking"
    #: the setting holding ``password`` (named by the error when the login is refused)
    password_setting: str = "password"


@dataclass(frozen=True)
class SshTarget:
    """Where and how to log in.  ``name`` names the target in errors (e.g. ``"swi2"``)."""

    host: str
    username: str
    password: str = field(repr=False)
    host_keys: HostKeyPolicy = field(repr=False, default=None)  # type: ignore[assignment]
    port: int = 22
    name: str | None = None
    connect_timeout: float = 10.0
    command_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.host_keys, HostKeyPolicy):
            raise ValidationError("host_keys: a HostKeyPolicy is required (known_hosts file or "
                                  "SHA256 fingerprint)", target=self.label, operation="ssh connect")

    @property
    def label(self) -> str:
        return self.name or f"{self.host}:{self.port}"


def clean_output(raw: str) -> str:
    """Strip the echo quirk, paging markers, ANSI sequences and carriage returns."""
    text = _SPACE_LEFT.sub("", raw)
    text = _MORE.sub("", text)
    text = _CSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "")
    return text


class CliShell:
    """A persistent PTY shell on one target, optionally through nested hops.

    ``commands_sent`` counts command lines written (setup and hops included,
    dialog answers excluded).
    """

    def __init__(self, target: SshTarget, dialect: Dialect, *, hops: Sequence[NestedHop] = (),
                 label: str | None = None) -> None:
        self.target = target
        self.base_dialect = dialect
        self.hops = tuple(hops)
        self.label = label or target.label
        self.commands_sent = 0
        self.reconnects = 0
        self.prompt = ""  # last prompt line seen
        self._dialects: list[Dialect] = []
        self._conn: asyncssh.SSHClientConnection | None = None
        self._proc: asyncssh.SSHClientProcess | None = None
        self._lock = asyncio.Lock()
        self._secrets = [target.password] + [h.password for h in self.hops]

    # ------------------------------------------------------------- lifecycle
    @property
    def dialect(self) -> Dialect:
        return self._dialects[-1] if self._dialects else self.base_dialect

    @property
    def is_open(self) -> bool:
        return (self._conn is not None and self._proc is not None and not self._conn.is_closed()
                and not self._proc.stdout.at_eof())

    async def open(self) -> None:
        async with self._lock:
            await self._open()

    async def close(self, *, graceful: bool = True) -> None:
        """Log out (``graceful``: the CLIs' exit commands, up to 1 s) and close the connection.
        A process shutting down passes ``graceful=False``: the SSH disconnect alone frees the
        session on the device, without a round trip per CLI level."""
        async with self._lock:
            await self._close(graceful=graceful)

    async def __aenter__(self) -> "CliShell":
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    async def _open(self) -> None:
        if self.is_open:
            return
        await self._close(graceful=False)
        t = self.target
        opts = t.host_keys.asyncssh_options(t.host, t.port)
        try:
            self._conn = await asyncio.wait_for(asyncssh.connect(
                t.host, t.port, username=t.username, password=t.password,
                client_keys=None, agent_path=None, preferred_auth=("keyboard-interactive", "password"),
                login_timeout=t.connect_timeout, keepalive_interval=15, **opts), t.connect_timeout)
        except asyncssh.PermissionDenied as exc:
            raise AuthError(f"SSH login as {t.username!r} refused: wrong password or user name", target=self.label,
                            operation="ssh connect", field="password", hint="check password (and username)") from exc
        except asyncssh.HostKeyNotVerifiable as exc:
            seen = t.host_keys.presented(t.host, t.port)
            raise AuthError("SSH host key not trusted: " + (f"the server presented {seen}, which the pin does "
                            "not list" if seen else "pinning mismatch or unknown host"),
                            target=self.label, operation="ssh connect", field="ssh_host_key_fingerprint",
                            hint=(f"if {seen} is the HMM's key (check it on the HMM console), pin it"
                                  if seen else "pin the HMM's key (ssh-keyscan HOST | ssh-keygen -lf -)")) from exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise DeviceTimeoutError(f"no SSH login within {t.connect_timeout:g}s",
                                     target=self.label, operation="ssh connect") from exc
        except (OSError, asyncssh.Error) as exc:
            raise TransientError(f"SSH connection failed: {self._redact(str(exc))}",
                                 target=self.label, operation="ssh connect") from exc
        try:
            self._proc = await asyncio.wait_for(self._conn.create_process(
                term_type="vt100", term_size=(256, 1000), encoding="utf-8", errors="replace"),
                t.connect_timeout)
            self._dialects = [self.base_dialect]
            await self._after_login(self.base_dialect, t.connect_timeout)
            for hop in self.hops:
                await self._hop(hop)
        except BaseException:
            await self._close(graceful=False)
            raise
        log.debug("shell open on %s (%s)", self.label, self.dialect.name)

    async def _after_login(self, dialect: Dialect, timeout: float) -> None:
        await self._read_until_prompt("login", timeout, list(dialect.login_dialogs))
        if dialect.learn_prompt:
            self._write("")
            out = await self._read_until_prompt("prompt", timeout, [], settle=0.2)
            last = out.rstrip("\n").rsplit("\n", 1)[-1].rstrip()
            if last:
                learned = dataclass_replace(dialect, prompt=r"^" + re.escape(last) + r"\s*$")
                self._dialects[-1] = learned
        for cmd in dialect.on_open:
            await self._command(cmd, timeout, (), check=False)

    async def _hop(self, hop: NestedHop) -> None:
        timeout = self.target.connect_timeout
        cmd = hop.command_template.format(host=hop.host)
        outer = self.dialect
        self._write(cmd)
        self.commands_sent += 1
        log.info("%s: nested ssh to %s", self.label, hop.host)
        buf, sent_pw, sent_user = "", False, False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        inner_prompt = hop.dialect.prompt_re
        while True:
            chunk = await self._read_chunk(deadline, f"ssh {hop.host}")
            buf += chunk
            text = clean_output(buf)
            tail = text[-200:]
            last = text.rstrip("\n").rsplit("\n", 1)[-1] if text.strip() else ""
            if re.search(r"(?i)(permission denied|authentication failed|access denied|locked)", text):
                raise AuthError("nested login refused", target=self.label, operation=f"ssh {hop.host}")
            if re.search(r"(?i)(connection refused|no route to host|timed out|unreachable|"
                         r"could not resolve)", text):
                raise TransientError("nested ssh could not connect", target=self.label,
                                     operation=f"ssh {hop.host}",
                                     device_message=self._redact(text.strip()[-200:]))
            if re.search(r"(?i)(user ?name|login)\s*:\s*$", tail):
                if hop.username is None or sent_user:
                    raise AuthError("nested login asked for a username", target=self.label,
                                    operation=f"ssh {hop.host}")
                self._write(hop.username)
                sent_user, buf = True, ""
                continue
            if re.search(r"(?i)password\s*:\s*$", tail):
                if sent_pw:
                    raise AuthError(f"login to {hop.host} refused (password asked again)",
                                    target=self.label, operation=f"ssh {hop.host}", field=hop.password_setting,
                                    hint=f"check {hop.password_setting}")
                self._write(hop.password)
                sent_pw, buf = True, ""
                continue
            if _QUESTION.search(tail) and not inner_prompt.search(last):
                # e.g. an unknown-host question: refuse rather than trust silently
                self._write("no")
                raise AuthError("nested ssh asked an unexpected question; answered no",
                                target=self.label, operation=f"ssh {hop.host}",
                                device_message=self._redact(last[-200:]))
            if inner_prompt.search(last):
                if hop.success and not re.search(hop.success, text):
                    raise AuthError("nested login did not reach the expected CLI", target=self.label,
                                    operation=f"ssh {hop.host}")
                break
            if sent_pw and outer.prompt_re.search(last) and not inner_prompt.search(last):
                raise AuthError("nested login failed (back at the outer prompt)", target=self.label,
                                operation=f"ssh {hop.host}")
        self._dialects.append(hop.dialect)
        self.prompt = last.strip()
        # login dialogs / setup of the inner CLI
        for d in hop.dialect.login_dialogs:
            if d.regex.search(text):
                self._write(d.answer)
                await self._read_until_prompt("login", timeout, [])
        for c in hop.dialect.on_open:
            await self._command(c, timeout, (), check=False)

    async def _close(self, graceful: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is not None and graceful and conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                for d in reversed(self._dialects):
                    proc.stdin.write(d.exit_command + "\n")
                await asyncio.wait_for(proc.wait_closed(), 1.0)
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.close()
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2.0)
        self._dialects = []

    # --------------------------------------------------------------- commands
    async def run(self, command: str, *, timeout: float | None = None,
                  dialogs: Sequence[Dialog] = (), read_only: bool = True, check: bool = True) -> str:
        """Send one command and return its output (echo and prompt removed).

        ``dialogs`` lists the questions the command may ask and their answers;
        any other ``[Y/N]`` question is answered No and raises
        :class:`UnexpectedDialogError`.  With ``read_only`` a dropped session is
        reopened and the command sent again once; otherwise :class:`TransientError`.
        """
        async with self._lock:
            return await self._run_locked(command, timeout, dialogs, read_only, check)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator["ExclusiveShell"]:
        """Hold the shell for a sequence of commands (a configuration session)."""
        async with self._lock:
            yield ExclusiveShell(self)

    async def _run_locked(self, command: str, timeout: float | None, dialogs: Sequence[Dialog],
                          read_only: bool, check: bool) -> str:
        timeout = timeout or self.target.command_timeout
        for attempt in (1, 2):
            if not self.is_open:
                if self._conn is not None or attempt == 2:
                    self.reconnects += 1
                    log.info("%s: reconnecting", self.label)
                await self._open()
            try:
                return await self._command(command, timeout, dialogs, check)
            except SessionLost:
                await self._close(graceful=False)
                if not read_only or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _command(self, command: str, timeout: float, dialogs: Sequence[Dialog], check: bool) -> str:
        if "\n" in command or "\r" in command:
            raise ValidationError(f"command must be one line: {command!r}", target=self.label,
                                  operation="send")
        self._write(command)
        self.commands_sent += 1
        log.debug("%s> %s", self.label, command)
        out = await self._read_until_prompt(command, timeout, list(dialogs))
        out = _strip_echo(out, command)
        if check:
            self._check(command, out)
        return out

    def _check(self, command: str, out: str) -> None:
        d = self.dialect
        if d.error_line:
            m = re.search(d.error_line, out, re.MULTILINE)
            if m:
                raise CliCommandError(f"device rejected {command!r}", command=command, target=self.label,
                                      device_message=self._redact(m.group(0).strip()))
        if d.unsupported_line:
            m = re.search(d.unsupported_line, out, re.MULTILINE | re.IGNORECASE)
            if m:
                raise UnsupportedError(f"command not available: {command!r}", target=self.label,
                                       operation=command, device_message=self._redact(m.group(0).strip()))

    def _write(self, line: str, *, newline: bool = True) -> None:
        if self._proc is None:
            raise SessionLost("session is closed", target=self.label)
        try:
            self._proc.stdin.write(line + ("\n" if newline else ""))
        except (BrokenPipeError, ConnectionError, asyncssh.Error) as exc:
            raise SessionLost("session dropped while sending", target=self.label) from exc

    async def _read_chunk(self, deadline: float, operation: str) -> str:
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        if remaining <= 0:
            await self._close(graceful=False)
            raise DeviceTimeoutError("prompt not seen before the deadline", target=self.label,
                                     operation=operation)
        assert self._proc is not None
        try:
            chunk = await asyncio.wait_for(self._proc.stdout.read(65536), remaining)
        except (asyncio.TimeoutError, TimeoutError):
            await self._close(graceful=False)
            raise DeviceTimeoutError("prompt not seen before the deadline", target=self.label,
                                     operation=operation) from None
        except (ConnectionError, asyncssh.Error) as exc:
            raise SessionLost("session dropped", target=self.label, operation=operation) from exc
        if not chunk:
            raise SessionLost("session dropped", target=self.label, operation=operation)
        return chunk

    async def _read_until_prompt(self, operation: str, timeout: float, dialogs: list[Dialog],
                                 settle: float = 0.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        raw = ""
        mores = 0
        answered = 0  # cleaned-text offset up to which questions were handled
        prompt_re = self.dialect.prompt_re
        while True:
            raw += await self._read_chunk(deadline, operation)
            n_more = len(re.findall(r"-{2,4} ?More ?-{2,4}", raw))
            if n_more > mores:
                mores = n_more
                self._write(self.dialect.more_answer, newline=False)  # a key press, no Enter
                continue
            text = clean_output(raw)
            pending = text[answered:]
            handled = False
            for d in dialogs:
                m = d.regex.search(pending)
                if m:
                    log.debug("%s: answering %s", self.label, "***" if d.hidden else repr(d.answer))
                    self._write(d.answer)
                    answered += m.end()
                    handled = True
                    break
            if handled:
                continue
            if _QUESTION.search(pending):
                self._write("N")
                with contextlib.suppress(Exception):
                    await self._read_until_prompt(operation, 5.0, [])
                raise UnexpectedDialogError(
                    "unexpected question (answered N)", target=self.label, operation=operation,
                    device_message=self._redact(pending.strip().rsplit("\n", 1)[-1][-200:]))
            last = text.rsplit("\n", 1)[-1]
            if prompt_re.search(last):
                if settle:
                    try:
                        more = await asyncio.wait_for(self._proc.stdout.read(65536), settle)  # type: ignore[union-attr]
                    except (asyncio.TimeoutError, TimeoutError):
                        more = None
                    if more:
                        raw += more
                        continue
                self.prompt = last.strip()
                body = text[: len(text) - len(last)]
                return body


class ShellClient:
    """Base of the platform clients: owns ``self.shell``; usable as ``async with``."""

    shell: CliShell

    @property
    def commands_sent(self) -> int:
        return self.shell.commands_sent

    async def __aenter__(self):
        await self.shell.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self, *, graceful: bool = True) -> None:
        await self.shell.close(graceful=graceful)


class ExclusiveShell:
    """Runs commands while the shell is held (see :meth:`CliShell.exclusive`)."""

    def __init__(self, shell: CliShell) -> None:
        self.shell = shell

    async def run(self, command: str, *, timeout: float | None = None, dialogs: Sequence[Dialog] = (),
                  read_only: bool = False, check: bool = True) -> str:
        return await self.shell._run_locked(command, timeout, dialogs, read_only, check)


def _strip_echo(out: str, command: str) -> str:
    first, sep, rest = out.partition("\n")
    if command.strip() and first.strip().endswith(command.strip()):
        return rest
    if not command.strip() and not first.strip():
        return rest
    return out


def dataclass_replace(obj, **changes):
    import dataclasses
    return dataclasses.replace(obj, **changes)
