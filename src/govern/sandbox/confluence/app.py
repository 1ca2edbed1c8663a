"""Building and serving the sandbox Confluence app for one flavour."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import format_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox import ids
from govern.sandbox.confluence import datacenter, page_routes, rest_v1, rest_v2, rpc
from govern.sandbox.confluence import roles as space_roles
from govern.sandbox.confluence.auth import Credentials
from govern.sandbox.confluence.site import DEFAULT_DC_VERSION, Flavour, Site
from govern.sandbox.confluence.web import ApiError
from govern.sandbox.http import (
    ASGIApp,
    FaultInjector,
    Faults,
    Message,
    Receive,
    RequestLog,
    RunningServer,
    Scope,
    Send,
    instrument,
    serve,
)
from govern.sandbox.org import Organisation


def create_app(
    org: Organisation,
    flavour: Flavour | str = Flavour.DATACENTER,
    credentials: Credentials | None = None,
    version: str = DEFAULT_DC_VERSION,
    roles: bool = False,
) -> tuple[ASGIApp, Site]:
    """The ASGI app of one flavour over ``org`` (Data Center: of ``version``), and its site.

    ``roles``: a Cloud site on role-based space access (space roles and role assignments).
    """
    site = Site(org, Flavour(flavour), credentials, version, roles)
    routes: list[Route] = rest_v1.routes(site)
    routes += rest_v2.routes(site) if site.cloud else rpc.routes(site) + datacenter.routes(site)
    routes += space_roles.routes(site)
    routes += page_routes.routes(site)  # after rest_v1: its content/search comes first

    async def not_found(request: Request, exc: Exception) -> Response:
        return ApiError(
            404, f"null for uri: {request.url}", v2="/api/v2/" in request.url.path
        ).response()

    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.site = site
    return _SiteClock(app, site), site


class _SiteClock:
    """Adds the site's own clock as the ``Date`` header of every response.

    The organisation's time is simulated (it moves forward on ``advance``), and clients measure
    history on the tool's clock, which reaches them through ``Date``. The server adds its own
    wall-clock ``Date`` before ours; clients read the last one.
    """

    def __init__(self, app: Starlette, site: Site) -> None:
        self.app = app
        self.site = site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stamp = format_datetime(ids.to_datetime(self.site.now), usegmt=True).encode()

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"date", stamp)]
            await send(message)

        await self.app(scope, receive, dated)


@dataclass
class ConfluenceSandbox:
    """A running sandbox Confluence server: its URL, site, request log and fault switch."""

    server: RunningServer
    site: Site
    requests: RequestLog
    faults: FaultInjector

    @property
    def url(self) -> str:
        """The URL to configure govern with (Cloud: including ``/wiki``)."""
        return self.server.url + ("/wiki" if self.site.cloud else "")

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def __enter__(self) -> ConfluenceSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    org: Organisation,
    flavour: Flavour | str = Flavour.DATACENTER,
    *,
    credentials: Credentials | None = None,
    faults: Faults | None = None,
    port: int = 0,
    version: str = DEFAULT_DC_VERSION,
    roles: bool = False,
) -> ConfluenceSandbox:
    """Serve ``org`` as a Confluence site of ``flavour`` on 127.0.0.1 (``port`` 0: any free).

    ``version`` is the Data Center version to answer as: what it serves depends on it.
    """
    app, site = create_app(org, flavour, credentials, version, roles)
    wrapped, log = instrument(app, faults)
    running = serve(wrapped, port=port)
    return ConfluenceSandbox(running, site, log, wrapped)
