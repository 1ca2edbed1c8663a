"""The plumbing every Graph endpoint shares: the server state, the call, the reply, the gate.

An endpoint is declared as data (:class:`Endpoint`: method, path, handler, the application
permissions it accepts, its resource-unit cost and which throttling service it belongs to), and
:func:`route` wraps its handler in the gate that every real Graph request passes: bearer token
(401), permission (403), throttling (429 with ``Retry-After``), then the handler, then the
headers Graph adds (``Date`` from the organisation's simulated clock, ``request-id``,
``x-ms-resource-unit``). Handlers are plain functions of a :class:`Call` returning a
:class:`Reply`; they run under the state lock, so time advance and writes never interleave
with a page being built.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox import ids
from govern.sandbox.graph.auth import Caller, caller, require
from govern.sandbox.graph.errors import GraphError, error_body
from govern.sandbox.graph.throttle import Limits, Throttle, request_cost
from govern.sandbox.http import RequestLog
from govern.sandbox.org import Organisation


@dataclass
class GraphSettings:
    """How the Graph server behaves beyond the documented defaults."""

    limits: Limits = field(default_factory=Limits)
    concealed_names: bool = True
    """The tenant's report setting; on by default in real tenants since 2021."""
    delta_page_objects: int = 200
    """Objects per delta page."""
    delta_page_links: int = 2_000
    """Member and owner references per delta page; a larger group spans pages, as documented."""
    audit_retention_days: int = 30
    """Days the directory audit log keeps: 30 on Entra ID P1/P2, 7 on Entra ID Free."""


class GraphState:
    """The organisation served, the settings, throttling buckets and caches of one server."""

    def __init__(self, org: Organisation, settings: GraphSettings | None = None) -> None:
        self.org = org
        self.settings = settings or GraphSettings()
        self.throttle = Throttle(self.settings.limits)
        self.lock = threading.RLock()
        self.batch_log = RequestLog()
        """Requests served inside ``$batch`` calls, per endpoint (the outer POST is in the
        server's own log)."""
        self.writes = 0
        """Writes served; part of every cache key, as a write may not reach the change log."""
        self.cache: dict[Any, Any] = {}
        self.operations: dict[str, str] = {}
        self._fragments: dict[Any, dict[int, bytes]] = {}
        self._fragments_version: tuple[int, ...] = ()
        self._user_ids: dict[int, str] = {}

    @property
    def version(self) -> tuple[int, ...]:
        """Changes whenever anything a listing depends on may have changed."""
        org = self.org
        return (len(org.people), len(org.groups), org.log.seq, org.day, self.writes)

    def fragment(self, key: Any, index: int, build: Callable[[], Any]) -> bytes:
        """The JSON encoding of ``build()`` for record ``index`` under ``key``, memoised.

        Rendering a record (ids are big-integer permutations, ~30 properties for a group) costs
        far more than sending it; pages are assembled from these encoded fragments, which stay
        valid until the organisation changes (:attr:`version`).
        """
        version = self.version
        if version != self._fragments_version:
            self._fragments.clear()
            self._fragments_version = version
        cache = self._fragments.setdefault(key, {})
        hit = cache.get(index)
        if hit is None:
            hit = cache[index] = encode(build())
        return hit

    def user_id(self, person: int) -> str:
        """The object id of a person (ids never change, so this cache is never cleared)."""
        hit = self._user_ids.get(person)
        if hit is None:
            hit = self._user_ids[person] = self.org.user_id(person)
        return hit

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()``, memoised until :attr:`version` changes."""
        version = self.version
        hit = self.cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        self.cache[key] = (version, value)
        return value


@dataclass
class Call:
    """One request as handlers see it."""

    state: GraphState
    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    caller: Caller
    origin: str
    """``scheme://host:port`` the client used: nextLinks and Locations are absolute on it."""
    version: str

    @property
    def org(self) -> Organisation:
        """The organisation."""
        return self.state.org

    @property
    def root(self) -> str:
        """The service root the client used, e.g. ``http://127.0.0.1:8000/v1.0``."""
        return f"{self.origin}/{self.version}"

    def json(self) -> Any:
        """The request body as JSON, or Graph's 400."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None

    def next_link(self, skiptoken: str) -> str:
        """An absolute nextLink: this request's URL with its options and a new ``$skiptoken``."""
        kept = {k: v for k, v in self.query.items() if k.lstrip("$").lower() != "skiptoken"}
        kept["$skiptoken"] = skiptoken
        return f"{self.origin}{self.path}?{urlencode(kept, safe='$(),:/')}"


@dataclass
class Reply:
    """What a handler answers: JSON (``body``) or raw bytes (``content``), status and headers."""

    body: Any = None
    status: int = 200
    fragments: list[bytes] | None = None
    """Pre-encoded items of ``body["value"]`` (which must then be absent): see ``fragment``."""
    content: bytes | None = None
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Endpoint:
    """One Graph operation: where it lives, what it needs, what it costs."""

    method: str
    path: str
    """Path below the version segment, Starlette syntax: ``/groups/{gid}/members``."""
    handler: Handler
    permissions: tuple[str, ...]
    cost: int = 1
    service: str = "identity"
    """Throttling service: ``identity`` (resource units), ``reports``, ``audit`` (identity and
    access reports), ``teams`` or ``other``."""
    versions: tuple[str, ...] = ("v1.0", "beta")


JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)


def encode(value: Any) -> bytes:
    """Compact JSON, UTF-8, as Graph sends it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def http_date(ts: int) -> str:
    """A sandbox timestamp as an HTTP ``Date`` value (the organisation's simulated clock)."""
    return format_datetime(ids.to_datetime(ts), usegmt=True)


def respond(state: GraphState, reply: Reply, client_request_id: str = "") -> Response:
    """The HTTP response for a reply, with the headers Graph adds to every answer."""
    request_id = client_request_id or str(uuid.uuid4())
    headers = {
        "Date": http_date(state.org.now),
        "request-id": request_id,
        "client-request-id": request_id,
        "Cache-Control": "no-cache",
        **reply.headers,
    }
    if reply.content is not None:
        return Response(reply.content, reply.status, headers, media_type=reply.media_type)
    if reply.body is None:
        return Response(b"", reply.status, headers)
    body = encode(reply.body)
    if reply.fragments is not None:
        # ``value`` goes last, after the annotations, as Graph writes it.
        body = body[:-1] + b',"value":[' + b",".join(reply.fragments) + b"]}"
    if reply.media_type == "application/json":
        headers["OData-Version"] = "4.0"
    return Response(body, reply.status, headers, media_type=JSON_TYPE)


def error_reply(state: GraphState, err: GraphError, client_request_id: str = "") -> Reply:
    """The reply for a Graph error."""
    body = error_body(err.code, err.message, state.org.now, client_request_id)
    return Reply(body, err.status, headers=dict(err.headers))


def _team_key(params: Mapping[str, str]) -> str | None:
    return params.get("tid")


def gate(state: GraphState, ep: Endpoint, call_args: dict[str, Any]) -> Reply:
    """Authenticate, authorise, throttle and run one endpoint (synchronously)."""
    headers: Mapping[str, str] = call_args["headers"]
    who = caller(headers.get("authorization"))
    require(who, ep.permissions)
    query: Mapping[str, str] = call_args["query"]
    units = 0
    if ep.service == "identity":
        top_text = query.get("$top", query.get("top"))
        top = int(top_text) if top_text and top_text.isdigit() else None
        units = request_cost(
            ep.cost,
            "$select" in query or "select" in query,
            "$expand" in query or "expand" in query,
            top,
        )
        state.throttle.charge_identity(who.app, units, ep.method != "GET")
    elif ep.service == "reports":
        state.throttle.charge_report(who.app, ep.path)
    elif ep.service == "audit":
        state.throttle.charge_audit(who.app)
    elif ep.service == "teams" and (team := _team_key(call_args["params"])):
        state.throttle.charge_team(who.app, team)
    call = Call(state=state, caller=who, **call_args)
    with state.lock:
        reply = ep.handler(call)
    if units:
        reply.headers["x-ms-resource-unit"] = str(units)
        level = state.throttle.level(who.app)
        if level > 0.8:
            reply.headers["x-ms-throttle-limit-percentage"] = f"{level:.1f}"
    return reply


def route(ep: Endpoint, version: str) -> Route:
    """The Starlette route of an endpoint under one version segment."""

    async def handle(request: Request) -> Response:
        state: GraphState = request.app.state.graph
        client_request_id = request.headers.get("client-request-id", "")
        args = {
            "method": request.method,
            "path": request.url.path,
            "params": dict(request.path_params),
            "query": dict(request.query_params),
            "headers": request.headers,
            "body": await request.body(),
            "origin": f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}",
            "version": version,
        }
        try:
            reply = gate(state, ep, args)
        except GraphError as err:
            reply = error_reply(state, err, client_request_id)
        return respond(state, reply, client_request_id)

    return Route(f"/{version}{ep.path}", handle, methods=[ep.method], name=f"{ep.method} {ep.path}")


AsyncHandler = Callable[[Request], Awaitable[Response]]
