"""go-plugin side services (health, controller, stdio) and the handler table they share.

Imported only after the handshake line has been printed: protobuf descriptors and the
generated stubs are a large part of start-up time, and Terraform cannot send an RPC
before it has read the handshake anyway.
"""
from __future__ import annotations

import asyncio
import io
from typing import Any, Callable

from grpc_health.v1 import health_pb2

from tfprovider.plugin.grpcserver import AbortError, Method, StatusCode, collect
from tfprovider.protocol import grpc_controller_pb2, grpc_stdio_pb2, tfplugin6_pb2

HEALTH_SERVICE = "plugin"


class HealthServicer:
    """grpc.health.v1: the overall server ("") and go-plugin's "plugin" are SERVING."""

    def __init__(self, stopping: asyncio.Event):
        self._stopping = stopping

    def _status(self, service: str) -> int:
        if self._stopping.is_set():
            return health_pb2.HealthCheckResponse.NOT_SERVING
        return health_pb2.HealthCheckResponse.SERVING

    async def Check(self, request: Any, context: Any) -> Any:
        if request.service not in ("", HEALTH_SERVICE):
            raise AbortError(StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=self._status(request.service))

    async def Watch(self, request: Any, context: Any) -> Any:
        if request.service not in ("", HEALTH_SERVICE):
            yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVICE_UNKNOWN)
        else:
            yield health_pb2.HealthCheckResponse(status=self._status(request.service))
        await self._stopping.wait()
        yield health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)


class ControllerServicer:
    """plugin.GRPCController/Shutdown: answer, then let the server stop and the process exit."""

    def __init__(self, request_stop: Callable[[str], None]):
        self._request_stop = request_stop

    async def Shutdown(self, request: Any, context: Any) -> Any:
        self._request_stop("GRPCController.Shutdown")
        return grpc_controller_pb2.Empty()


class StdoutForwarder(io.TextIOBase):
    """Replacement for ``sys.stdout`` after the handshake.

    Whatever Python code prints after the handshake would otherwise land in a pipe that
    go-plugin reads and discards; it is forwarded over GRPCStdio as STDOUT chunks instead
    (bounded buffer, oldest data dropped when nobody is streaming).
    """

    def __init__(self, limit: int = 1 << 20):
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = limit
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop, event: asyncio.Event) -> None:
        self._loop, self._event = loop, event

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = text.encode("utf-8", "replace")
        if not data:
            return 0
        self._chunks.append(data)
        self._size += len(data)
        while self._size > self._limit and len(self._chunks) > 1:
            self._size -= len(self._chunks.pop(0))
        if self._loop is not None and self._event is not None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self._loop:
                self._event.set()
            else:
                self._loop.call_soon_threadsafe(self._event.set)
        return len(text)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        return data


class StdioServicer:
    """plugin.GRPCStdio/StreamStdio: forwards post-handshake stdout until shutdown."""

    def __init__(self, forwarder: StdoutForwarder, stopping: asyncio.Event):
        self._forwarder = forwarder
        self._stopping = stopping

    async def StreamStdio(self, request: Any, context: Any) -> Any:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        self._forwarder.attach(loop, ready)
        stop_wait = asyncio.ensure_future(self._stopping.wait())
        try:
            while True:
                data = self._forwarder.drain()
                if data:
                    yield grpc_stdio_pb2.StdioData(channel=grpc_stdio_pb2.StdioData.STDOUT, data=data)
                    continue
                if self._stopping.is_set():
                    return
                ready.clear()
                ready_wait = asyncio.ensure_future(ready.wait())
                await asyncio.wait({ready_wait, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                ready_wait.cancel()
        finally:
            stop_wait.cancel()


def build_methods(
    provider_servicer: Any,
    *,
    stopping: asyncio.Event,
    request_stop: Callable[[str], None],
    forwarder: StdoutForwarder,
) -> dict[str, Method]:
    """Full method name → method for tfplugin6.Provider and the go-plugin services."""
    return collect([
        (tfplugin6_pb2.DESCRIPTOR.services_by_name["Provider"], provider_servicer),
        (health_pb2.DESCRIPTOR.services_by_name["Health"], HealthServicer(stopping)),
        (grpc_controller_pb2.DESCRIPTOR.services_by_name["GRPCController"], ControllerServicer(request_stop)),
        (grpc_stdio_pb2.DESCRIPTOR.services_by_name["GRPCStdio"], StdioServicer(forwarder, stopping)),
    ])
