"""What every sandbox API server shares: serving on loopback, counting requests, injecting faults.

Each server (Graph, Confluence, ...) is a Starlette app; :func:`serve` runs it under uvicorn on
127.0.0.1 in a background thread (a real socket, so the real client libraries connect over real
HTTP), and :class:`FaultInjector` wraps it to inject the faults real services produce: throttling
with ``Retry-After``, 503s, slow answers and connections dropped mid-response. Faults are drawn
from a seeded random generator, so a failing test can be replayed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Faults:
    """Fault rates (0 to 1) and shapes; all zero means a well-behaved server."""

    throttle_rate: float = 0.0
    """Share of requests answered 429 with ``Retry-After``."""
    unavailable_rate: float = 0.0
    """Share of requests answered 503 with ``Retry-After``."""
    slow_rate: float = 0.0
    """Share of requests delayed by ``slow_seconds`` before answering."""
    slow_seconds: float = 0.5
    drop_rate: float = 0.0
    """Share of requests whose connection is closed after part of the body was sent."""
    retry_after: int = 1
    """Seconds in ``Retry-After``; real services send at least 1 (0 makes SDKs back off longer)."""
    latency_seconds: float = 0.0
    """Latency added to every request, to model a real network round trip."""
    seed: int = 0


@dataclass
class RequestLog:
    """Every request counted per endpoint (method and route template), thread-safe."""

    counts: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, endpoint: str) -> None:
        """Count one request to ``endpoint``."""
        with self._lock:
            self.counts[endpoint] += 1

    def fault(self, kind: str) -> None:
        """Count one injected fault of ``kind``."""
        with self._lock:
            self.faults[kind] += 1

    @property
    def total(self) -> int:
        """All requests counted."""
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[str, int]:
        """A copy of the per-endpoint counts."""
        with self._lock:
            return dict(self.counts)

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self.counts.clear()
            self.faults.clear()


def endpoint_name(scope: Scope) -> str:
    """``METHOD /route/{template}`` of a request, from the route Starlette matched."""
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get("path", "?")
    return f"{scope.get('method', '?')} {path}"


class RequestCounter:
    """ASGI middleware counting every request the app serves, per endpoint.

    Put it inside :class:`FaultInjector`: requests refused by an injected 429 or 503 never reach
    the app and are counted in ``RequestLog.faults`` instead.
    """

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve and count one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        counted = False

        async def counting_send(message: Message) -> None:
            # Count when the answer starts (routing is done, so the route is known), before the
            # client can see it: a client reading the counts after a response sees its request.
            nonlocal counted
            if message["type"] == "http.response.start" and not counted:
                counted = True
                self.log.count(endpoint_name(scope))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if not counted:  # the app failed before answering
                self.log.count(endpoint_name(scope))


def instrument(app: ASGIApp, faults: Faults | None = None) -> tuple[FaultInjector, RequestLog]:
    """Wrap ``app`` with request counting and fault injection, as every sandbox server is."""
    log = RequestLog()
    injector = FaultInjector(RequestCounter(app, log), faults)
    injector.log = log
    return injector, log


class FaultInjector:
    """ASGI middleware injecting :class:`Faults`; faults change at run time through ``faults``."""

    def __init__(self, app: ASGIApp, faults: Faults | None = None) -> None:
        self.app = app
        self.faults = faults or Faults()
        self._random = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self.log: RequestLog | None = None

    def set(self, faults: Faults) -> None:
        """Replace the fault settings (and reseed)."""
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)

    def _draw(self) -> str | None:
        f = self.faults
        with self._lock:
            x = self._random.random()
        for kind, rate in (
            ("throttle", f.throttle_rate),
            ("unavailable", f.unavailable_rate),
            ("drop", f.drop_rate),
            ("slow", f.slow_rate),
        ):
            if x < rate:
                return kind
            x -= rate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, perhaps with a fault."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        f = self.faults
        if f.latency_seconds:
            await asyncio.sleep(f.latency_seconds)
        kind = self._draw()
        if kind and self.log is not None:
            self.log.fault(kind)
        if kind in ("throttle", "unavailable"):
            status = 429 if kind == "throttle" else 503
            await _error(send, status, f.retry_after)
            return
        if kind == "slow":
            await asyncio.sleep(f.slow_seconds)
        if kind == "drop":
            await self.app(scope, receive, _Dropper(send))
            return
        await self.app(scope, receive, send)


class ConnectionDropped(Exception):
    """Raised inside the server to make uvicorn close the connection mid-response."""


class _Dropper:
    """Passes the response start and half the body on, then drops the connection."""

    def __init__(self, send: Send) -> None:
        self.send = send

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            await self.send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
            raise ConnectionDropped("fault injected: connection dropped mid-response")
        await self.send(message)


async def _error(send: Send, status: int, retry_after: int) -> None:
    code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
    body = (
        b'{"error":{"code":"' + code.encode() + b'","message":"Fault injected by the sandbox.",'
        b'"innerError":{"date":"' + time.strftime("%Y-%m-%dT%H:%M:%S").encode() + b'"}}}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(retry_after).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RunningServer:
    """A server running in a background thread; ``stop()`` ends it."""

    def __init__(self, server: Any, thread: threading.Thread, port: int) -> None:
        self._server = server
        self._thread = thread
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _quiet_dropped(record: logging.LogRecord) -> bool:
    """An injected drop is the point of the fault, not an error worth a traceback."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, ConnectionDropped)


def serve(
    app: ASGIApp, port: int = 0, host: str = "127.0.0.1", date_header: bool = True
) -> RunningServer:
    """Run ``app`` on ``host:port`` (0 picks a free port) in a daemon thread; wait until ready.

    ``date_header=False`` leaves the ``Date`` header to the app: a server that answers on the
    organisation's simulated clock must not get a second, wall-clock ``Date`` from uvicorn.
    """
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Nagle off (accepted sockets inherit it): uvicorn writes a response's head and body
    # separately, and with Nagle on the body waits for the client's delayed ACK, ~40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        date_header=date_header,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox:{bound}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"sandbox server on {host}:{bound} did not start")
        time.sleep(0.01)
    return RunningServer(server, thread, bound)
