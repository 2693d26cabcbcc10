"""TLS termination for AutoMTLS in front of the plaintext gRPC server.

Why not ``grpc.ssl_server_credentials``: gRPC's bundled BoringSSL does not offer the
``ecdsa_secp521r1_sha512`` signature algorithm to clients, and there is no knob to add it
(grpc/grpc#41089). go-plugin's client certificate is ECDSA P-521, so Terraform's Go TLS
stack finds no acceptable algorithm, sends no certificate, and the handshake fails with
PEER_DID_NOT_RETURN_A_CERTIFICATE. Python's ``ssl`` (OpenSSL) supports it. So the public
socket is served by asyncio with an OpenSSL context that requires and verifies the client
certificate from PLUGIN_CLIENT_CERT and negotiates ALPN ``h2``; each accepted connection is
spliced to the gRPC server listening on a private unix socket (mode 0600 in a 0700
directory), i.e. reachable only by the same user, like go-plugin's own plaintext socket.
"""
from __future__ import annotations

import asyncio
import os
import ssl
from typing import Any

CHUNK = 1 << 16


def server_context(key_pem: bytes, cert_pem: bytes, client_cert_pem: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_chain_in_memory(ctx, key_pem + cert_pem)
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cadata=client_cert_pem)
    except ssl.SSLError as exc:
        raise ValueError(f"PLUGIN_CLIENT_CERT is not a PEM certificate: {exc}") from None
    ctx.set_alpn_protocols(["h2"])
    return ctx


def _load_chain_in_memory(ctx: ssl.SSLContext, pem: bytes) -> None:
    """load_cert_chain only takes paths (and seeks in them): feed it an anonymous memfd so
    the key never touches a disk; elsewhere fall back to a 0600 file removed at once."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and os.path.isdir("/proc/self/fd"):
        fd = memfd_create("plugin-identity", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, pem)
            ctx.load_cert_chain(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "k.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(path)


class TLSFront:
    """Accepts mTLS connections on the public address and splices them to the backend."""

    def __init__(self, ctx: ssl.SSLContext):
        self.ctx = ctx
        self.backend: tuple[str, str] | None = None  # ("unix", path) or ("tcp", "127.0.0.1:port")
        self._ready = asyncio.Event()
        self.server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.Task[Any]] = set()

    def backend_ready(self, backend: tuple[str, str]) -> None:
        """Start splicing accepted connections to ``backend`` (held until now)."""
        self.backend = backend
        self._ready.set()

    async def serve_socket(self, sock: Any, *, unix: bool) -> None:
        """Accept on an already bound and listening socket."""
        if unix:
            self.server = await asyncio.start_unix_server(self._accept, sock=sock, ssl=self.ctx,
                                                          ssl_handshake_timeout=30)
        else:
            self.server = await asyncio.start_server(self._accept, sock=sock, ssl=self.ctx,
                                                     ssl_handshake_timeout=30)

    async def _connect_backend(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        await self._ready.wait()
        assert self.backend is not None
        kind, where = self.backend
        if kind == "unix":
            return await asyncio.open_unix_connection(where)
        host, port = where.rsplit(":", 1)
        return await asyncio.open_connection(host, int(port))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            b_reader, b_writer = await self._connect_backend()
        except (OSError, asyncio.CancelledError):
            writer.close()
            self._conns.discard(task)
            return
        try:
            await asyncio.gather(_pipe(reader, b_writer), _pipe(b_reader, writer))
        except asyncio.CancelledError:
            pass  # closing down (see close()); the streams' done-callback must not see a cancellation
        finally:
            for w in (writer, b_writer):
                w.close()
            self._conns.discard(task)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._conns):
            task.cancel()
        if self._conns:
            await asyncio.wait(list(self._conns), timeout=1)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await src.read(CHUNK)
            if not data:
                break
            dst.write(data)
            await dst.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        # half-close is not possible on a TLS transport: end both directions
        dst.close()
