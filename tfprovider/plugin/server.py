"""go-plugin server for a tfplugin6 provider (what Terraform/OpenTofu launch and talk to).

Start-up order matters (Terraform starts the provider 3-4 times per command):

1. cookie + protocol checks (before anything heavy is imported);
2. key + self-signed certificate (AutoMTLS), the public unix socket (TCP 127.0.0.1 where
   unix sockets do not exist) bound and listening;
3. the handshake line on stdout - connections wait in the kernel backlog from here on;
4. only then asyncio, ssl, h2, the generated protobuf modules and the provider servicer
   are loaded and the method table is built, before the first connection is accepted.

gRPC is served by :mod:`tfprovider.plugin.grpcserver` (HTTP/2 with ``h2`` over asyncio,
TLS by Python's ``ssl``), not grpcio: see that module for why.
"""
from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import time
from typing import Any, Callable, NoReturn, Sequence

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
APP_PROTOCOL_VERSION = 6
DEFAULT_PROVIDER_ADDRESS = "registry.terraform.io/popsolutions/vessel"
LISTEN_BACKLOG = 64
PARENT_POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 0.5
CLOSE_HOOK_SECONDS = 1.0
SUN_PATH_LIMIT = 100
# test/diagnostic knob: force the TCP transport on systems that have unix sockets
TRANSPORT_ENV = "VESSEL_PLUGIN_TRANSPORT"

NOT_A_COMMAND = (
    "This binary is a Terraform/OpenTofu provider plugin: terraform or tofu start it themselves "
    "(for debugging, run it with --debug and use the TF_REATTACH_PROVIDERS value it prints)."
)


class PluginStartError(Exception):
    """The process cannot start serving (explained in one line)."""


def _fail(message: str) -> NoReturn:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()
    raise SystemExit(1)


def negotiate_protocol(environ: dict[str, str] | os._Environ[str]) -> int:
    offered = environ.get("PLUGIN_PROTOCOL_VERSIONS", "").strip()
    if not offered:
        return APP_PROTOCOL_VERSION  # clients that do not negotiate assume the plugin's version
    versions = []
    for part in offered.split(","):
        part = part.strip()
        if part.isdigit():
            versions.append(int(part))
    if APP_PROTOCOL_VERSION not in versions:
        raise PluginStartError(
            f"this provider speaks plugin protocol {APP_PROTOCOL_VERSION} only, but the client offered "
            f"PLUGIN_PROTOCOL_VERSIONS={offered!r} (needs Terraform >= 1.0 or OpenTofu >= 1.6)"
        )
    return APP_PROTOCOL_VERSION


def _socket_dir(environ: dict[str, str] | os._Environ[str]) -> str:
    wanted = environ.get("PLUGIN_UNIX_SOCKET_DIR")
    if wanted:
        return wanted
    tmp = _tempdir(environ)
    # sun_path is ~104-108 bytes; a long TMPDIR (macOS) would not fit
    if len(tmp) + 20 > SUN_PATH_LIMIT and os.path.isdir("/tmp"):
        return "/tmp"
    return tmp


def _tempdir(environ: dict[str, str] | os._Environ[str]) -> str:
    """tempfile.gettempdir() without importing tempfile (start-up time)."""
    for name in ("TMPDIR", "TEMP", "TMP"):
        value = environ.get(name)
        if value and os.path.isdir(value):
            return os.path.abspath(value)
    return "/tmp" if os.path.isdir("/tmp") else os.getcwd()


def _socket_path(directory: str) -> str:
    path = os.path.join(os.path.abspath(directory), f"plugin{os.urandom(6).hex()}")
    if len(path.encode()) > SUN_PATH_LIMIT:
        raise PluginStartError(
            f"unix socket path {path!r} is longer than {SUN_PATH_LIMIT} bytes; "
            "set PLUGIN_UNIX_SOCKET_DIR (or TMPDIR) to a shorter directory"
        )
    return path


class PluginServer:
    """One serving provider process. Use :func:`serve`; this class exists for tests."""

    def __init__(self, servicer_factory: Callable[[], Any], *, provider_address: str, debug: bool,
                 environ: dict[str, str] | os._Environ[str] | None = None):
        self.servicer_factory = servicer_factory
        self.provider_address = provider_address
        self.debug = debug
        self.env = os.environ if environ is None else environ
        self.socket_path: str | None = None
        # taken now: the parent may die while the server is still starting up
        self.parent_pid = os.getppid()
        self.started = time.perf_counter()
        self.handshake_at = 0.0
        self.network = ""
        self.address = ""
        self._stop_reason = ""
        self._stopping: Any = None  # asyncio.Event once running
        self._servicer: Any = None
        self._paths: list[str] = []
        self._identity: Any = None
        self._listener: socket.socket | None = None
        self.client_cert = None if debug else (self.env.get("PLUGIN_CLIENT_CERT") or None)
        self.use_unix = hasattr(socket, "AF_UNIX") and self.env.get(TRANSPORT_ENV, "").lower() != "tcp"

    # -- lifecycle ------------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        if self._stopping is not None and not self._stopping.is_set():
            self._stop_reason = reason
            self._stopping.set()

    async def run(self) -> int:
        import asyncio

        from tfprovider.plugin.grpcserver import GrpcServer

        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._install_signals(loop)
        grpc_server = None
        try:
            ctx = None
            if self._identity is not None:
                from tfprovider.plugin.tls import server_context

                try:
                    ctx = server_context(self._identity.key_pem, self._identity.cert_pem, self.client_cert or "")
                except ValueError as exc:
                    raise PluginStartError(str(exc)) from None
            grpc_server = GrpcServer(on_error=_log_error)
            self._register(grpc_server)  # before accepting: no RPC can arrive earlier
            assert self._listener is not None
            await grpc_server.serve_socket(self._listener, unix=self.network == "unix", ssl=ctx)
            watcher = None if self.debug else asyncio.ensure_future(self._watch_parent())
            _log().debug("plugin server ready", extra={
                "network": self.network, "address": self.address,
                "handshake_ms": round((self.handshake_at - self.started) * 1000, 1),
                "ready_ms": round((time.perf_counter() - self.started) * 1000, 1),
            })
            await self._stopping.wait()
            _log().debug("plugin server stopping", extra={
                "reason": self._stop_reason,
                "uptime_ms": round((time.perf_counter() - self.started) * 1000, 1),
                "cpu_ms": round(time.process_time() * 1000, 1),
            })
            if watcher is not None:
                watcher.cancel()
        finally:
            if grpc_server is not None:
                await grpc_server.stop(STOP_GRACE_SECONDS)
            await self._close_servicer()
            self._cleanup()
        return 0

    def _register(self, grpc_server: Any) -> None:
        """Build the servicer and the method table (synchronously: the loop cannot interleave)."""
        from tfprovider.plugin import services

        assert self._stopping is not None
        forwarder = services.StdoutForwarder()
        if not self.debug:
            sys.stdout.flush()
            sys.stdout = forwarder
        self._servicer = self.servicer_factory()
        grpc_server.add_methods(services.build_methods(
            self._servicer, stopping=self._stopping, request_stop=self.request_stop, forwarder=forwarder,
        ))
        _startup_done()

    # -- listening ------------------------------------------------------------------------
    def _new_public_unix_path(self) -> str:
        path = _socket_path(_socket_dir(self.env))
        self._paths.append(path)
        return path

    def _secure_public_socket(self, path: str) -> None:
        group = self.env.get("PLUGIN_UNIX_SOCKET_GROUP")
        if group:
            _chgrp(path, group)
            os.chmod(path, 0o660)
        else:
            os.chmod(path, 0o600)
        self.socket_path = path
        self.network, self.address = "unix", path

    def _port_range(self) -> range:
        lo = int(self.env.get("PLUGIN_MIN_PORT") or 10000)
        hi = int(self.env.get("PLUGIN_MAX_PORT") or 25000)
        if lo > hi:
            raise PluginStartError(f"PLUGIN_MIN_PORT={lo} is greater than PLUGIN_MAX_PORT={hi}")
        return range(lo, hi + 1)

    def _no_port(self) -> PluginStartError:
        r = self._port_range()
        return PluginStartError(f"no free TCP port on 127.0.0.1 in [{r.start}, {r.stop - 1}] (PLUGIN_MIN_PORT/PLUGIN_MAX_PORT)")

    def bind(self) -> None:
        """Before asyncio/ssl/gRPC are imported: key + certificate (AutoMTLS), the public
        socket bound and listening, handshake line printed."""
        if self.client_cert is not None:
            if "-----BEGIN CERTIFICATE-----" not in self.client_cert:
                raise PluginStartError("PLUGIN_CLIENT_CERT does not hold a PEM certificate")
            from tfprovider.plugin.tls import generate_identity

            self._identity = generate_identity()
        if self.use_unix:
            path = self._new_public_unix_path()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                with _umask(0o117 if self.env.get("PLUGIN_UNIX_SOCKET_GROUP") else 0o177):
                    sock.bind(path)
                self._secure_public_socket(path)
                sock.listen(LISTEN_BACKLOG)
            except BaseException:
                sock.close()
                raise
        else:
            sock = self._bind_tcp()
        self._listener = sock
        self._announce(self._identity)

    def _bind_tcp(self) -> socket.socket:
        for port in self._port_range():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
                sock.listen(LISTEN_BACKLOG)
            except OSError:
                sock.close()
                continue
            self.network, self.address = "tcp", f"127.0.0.1:{port}"
            return sock
        raise self._no_port()

    def _announce(self, identity: Any) -> None:
        self.handshake_at = time.perf_counter()
        if self.debug:
            print_reattach(self.provider_address, self.network, self.address, os.getpid())
            return
        fields = [str(CORE_PROTOCOL_VERSION), str(APP_PROTOCOL_VERSION), self.network, self.address, "grpc"]
        if identity is not None:
            fields.append(identity.handshake_cert)
        sys.stdout.write("|".join(fields) + "\n")
        sys.stdout.flush()

    def _install_signals(self, loop: Any) -> None:
        try:
            loop.add_signal_handler(signal.SIGTERM, self.request_stop, "SIGTERM")
            if self.debug:
                loop.add_signal_handler(signal.SIGINT, self.request_stop, "SIGINT")
        except (NotImplementedError, AttributeError):  # no loop signal handlers (Windows)
            signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(self.request_stop, "SIGTERM"))

    async def _watch_parent(self) -> None:
        import asyncio

        parent = self.parent_pid
        while True:
            await asyncio.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                self.request_stop(f"parent process {parent} exited")
                return

    async def _close_servicer(self) -> None:
        import asyncio

        close = getattr(self._servicer, "aclose", None)
        if close is None:
            return
        try:
            await asyncio.wait_for(close(), CLOSE_HOOK_SECONDS)
        except Exception:  # noqa: BLE001 - shutting down; report and go on
            _log().warning("provider close hook failed", exc_info=True)

    def _cleanup(self) -> None:
        """Remove sockets and private directories (idempotent)."""
        if self._listener is not None:
            self._listener.close()
        paths, self._paths = self._paths, []
        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                _log().warning("could not remove plugin socket", extra={"path": path, "error": str(exc)})


class _umask:
    """Temporarily set the process umask (sockets are created by bind with it applied)."""

    def __init__(self, mask: int):
        self.mask = mask
        self.old = 0

    def __enter__(self) -> None:
        self.old = os.umask(self.mask)

    def __exit__(self, *exc: object) -> None:
        os.umask(self.old)


def _chgrp(path: str, group: str) -> None:
    import grp

    try:
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise PluginStartError(f"PLUGIN_UNIX_SOCKET_GROUP={group!r}: no such group") from None
    os.chown(path, -1, gid)


def reattach_config(provider_address: str, network: str, address: str, pid: int) -> dict[str, Any]:
    return {
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": APP_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": True,
            "Addr": {"Network": network, "String": address},
        }
    }


def print_reattach(provider_address: str, network: str, address: str, pid: int) -> None:
    import json

    value = json.dumps(reattach_config(provider_address, network, address, pid), separators=(",", ":"))
    quoted = value.replace("'", "'\\''")
    sys.stdout.write(
        "Provider started in debug mode (no TLS). To attach Terraform/OpenTofu, set "
        "TF_REATTACH_PROVIDERS in the shell that runs them:\n\n"
        f"\tbash/zsh: export TF_REATTACH_PROVIDERS='{quoted}'\n"
        f"\tfish:     set -x TF_REATTACH_PROVIDERS '{value.replace(chr(92), chr(92) * 2).replace(chr(39), chr(92) + chr(39))}'\n\n"
        "Stop the provider with Ctrl-C.\n"
    )
    sys.stdout.flush()


def _log() -> Any:
    from tfprovider.plugin.log import get_logger

    return get_logger("plugin")


def _log_error(message: str, exc: Exception) -> None:
    _log().error("%s: %s: %s", message, type(exc).__name__, exc, exc_info=exc)


def serve(
    servicer_factory: Callable[[], Any],
    *,
    provider_address: str = DEFAULT_PROVIDER_ADDRESS,
    argv: Sequence[str] | None = None,
) -> NoReturn:
    """Serve a tfplugin6 provider as a go-plugin process and exit when told to.

    ``servicer_factory()`` must return an object with ``async`` methods named like the
    tfplugin6 RPCs, taking ``(request, context)`` and returning the response message
    (plain methods run in a thread pool; methods it lacks answer UNIMPLEMENTED). It is
    called once, after the handshake line is printed and before the first RPC is
    dispatched. An optional ``async aclose()`` on the servicer is awaited (1 s limit) when
    the process shuts down.

    ``argv`` defaults to ``sys.argv[1:]``; ``--debug`` serves without TLS and cookie check
    and prints a TF_REATTACH_PROVIDERS value keyed by ``provider_address``.
    """
    started = time.perf_counter()
    parent_pid = os.getppid()
    # start-up allocates many long-lived objects (modules, classes, descriptors, schemas):
    # no cyclic GC passes over them while they are created, and none afterwards either
    gc.disable()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if not debug:
        # Ctrl-C reaches the whole process group; Terraform stops providers via StopProvider
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
            _fail(NOT_A_COMMAND)
    unknown = [a for a in args if a != "--debug"]
    if unknown:
        _fail(f"unknown arguments {' '.join(unknown)!r}; the only option is --debug")
    server = None
    try:
        if not debug:
            negotiate_protocol(os.environ)
        server = PluginServer(servicer_factory, provider_address=provider_address, debug=debug)
        server.parent_pid = parent_pid
        server.started = started
        # until the event loop takes over, SIGTERM unwinds through the finally below
        signal.signal(signal.SIGTERM, _early_sigterm)
        server.bind()
        from tfprovider.plugin import log

        log.configure()
        import asyncio

        # no asyncio.run(): its teardown (cancelling leftovers, joining the default thread
        # pool) would only delay an exit that os._exit below makes immediate
        code = asyncio.new_event_loop().run_until_complete(server.run())
    except PluginStartError as exc:
        _fail(f"provider failed to start: {exc}")
    except Exception as exc:  # noqa: BLE001 - last resort: say why, in a line Terraform shows
        _log().error("provider crashed: %s: %s", type(exc).__name__, exc, exc_info=True)
        code = 1
    finally:
        if server is not None:
            server._cleanup()
    _exit(code)


def _startup_done() -> None:
    """Everything loaded so far lives as long as the process: move it out of the cyclic
    collector's generations (gc.freeze) and turn collection back on for RPC garbage."""
    gc.freeze()
    gc.enable()


def _early_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def _exit(code: int) -> NoReturn:
    # exit promptly even if a sync handler thread is still busy (Terraform kills after 2 s);
    # sockets are already removed, logs are flushed here
    import logging

    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
