"""The Graph server: every endpoint module's routes in one Starlette app, instrumented and served.

``GraphServer(org).start()`` serves the organisation on 127.0.0.1 (an ephemeral port by
default) under ``/v1.0`` and ``/beta``, behind the shared sandbox instrumentation (request
counts per endpoint, injected faults). Paths Graph does not have answer Graph's 400
``Resource not found for the segment``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from govern.sandbox.graph import (
    apps,
    audit,
    batch,
    consents_write,
    delta,
    directory,
    render,
    reports,
    sites,
    teams_migration,
    writes,
)
from govern.sandbox.graph.core import Endpoint, GraphSettings, GraphState, Reply, respond, route
from govern.sandbox.graph.errors import GraphError, error_body
from govern.sandbox.http import (
    ASGIApp,
    FaultInjector,
    Faults,
    Receive,
    RequestLog,
    RunningServer,
    Scope,
    Send,
    instrument,
    serve,
)
from govern.sandbox.org import Organisation

ENDPOINTS: tuple[Endpoint, ...] = (
    *directory.ENDPOINTS,
    *delta.ENDPOINTS,
    *writes.ENDPOINTS,
    *reports.ENDPOINTS,
    *apps.ENDPOINTS,
    *sites.ENDPOINTS,
    *teams_migration.ENDPOINTS,
    *consents_write.ENDPOINTS,
    *audit.ENDPOINTS,
    *directory.LATE_ENDPOINTS,
)


def routes() -> list[BaseRoute]:
    """Every endpoint under each version segment it exists in, plus ``$batch`` and downloads."""
    out: list[BaseRoute] = []
    for version in ("v1.0", "beta"):
        out.append(batch.route(version))
        out.extend(route(ep, version) for ep in ENDPOINTS if version in ep.versions)
    out.append(Route("/data/download/{token}", reports.download, methods=["GET"]))
    return out


async def _unknown(request: Request, exc: Exception) -> Response:
    state: GraphState = request.app.state.graph
    segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    err = GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
    return respond(state, Reply(error_body(err.code, err.message, state.org.now), err.status))


class _CollapseSlashes:
    """kiota sends ``/v1.0//groups`` when the base URL ends with a slash; Graph accepts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope)
            while "//" in scope["path"]:
                scope["path"] = scope["path"].replace("//", "/")
            scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


def create_app(state: GraphState) -> Starlette:
    """The bare Graph app for ``state`` (no instrumentation)."""
    app = Starlette(routes=routes(), exception_handlers={404: _unknown, 405: _unknown})
    app.state.graph = state
    return app


class GraphServer:
    """A Graph server for one organisation: build, start on a port, read counts, stop."""

    name = "graph"

    def __init__(
        self, org: Organisation, settings: GraphSettings | None = None, faults: Faults | None = None
    ) -> None:
        self.state = GraphState(org, settings)
        render.warm(org)
        self.app = create_app(self.state)
        self.asgi: FaultInjector
        self.asgi, self.log = instrument(_CollapseSlashes(self.app), faults)
        batch.attach(self.app, self.asgi)
        self.running: RunningServer | None = None

    @property
    def batch_log(self) -> RequestLog:
        """Requests served inside ``$batch`` calls, per endpoint."""
        return self.state.batch_log

    def start(self, port: int = 0) -> GraphServer:
        """Serve on 127.0.0.1:``port`` (0: any free port) in a background thread."""
        self.running = serve(self.asgi, port, date_header=False)
        return self

    @property
    def url(self) -> str:
        """Base URL of the v1.0 service root, e.g. ``http://127.0.0.1:8123/v1.0``."""
        if self.running is None:
            raise RuntimeError("the Graph server is not running; call start() first")
        return f"{self.running.url}/v1.0"

    def stop(self) -> None:
        """Stop serving."""
        if self.running is not None:
            self.running.stop()
            self.running = None

    def __enter__(self) -> GraphServer:
        return self.start() if self.running is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
