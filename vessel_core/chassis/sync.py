"""A blocking wrapper of the async facade for scripts and REPLs.

    from vessel_core.chassis.sync import Chassis
    with Chassis.connect(endpoint=..., username=..., password=..., ca_cert=...) as ch:
        print(ch.blade.list())

It runs a private event loop in a daemon thread and forwards every call to the async
:class:`vessel_core.chassis.Chassis` owned by that loop, so connections are shared between
calls exactly as in async code. Calls are thread-safe (they queue on the one loop).
"""
from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from typing import Any

from vessel_core.chassis.core import Chassis as AsyncChassis

_MODULES = ("basic", "network", "stateless", "easylink", "network_info", "power", "fan",
            "alarms", "system", "upgrade", "blade", "switch")


class _Proxy:
    def __init__(self, owner: "Chassis", target: Any) -> None:
        self._owner = owner
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if inspect.iscoroutinefunction(attr):
            @functools.wraps(attr)
            def call(*args: Any, **kw: Any) -> Any:
                return self._owner._run(attr(*args, **kw))
            return call
        return attr


class Chassis:
    def __init__(self, inner: AsyncChassis, timeout: float | None = None) -> None:
        self._inner = inner
        self._timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="vessel-chassis",
                                        daemon=True)
        self._thread.start()
        for name in _MODULES:
            setattr(self, name, _Proxy(self, getattr(inner, name)))

    @classmethod
    def connect(cls, *args: Any, call_timeout: float | None = None, **kw: Any) -> "Chassis":
        """Same arguments as the async ``Chassis.connect``; ``call_timeout`` bounds each call."""
        return cls(AsyncChassis.connect(*args, **kw), call_timeout)

    def _run(self, coro: Any) -> Any:
        if self._loop.is_closed():
            coro.close()
            raise RuntimeError("the chassis connection is closed")
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return fut.result(self._timeout)
        except TimeoutError:
            fut.cancel()
            raise

    @property
    def routes(self) -> dict[str, str]:
        return dict(self._inner.routes)

    def capabilities(self, slots: list[int] | None = None) -> Any:
        return self._run(self._inner.capabilities(slots))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._run(self._inner.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()

    def __enter__(self) -> "Chassis":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
