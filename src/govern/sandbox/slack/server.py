"""The sandbox's Slack Web API server: ``POST/GET /api/<method>`` in Slack's wire format.

Every request passes the gate real Slack applies: the token (``not_authed``, ``invalid_auth``),
the method's scopes (``missing_scope`` with ``needed`` and ``provided``), then the method's rate
limit tier, per method and workspace (HTTP 429, ``{"ok": false, "error": "ratelimited"}`` and
``Retry-After``). Errors are HTTP 200 with ``ok: false``. Responses carry ``X-OAuth-Scopes`` (the
token's scopes, as Slack sends them) and a ``Date`` on the organisation's simulated clock.

Slack's tiers allow 1, 20, 50 and 100 requests a minute with bursts; a sandbox "minute" lasts
``SlackSettings.minute_seconds`` (1 s by default, so tests run fast; 60 for Slack's real pace).
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from govern.sandbox import ids
from govern.sandbox.http import FaultInjector, Faults, RunningServer, instrument, serve
from govern.sandbox.org import Organisation
from govern.sandbox.slack import generate, threads
from govern.sandbox.slack.auth import Caller, SlackError, parse
from govern.sandbox.slack.methods import READS, Call
from govern.sandbox.slack.writes import WRITES

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
TIERS: dict[str, int] = {
    "auth.test": 4,
    "admin.teams.list": 3,
    "team.info": 3,
    "conversations.list": 2,
    "conversations.info": 3,
    "conversations.members": 4,
    "conversations.history": 3,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "conversations.invite": 3,
    "conversations.kick": 3,
    "conversations.archive": 2,
    "admin.conversations.convertToPrivate": 2,
}
METHODS = {**READS, **WRITES, **threads.METHODS}
TIERS.update(threads.TIERS)


@dataclass
class SlackSettings:
    """How the Slack server behaves beyond the documented defaults."""

    minute_seconds: float = 1.0
    """Real seconds in one rate-limit "minute" (Slack: 60)."""
    burst: float = 1.0
    """Bucket size as a share of a tier's per-minute allowance."""


class RateLimiter:
    """Token buckets per (method, workspace), refilled at the method's tier rate."""

    def __init__(self, settings: SlackSettings) -> None:
        self.settings = settings
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, method: str, where: str) -> float:
        """0 if the request may go now, else the seconds to wait."""
        per_minute = TIER_PER_MINUTE[TIERS.get(method, 3)]
        capacity = max(1.0, per_minute * self.settings.burst)
        rate = per_minute / self.settings.minute_seconds
        now = time.monotonic()
        with self._lock:
            level, at = self._buckets.get((method, where), (capacity, now))
            level = min(capacity, level + (now - at) * rate)
            if level < 1:
                self._buckets[(method, where)] = (level, now)
                return (1 - level) / rate
            self._buckets[(method, where)] = (level - 1, now)
            return 0.0


class SlackState:
    """The Slack data served, the settings and the rate limiter of one server."""

    def __init__(self, org: Organisation, settings: SlackSettings | None = None) -> None:
        self.org = org
        self.data = generate.build(org)
        self.settings = settings or SlackSettings()
        self.limiter = RateLimiter(self.settings)
        self.lock = threading.RLock()

    def free_workspace(self) -> int:
        """Index of the standalone free workspace (the sandbox's ``xoxb-free`` tokens)."""
        return next(w.idx for w in self.data.workspaces if not w.grid)


def _json(body: dict[str, Any], status: int, headers: dict[str, str]) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        raw = await request.body()
        kind = request.headers.get("content-type", "")
        if raw and kind.startswith("application/json"):
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                raise SlackError("invalid_json") from None
            if not isinstance(body, dict):
                raise SlackError("json_not_object")
            params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _token(request: Request, params: dict[str, str]) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return params.get("token") or None


async def api(request: Request) -> Response:
    """Serve one Web API method."""
    state: SlackState = request.app.state.slack
    method = request.path_params.get("method") or request.url.path.rsplit("/", 1)[-1]
    headers = {"Date": format_datetime(ids.to_datetime(state.org.now), usegmt=True)}
    try:
        params = await _params(request)
        handler = METHODS.get(method)
        if handler is None:
            raise SlackError("unknown_method", req_method=method)
        with state.lock:
            caller: Caller = parse(_token(request, params), state.free_workspace())
        headers["X-OAuth-Scopes"] = ",".join(sorted(caller.scopes))
        where = caller.token if caller.org_wide else str(caller.workspace)
        wait = state.limiter.take(method, where)
        if wait > 0:
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return _json({"ok": False, "error": "ratelimited"}, 429, headers)
        with state.lock:
            generate.sync(state.data)
            headers["Date"] = format_datetime(ids.to_datetime(state.org.now), usegmt=True)
            body = handler(Call(state.data, caller, params))
    except SlackError as exc:
        if exc.error == "missing_scope":
            headers["X-Accepted-OAuth-Scopes"] = str(exc.extra.get("needed", ""))
        return _json(exc.body(), exc.status, headers)
    return _json({"ok": True, **body}, 200, headers)


def create_app(state: SlackState) -> Starlette:
    """The bare Slack app for ``state`` (no instrumentation)."""
    # One route per method, so the request log counts each method on its own.
    routes = [Route(f"/api/{m}", api, methods=["GET", "POST"]) for m in METHODS]
    routes.append(Route("/api/{method}", api, methods=["GET", "POST"]))
    app = Starlette(routes=routes)
    app.state.slack = state
    return app


class SlackServer:
    """A Slack Web API server for one organisation: build, start on a port, read counts, stop."""

    name = "slack"

    def __init__(
        self,
        org: Organisation,
        settings: SlackSettings | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.state = SlackState(org, settings)
        self.app = create_app(self.state)
        self.asgi: FaultInjector
        self.asgi, self.log = instrument(self.app, faults)
        self.running: RunningServer | None = None

    def start(self, port: int = 0) -> SlackServer:
        """Serve on 127.0.0.1:``port`` (0: any free port) in a background thread."""
        self.running = serve(self.asgi, port, date_header=False)
        return self

    @property
    def url(self) -> str:
        """Base URL of the Web API, e.g. ``http://127.0.0.1:8123/api/`` (slack-sdk's base_url)."""
        if self.running is None:
            raise RuntimeError("the Slack server is not running; call start() first")
        return f"{self.running.url}/api/"

    def stop(self) -> None:
        """Stop serving."""
        if self.running is not None:
            self.running.stop()
            self.running = None

    def __enter__(self) -> SlackServer:
        return self.start() if self.running is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
