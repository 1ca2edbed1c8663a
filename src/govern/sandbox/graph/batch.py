"""JSON ``$batch``: up to 20 requests in one POST, answered in one 200 (concepts/json-batching.md).

Each inner request is served by the same app as a real request would be: its own
authentication, permission check and throttling, so an app over its budget gets inner ``429``s
with ``Retry-After`` inside a ``200`` batch, as Graph does ("Requests in a batch are evaluated
individually against the applicable throttling limits"). Injected throttling faults apply to
inner requests too. ``dependsOn`` is honoured: a request whose dependency failed answers ``424``.
Inner requests are counted in ``GraphState.batch_log``, apart from the HTTP requests.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox.graph.auth import caller
from govern.sandbox.graph.core import GraphState, Reply, error_reply, respond
from govern.sandbox.graph.errors import GraphError, error_body
from govern.sandbox.http import FaultInjector, Message, endpoint_name

MAX_REQUESTS = 20
_HEADER_NAMES = {
    b"content-type": "Content-Type",
    b"cache-control": "Cache-Control",
    b"odata-version": "OData-Version",
    b"retry-after": "Retry-After",
    b"location": "Location",
}
"""Header spellings of the documented batch responses (ASGI hands header names lowercased)."""


def attach(app: Starlette, injector: FaultInjector) -> None:
    """Let inner requests see the server's fault settings (they change at run time)."""
    app.state.faults = injector
    app.state.batch_random = random.Random(injector.faults.seed + 1)


def _invalid(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _validate(payload: Any) -> list[dict[str, Any]]:
    requests = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(requests, list) or not requests:
        raise _invalid("Invalid batch payload format.")
    if len(requests) > MAX_REQUESTS:
        raise _invalid(
            f"Too many requests in the batch: {len(requests)}; the maximum is {MAX_REQUESTS}."
        )
    seen: set[str] = set()
    for r in requests:
        if not isinstance(r, dict) or not all(
            isinstance(r.get(k), str) for k in ("id", "method", "url")
        ):
            raise _invalid("Invalid batch payload format.")
        key = r["id"].lower()
        if key in seen:
            raise _invalid(f"Batch request ids must be unique; '{r['id']}' is repeated.")
        seen.add(key)
        if "body" in r and not any(h.lower() == "content-type" for h in r.get("headers", {})):
            raise _invalid(
                "Write request id : " + r["id"] + " does not contain Content-Type header or body."
            )
    return requests


async def _dispatch(request: Request, version: str, inner: dict[str, Any]) -> dict[str, Any]:
    app: Starlette = request.app
    state: GraphState = app.state.graph
    url = urlsplit(inner["url"] if inner["url"].startswith("/") else "/" + inner["url"])
    body = inner.get("body")
    raw = b"" if body is None else json.dumps(body).encode()
    headers = [
        (b"authorization", request.headers.get("authorization", "").encode()),
        (b"host", request.headers.get("host", "").encode()),
    ]
    headers += [(k.lower().encode(), str(v).encode()) for k, v in inner.get("headers", {}).items()]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": inner["method"].upper(),
        "scheme": request.url.scheme,
        "path": f"/{version}{url.path}",
        "raw_path": f"/{version}{url.path}".encode(),
        "query_string": url.query.encode(),
        "headers": headers,
        "server": request.scope.get("server"),
        "client": request.scope.get("client"),
        "root_path": "",
    }
    out: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

    async def receive() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    state.batch_log.count(endpoint_name(scope))
    hdrs = {
        _HEADER_NAMES.get(k, k.decode()): v.decode()
        for k, v in out["headers"]
        if k not in (b"content-length", b"date")
    }
    answer: dict[str, Any] = {"id": inner["id"], "status": out["status"], "headers": hdrs}
    if out["body"]:
        try:
            answer["body"] = json.loads(out["body"])
        except ValueError:
            answer["body"] = out["body"].decode("utf-8", "replace")
    return answer


def _fault(request: Request, inner: dict[str, Any]) -> dict[str, Any] | None:
    injector: FaultInjector | None = getattr(request.app.state, "faults", None)
    if injector is None:
        return None
    f = injector.faults
    x = request.app.state.batch_random.random()
    if x >= f.throttle_rate + f.unavailable_rate:
        return None
    throttled = x < f.throttle_rate
    state: GraphState = request.app.state.graph
    code = "TooManyRequests" if throttled else "ServiceUnavailable"
    return {
        "id": inner["id"],
        "status": 429 if throttled else 503,
        "headers": {"Retry-After": str(f.retry_after), "Content-Type": "application/json"},
        "body": error_body(code, "Fault injected by the sandbox.", state.org.now),
    }


def route(version: str) -> Route:
    """``POST /{version}/$batch``."""

    async def handle(request: Request) -> Response:
        state: GraphState = request.app.state.graph
        try:
            caller(request.headers.get("authorization"))
            try:
                payload = json.loads(await request.body() or b"null")
            except ValueError:
                raise _invalid("Invalid batch payload format.") from None
            requests = _validate(payload)
        except GraphError as err:
            return respond(state, error_reply(state, err))
        status: dict[str, int] = {}
        responses = []
        for inner in requests:
            deps = inner.get("dependsOn") or []
            if any(status.get(str(d).lower(), 424) >= 400 for d in deps):
                answer: dict[str, Any] = {
                    "id": inner["id"],
                    "status": 424,
                    "headers": {},
                    "body": error_body("FailedDependency", "Failed dependency.", state.org.now),
                }
            else:
                answer = _fault(request, inner) or await _dispatch(request, version, inner)
            status[inner["id"].lower()] = answer["status"]
            responses.append(answer)
        return respond(state, Reply({"responses": responses}))

    return Route(f"/{version}/$batch", handle, methods=["POST"], name="POST /$batch")
