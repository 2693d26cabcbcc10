"""A small gRPC server: HTTP/2 (the ``h2`` library) on asyncio, optionally behind Python ``ssl``.

Why not grpc.aio: importing it costs ~50-60 ms of every provider start (Terraform starts
the provider 3-4 times per command), every RPC pays for a pass through gRPC's C core and
Cython layer, and its bundled BoringSSL cannot accept go-plugin's ECDSA P-521 client
certificate (grpc/grpc#41089), which forced a TLS splice in front of it. OpenSSL (``ssl``)
accepts that certificate, so here TLS terminates on the same connection that speaks gRPC.

What is implemented (what Terraform/OpenTofu and go-plugin use):

* unary and server-streaming methods, each stream served by its own task (Terraform sends
  up to ``-parallelism`` RPCs at once over one connection);
* length-prefixed messages (5-byte prefix, no compression: ``grpc-accept-encoding`` is
  not advertised and a compressed request is refused), 256 MiB per message each way;
* ``grpc-status``/``grpc-message`` (percent-encoded) trailers, trailers-only responses for
  errors, UNIMPLEMENTED for unknown methods, ``grpc-timeout`` deadlines;
* HTTP/2 flow control in both directions, PING acknowledgement, GOAWAY, RST_STREAM
  (cancels the handler: ``context.cancelled()`` becomes true).

Servicers keep grpc.aio's shape: ``async def Method(self, request, context)`` returning
the response (or an async generator for server streaming); ``context`` offers ``abort``,
``set_code``/``set_details``, ``cancelled``, ``invocation_metadata``, ``peer`` and
``time_remaining``.
"""
from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable, Iterable

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

MAX_MESSAGE_BYTES = 256 << 20
# receive windows: large, so a big request is not throttled by WINDOW_UPDATE round trips
STREAM_WINDOW = 16 << 20
CONNECTION_WINDOW = 64 << 20
MAX_CONCURRENT_STREAMS = 1000
_PREFIX = 5
_RESPONSE_HEADERS = [(b":status", b"200"), (b"content-type", b"application/grpc")]


class StatusCode:
    """gRPC status codes (numbers as on the wire)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


def status_number(code: Any) -> int:
    """A status as its wire number; also accepts ``grpc.StatusCode`` members ((n, name))."""
    value = getattr(code, "value", code)
    if isinstance(value, tuple):
        value = value[0]
    return int(value)


def percent_encode(message: str) -> bytes:
    """grpc-message encoding: UTF-8, bytes outside printable ASCII and ``%`` as %XX."""
    out = bytearray()
    for byte in message.encode("utf-8", "replace"):
        if 0x20 <= byte <= 0x7E and byte != 0x25:
            out.append(byte)
        else:
            out += b"%%%02X" % byte
    return bytes(out)


def parse_timeout(value: bytes) -> float | None:
    """``grpc-timeout`` (``<digits><unit>``) in seconds; None when malformed."""
    units = {b"H": 3600.0, b"M": 60.0, b"S": 1.0, b"m": 1e-3, b"u": 1e-6, b"n": 1e-9}
    digits, unit = value[:-1], value[-1:]
    if not digits.isdigit() or len(digits) > 8 or unit not in units:
        return None
    return int(digits) * units[unit]


class AbortError(Exception):
    """Raised by ``context.abort``: ends the RPC with this status."""

    def __init__(self, code: int, details: str):
        super().__init__(details)
        self.code = code
        self.details = details


class Method:
    """One RPC: ``handler(request, context)``; ``streaming`` = server streaming."""

    __slots__ = ("path", "request_type", "handler", "streaming")

    def __init__(self, path: str, request_type: Any, handler: Callable[..., Any], streaming: bool):
        self.path = path
        self.request_type = request_type
        self.handler = handler
        self.streaming = streaming


def service_methods(service: Any, servicer: Any) -> dict[str, Method]:
    """``/package.Service/Method`` → :class:`Method` for every method ``servicer`` defines.

    ``service`` is a protobuf ServiceDescriptor (from a generated ``*_pb2`` module).
    Methods the servicer lacks, or inherits unchanged from a generated ``*_pb2_grpc``
    base class, are left out (and so answer UNIMPLEMENTED); client-streaming methods are
    not supported.
    """
    from google.protobuf import message_factory

    methods: dict[str, Method] = {}
    for md in service.methods:
        if md.client_streaming:
            continue
        handler = getattr(servicer, md.name, None)
        if handler is None or _generated_placeholder(servicer, md.name):
            continue
        if not md.server_streaming and not inspect.iscoroutinefunction(handler):
            handler = _in_thread(handler)
        path = f"/{service.full_name}/{md.name}"
        methods[path] = Method(path, message_factory.GetMessageClass(md.input_type), handler,
                               md.server_streaming)
    return methods


def _in_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous unary handler runs in the loop's default thread pool."""

    async def call(request: Any, context: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, request, context)

    return call


def _generated_placeholder(servicer: Any, name: str) -> bool:
    for cls in type(servicer).__mro__:
        if name in cls.__dict__:
            return cls.__module__.endswith("_pb2_grpc")
    return False


class ServicerContext:
    """The per-call ``context`` handed to servicer methods (a subset of grpc.aio's)."""

    def __init__(self, stream: "_Stream", peer: str):
        self._stream = stream
        self._peer = peer
        self._code: int | None = None
        self._details = ""

    async def abort(self, code: Any, details: str = "", trailing_metadata: Any = ()) -> None:
        raise AbortError(status_number(code), details)

    def set_code(self, code: Any) -> None:
        self._code = status_number(code)

    def set_details(self, details: str) -> None:
        self._details = details

    def code(self) -> int | None:
        return self._code

    def details(self) -> str:
        return self._details

    def cancelled(self) -> bool:
        return self._stream.cancelled

    def done(self) -> bool:
        return self._stream.finished

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in self._stream.headers
                     if not k.startswith(b":"))

    def peer(self) -> str:
        return self._peer

    def time_remaining(self) -> float | None:
        if self._stream.deadline is None:
            return None
        return max(0.0, self._stream.deadline - time.monotonic())

    def set_trailing_metadata(self, metadata: Any) -> None:
        pass  # not sent: nothing in the go-plugin protocols reads trailing metadata

    async def send_initial_metadata(self, metadata: Any) -> None:
        pass


class _Stream:
    __slots__ = ("id", "headers", "body", "task", "cancelled", "finished", "deadline", "window", "too_big",
                 "headers_sent")

    def __init__(self, stream_id: int, headers: list[tuple[bytes, bytes]]):
        self.id = stream_id
        self.headers = headers
        self.body = bytearray()
        self.task: asyncio.Task[None] | None = None
        self.cancelled = False
        self.finished = False
        self.deadline: float | None = None
        self.window: asyncio.Future[None] | None = None  # set while waiting for send window
        self.too_big = False
        self.headers_sent = False


class _StreamGone(Exception):
    """The peer reset the stream or the connection went away while we were sending."""


class GrpcConnection(asyncio.Protocol):
    """One HTTP/2 connection (after TLS, if any)."""

    def __init__(self, server: "GrpcServer"):
        self.server = server
        self.conn = h2.connection.H2Connection(server.h2_config)
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, _Stream] = {}
        self.closed = False
        self._paused = False
        self._flush_scheduled = False
        self._drained: asyncio.Future[None] | None = None
        self._peer = ""

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self._peer = f"ipv4:{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else f"unix:{peer or ''}"
        self.server.connections.add(self)
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        self._flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self._flush_now()
            self._close()
            return
        for event in events:
            self._on_event(event)
        self._flush()

    def eof_received(self) -> bool:
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        for stream in list(self.streams.values()):
            self._cancel(stream)
        self._wake_writer()

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_writer()

    # -- events ----------------------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        if isinstance(event, h2.events.DataReceived):
            stream = self.streams.get(event.stream_id)
            if event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if stream is None or stream.too_big:
                return
            stream.body += event.data
            if len(stream.body) > MAX_MESSAGE_BYTES + _PREFIX:
                stream.too_big = True
                stream.body = bytearray()
        elif isinstance(event, h2.events.RequestReceived):
            self.streams[event.stream_id] = _Stream(event.stream_id, event.headers or [])
        elif isinstance(event, h2.events.StreamEnded):
            stream = self.streams.get(event.stream_id)
            if stream is not None and stream.task is None:
                self._dispatch(stream)
        elif isinstance(event, h2.events.StreamReset):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                self._cancel(stream)
        elif isinstance(event, h2.events.WindowUpdated):
            if event.stream_id == 0:
                for stream in self.streams.values():
                    _wake(stream)
            else:
                stream = self.streams.get(event.stream_id)
                if stream is not None:
                    _wake(stream)
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            for stream in self.streams.values():  # INITIAL_WINDOW_SIZE may have grown
                _wake(stream)
        elif isinstance(event, h2.events.ConnectionTerminated):
            for stream in list(self.streams.values()):
                self._cancel(stream)
            self._close()

    def _cancel(self, stream: _Stream) -> None:
        stream.cancelled = True
        _wake(stream)
        if stream.task is not None and not stream.task.done():
            stream.task.cancel()
        elif stream.task is None:
            self.streams.pop(stream.id, None)

    def _dispatch(self, stream: _Stream) -> None:
        if self.server.stopping:
            self._send_status(stream, StatusCode.UNAVAILABLE, "the provider is shutting down")
            self.streams.pop(stream.id, None)
            return
        stream.task = self.server.loop.create_task(self._serve(stream))
        self.server.tasks.add(stream.task)
        stream.task.add_done_callback(self.server.tasks.discard)

    # -- one call --------------------------------------------------------------------------
    async def _serve(self, stream: _Stream) -> None:
        try:
            await self._serve_call(stream)
        except (_StreamGone, asyncio.CancelledError):
            if not stream.cancelled and not self.closed:
                self._reset(stream)
        except Exception as exc:  # noqa: BLE001 - never let a bug take the connection down
            self.server.log_error("gRPC call failed", stream, exc)
            self._send_status(stream, StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}")
        finally:
            stream.finished = True
            self.streams.pop(stream.id, None)

    async def _serve_call(self, stream: _Stream) -> None:
        headers = dict(stream.headers)
        path = headers.get(b":path", b"").decode("latin-1")
        content_type = headers.get(b"content-type", b"")
        if headers.get(b":method") != b"POST" or not content_type.startswith(b"application/grpc"):
            self._send_plain_error(stream, 415 if headers.get(b":method") == b"POST" else 405)
            return
        method = self.server.methods.get(path)
        if method is None:
            self._send_status(stream, StatusCode.UNIMPLEMENTED, f"unknown method {path}")
            return
        if stream.too_big:
            self._send_status(stream, StatusCode.RESOURCE_EXHAUSTED,
                              f"request message larger than {MAX_MESSAGE_BYTES} bytes")
            return
        body = stream.body
        stream.body = bytearray()
        if len(body) < _PREFIX:
            self._send_status(stream, StatusCode.INTERNAL, "request without a message")
            return
        if body[0] != 0:
            self._send_status(stream, StatusCode.UNIMPLEMENTED, "compressed messages are not supported")
            return
        length = int.from_bytes(body[1:_PREFIX], "big")
        if length != len(body) - _PREFIX:
            self._send_status(stream, StatusCode.INTERNAL,
                              "a unary or server-streaming request must hold exactly one message")
            return
        try:
            request = method.request_type.FromString(bytes(memoryview(body)[_PREFIX:]))
        except Exception:  # noqa: BLE001 - protobuf's DecodeError (and friends)
            self._send_status(stream, StatusCode.INTERNAL, f"cannot parse {method.request_type.DESCRIPTOR.full_name}")
            return
        del body
        timeout = headers.get(b"grpc-timeout")
        if timeout is not None:
            seconds = parse_timeout(timeout)
            if seconds is not None:
                stream.deadline = time.monotonic() + seconds
        context = ServicerContext(stream, self._peer)
        if stream.deadline is None:
            await self._invoke(stream, method, request, context)
            return
        try:
            await asyncio.wait_for(self._invoke(stream, method, request, context),
                                   max(0.0, stream.deadline - time.monotonic()))
        except asyncio.TimeoutError:
            self._send_status(stream, StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")

    async def _invoke(self, stream: _Stream, method: Method, request: Any, context: ServicerContext) -> None:
        try:
            if method.streaming:
                async for response in method.handler(request, context):
                    await self._send_message(stream, response)
            else:
                response = await method.handler(request, context)
                if context._code in (None, StatusCode.OK):
                    if response is None:
                        raise TypeError(f"{method.path} returned no response message")
                    await self._send_message(stream, response, flush=False)
        except AbortError as exc:
            self._send_status(stream, exc.code, exc.details)
            return
        except NotImplementedError as exc:
            code = context._code if context._code not in (None, StatusCode.OK) else StatusCode.UNIMPLEMENTED
            self._send_status(stream, code, context._details or str(exc) or "method not implemented")
            return
        except (_StreamGone, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - becomes UNKNOWN, like grpc.aio
            self.server.log_error("RPC handler raised", stream, exc)
            self._send_status(stream, StatusCode.UNKNOWN, f"Unexpected {type(exc).__name__}: {exc}")
            return
        code = context._code if context._code is not None else StatusCode.OK
        self._send_status(stream, code, context._details)

    # -- sending ---------------------------------------------------------------------------
    def _send_status(self, stream: _Stream, code: int, details: str = "") -> None:
        if self.closed or stream.cancelled:
            return
        trailers = [] if stream.headers_sent else list(_RESPONSE_HEADERS)
        trailers.append((b"grpc-status", str(code).encode()))
        if details:
            trailers.append((b"grpc-message", percent_encode(details)))
        try:
            self.conn.send_headers(stream.id, trailers, end_stream=True)
        except h2.exceptions.H2Error:
            return
        self._flush()

    def _send_plain_error(self, stream: _Stream, status: int) -> None:
        if self.closed:
            return
        self.conn.send_headers(stream.id, [(b":status", str(status).encode())], end_stream=True)
        self._flush()

    async def _send_message(self, stream: _Stream, message: Any, flush: bool = True) -> None:
        """Queue one length-prefixed message (response headers first), respecting the
        peer's flow-control windows; with ``flush=False`` the last frames stay queued for
        the trailers to go out in the same write."""
        data = message.SerializeToString()
        if len(data) > MAX_MESSAGE_BYTES:
            raise AbortError(StatusCode.RESOURCE_EXHAUSTED,
                             f"response message of {len(data)} bytes is larger than {MAX_MESSAGE_BYTES}")
        payload = b"\x00" + len(data).to_bytes(4, "big") + data
        del data
        conn = self.conn
        if not stream.headers_sent:
            conn.send_headers(stream.id, _RESPONSE_HEADERS)
            stream.headers_sent = True
        offset, total = 0, len(payload)
        while offset < total:
            if self.closed or stream.cancelled:
                raise _StreamGone()
            window = conn.local_flow_control_window(stream.id)
            if window <= 0:
                self._flush_now()
                await self._wait_window(stream)
                continue
            frame = conn.max_outbound_frame_size
            end = offset + min(window, total - offset)
            while offset < end:
                step = min(frame, end - offset)
                conn.send_data(stream.id, payload[offset:offset + step])
                offset += step
            if offset < total or self._paused:
                self._flush_now()
                await self._wait_drained()
        if flush:
            self._flush()

    async def _wait_window(self, stream: _Stream) -> None:
        stream.window = self.server.loop.create_future()
        try:
            await stream.window
        finally:
            stream.window = None

    async def _wait_drained(self) -> None:
        while self._paused and not self.closed:
            if self._drained is None or self._drained.done():
                self._drained = self.server.loop.create_future()
            await self._drained

    def _wake_writer(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def _reset(self, stream: _Stream) -> None:
        try:
            self.conn.reset_stream(stream.id, h2.errors.ErrorCodes.CANCEL)
        except h2.exceptions.H2Error:
            return
        self._flush()

    def _flush(self) -> None:
        """Write what h2 has queued at the end of this loop iteration: the responses of
        calls finishing together leave in one write (one TLS record, one wake-up)."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.server.loop.call_soon(self._flush_now)

    def _flush_now(self) -> None:
        self._flush_scheduled = False
        data = self.conn.data_to_send()
        if data and self.transport is not None and not self.closed:
            self.transport.write(data)

    def _close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()
        self.closed = True

    def goaway(self) -> None:
        """Tell the client no new streams will be served (streams in flight go on)."""
        if self.closed:
            return
        try:
            self.conn.close_connection()
        except h2.exceptions.H2Error:
            pass
        self._flush_now()

    def write_buffer_size(self) -> int:
        if self.transport is None or self.closed:
            return 0
        size = self.transport.get_write_buffer_size()
        inner = getattr(getattr(self.transport, "_ssl_protocol", None), "_transport", None)
        if inner is not None:  # ssl: the socket transport underneath has its own buffer
            size += inner.get_write_buffer_size()
        return size


def _wake(stream: _Stream) -> None:
    if stream.window is not None and not stream.window.done():
        stream.window.set_result(None)


class GrpcServer:
    """Serves ``methods`` on listening sockets; see :meth:`serve_socket` and :meth:`stop`."""

    def __init__(self, methods: dict[str, Method] | None = None, *,
                 on_error: Callable[[str, Exception], None] | None = None):
        self.methods: dict[str, Method] = dict(methods or {})
        self.loop = asyncio.get_running_loop()
        self.connections: set[GrpcConnection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.servers: list[asyncio.AbstractServer] = []
        self.stopping = False
        self._on_error = on_error
        # header validation/normalisation is a large share of h2's per-call time: our own
        # headers are constants, and of the client's we read only :method, :path,
        # content-type and grpc-timeout, each checked where it is used
        self.h2_config = h2.config.H2Configuration(
            client_side=False, header_encoding=None,
            validate_inbound_headers=False, normalize_inbound_headers=False,
            validate_outbound_headers=False, normalize_outbound_headers=False,
        )
        settings = {
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 1 << 20,
        }
        self._local_settings = settings

    def add_methods(self, methods: dict[str, Method]) -> None:
        self.methods.update(methods)

    def _protocol(self) -> GrpcConnection:
        proto = GrpcConnection(self)
        # replaced before initiate_connection so that these are the values announced
        proto.conn.local_settings = h2.settings.Settings(client=False, initial_values=self._local_settings)
        return proto

    async def serve_socket(self, sock: Any, *, unix: bool, ssl: Any = None) -> None:
        """Accept on an already bound and listening socket (TLS when ``ssl`` is a context)."""
        kw: dict[str, Any] = {"sock": sock, "ssl": ssl}
        if ssl is not None:
            kw["ssl_handshake_timeout"] = 30
        if unix:
            server = await self.loop.create_unix_server(self._protocol, **kw)
        else:
            server = await self.loop.create_server(self._protocol, **kw)
        self.servers.append(server)

    def log_error(self, message: str, stream: _Stream, exc: Exception) -> None:
        if self._on_error is not None:
            path = dict(stream.headers).get(b":path", b"").decode("latin-1")
            self._on_error(f"{message}: {path}", exc)

    async def stop(self, grace: float) -> None:
        """Stop accepting, let calls in flight finish (``grace`` seconds, then cancel them),
        and wait until what was written has left the process (bounded by ``grace`` too)."""
        for server in self.servers:
            server.close()
        self.stopping = True  # streams opened from now on are refused
        deadline = time.monotonic() + grace
        if self.tasks:
            _, pending = await asyncio.wait(list(self.tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=0.1)
        for conn in list(self.connections):
            conn.goaway()  # h2 allows no frame on the connection after this one
        while time.monotonic() < deadline and any(c.write_buffer_size() for c in self.connections):
            await asyncio.sleep(0.002)
        for conn in list(self.connections):
            conn._close()


def collect(pairs: Iterable[tuple[Any, Any]]) -> dict[str, Method]:
    """Method table for (ServiceDescriptor, servicer) pairs."""
    table: dict[str, Method] = {}
    for service, servicer in pairs:
        table.update(service_methods(service, servicer))
    return table
