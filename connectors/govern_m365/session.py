"""One conversation with Graph through msgraph-sdk: bounded, paced, retried and counted.

Every request goes through the SDK's request adapter (authentication, middleware, error
mapping). Bodies are read as bytes and parsed here: the SDK's ``$batch`` deserialisation drops
object bodies in this version set (notes/graph-sdk.md), and reading plain JSON lets a missing
field be reported by name. On top of the SDK's retry middleware this layer retries what it
does not: throttled requests inside a ``$batch``, connections dropped mid-response, and
throttling that outlasts the middleware's attempts.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from govern.errors import ConnectorError
from govern_m365.cost import Cost, resource_units
from govern_m365.permissions import NEEDS, Feature
from govern_m365.settings import M365Settings

BATCH_SIZE = 20
_RETRY_STATUS = frozenset({429, 503, 504})


class GraphFailure(ConnectorError):
    """Graph refused a request; the message carries Graph's own code and message."""

    def __init__(self, status: int, code: str, message: str, what: str, hint: str = "") -> None:
        self.status, self.code, self.graph_message = status, code, message
        tail = f"; {hint}" if hint else ""
        super().__init__(f"{what}: Graph answered {status} {code}: {message}{tail}")


class Forbidden(GraphFailure):
    """A 403: the credentials lack the feature's permission."""

    def __init__(self, feature: Feature, code: str, message: str, what: str) -> None:
        self.feature = feature
        need = NEEDS[feature]
        super().__init__(
            403, code, message, what, f"grant {need.permission} to the app registration"
        )


@dataclass(frozen=True)
class Answer:
    """One answer inside a ``$batch``."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300

    def error(self) -> tuple[str, str]:
        """Graph's error code and message."""
        err = self.body.get("error") or {}
        return str(err.get("code", "")), str(err.get("message", ""))


class Pacer:
    """A token bucket of resource units, so a run stays inside the tenant's budget.

    Graph throttles an app+tenant pair past its units per 10 s; pacing before sending costs
    nothing, where a 429 costs a round trip and a Retry-After.
    """

    def __init__(self, per_10s: int, burst: int | None = None) -> None:
        # A burst below Graph's own bucket leaves headroom for requests that reach Graph
        # closer together than they were sent (a busy network or server bunches them).
        self.capacity = float(burst or per_10s)
        self.rate = per_10s / 10.0
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self, units: int) -> None:
        """Wait until ``units`` may be spent."""
        if units <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= min(units, self.capacity)
            if self.tokens < 0:
                # Sleep inside the lock: later requests queue behind this one, in order.
                await asyncio.sleep(-self.tokens / self.rate)


class KeyedRate:
    """At most ``per_second`` requests per key (Teams allows 4 per second on one team)."""

    def __init__(self, per_second: float) -> None:
        self.gap = 1.0 / per_second
        self._next: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        """Wait for this key's next slot."""
        now = time.monotonic()
        slot = max(now, self._next.get(key, now))
        self._next[key] = slot + self.gap
        if slot > now:
            await asyncio.sleep(slot - now)


def retry_after(headers: Any, attempt: int) -> float:
    """Seconds to wait: Graph's Retry-After (seconds or a date), else exponential backoff."""
    value = None
    if headers is not None:
        value = headers.get("retry-after") or headers.get("Retry-After")
    if value:
        try:
            return max(1.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(str(value))
                return max(1.0, when.timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return min(2.0**attempt, 60.0)


class Session:
    """The SDK client plus the run's concurrency, pacing, retries and cost."""

    def __init__(self, settings: M365Settings, cost: Cost | None = None) -> None:
        self.settings = settings
        self.cost = cost or Cost()
        self.base = settings.graph_url.rstrip("/")
        self._sem = asyncio.Semaphore(settings.concurrency)
        self.pacer = Pacer(settings.resource_units_per_10s)
        self.teams = KeyedRate(settings.team_requests_per_second)
        self.client: Any = None
        self._http: Any = None
        self._counting: Any = None

    async def __aenter__(self) -> Session:
        from msgraph.graph_request_adapter import GraphRequestAdapter
        from msgraph.graph_service_client import GraphServiceClient

        from govern_m365.credentials import auth_provider
        from govern_m365.transport import build_http_client

        s = self.settings
        self._http, self._counting = build_http_client(
            s.graph_url,
            self.cost,
            concurrency=s.concurrency,
            timeout=s.timeout_seconds,
            max_retries=s.max_retries,
        )
        adapter = GraphRequestAdapter(auth_provider(s), client=self._http)
        # httpx appends a slash to base URLs and kiota would then send /v1.0//groups.
        adapter.base_url = self.base
        self.client = GraphServiceClient(request_adapter=adapter)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()

    @property
    def first_date(self) -> datetime | None:
        """Graph's clock at the first answer of this session."""
        return self._counting.first_date if self._counting else None

    # --- single requests -------------------------------------------------------------------
    def request_for_url(self, url: str, method: str = "GET") -> Any:
        """A RequestInformation for an absolute URL (a nextLink or deltaLink)."""
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation()
        info.http_method = Method[method]
        info.url = url if "://" in url else f"{self.base}/{url.lstrip('/')}"
        info.headers.try_add("Accept", "application/json")
        return info

    async def send(self, info: Any, feature: Feature, what: str) -> bytes | None:
        """Send one request with retries; errors become :class:`GraphFailure`."""
        import httpx
        from kiota_abstractions.api_error import APIError
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        units = resource_units(str(info.http_method.name), str(info.url))
        attempts = self.settings.max_retries + 1
        for attempt in range(attempts):
            await self.pacer.take(units)
            try:
                async with self._sem:
                    raw: bytes | None = await self.client.request_adapter.send_primitive_async(
                        info, "bytes", {"XXX": ODataError}
                    )
                return raw
            except APIError as exc:
                status = exc.response_status_code or 0
                if status in _RETRY_STATUS and attempt + 1 < attempts:
                    self.cost.add(retries=1)
                    await asyncio.sleep(retry_after(exc.response_headers, attempt))
                    continue
                raise self._failure(exc, feature, what) from None
            except httpx.TransportError as exc:
                # A dropped connection, or a body cut short mid-response.
                if attempt + 1 < attempts:
                    self.cost.add(retries=1, dropped=1)
                    await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
                    continue
                raise ConnectorError(
                    f"{what}: connection to {self.base} failed {attempts} times "
                    f"({type(exc).__name__}); check the network and m365.graph_url"
                ) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    async def json(self, info: Any, feature: Feature, what: str) -> dict[str, Any]:
        """Send one request and parse its JSON body."""
        for attempt in range(self.settings.max_retries + 1):
            raw = await self.send(info, feature, what)
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                # A body cut short by a dropped connection that still ended cleanly.
                self.cost.add(retries=1, dropped=1)
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
                continue
            if not isinstance(data, dict):
                raise ConnectorError(f"{what}: Graph answered {type(data).__name__}, not an object")
            return data
        raise ConnectorError(f"{what}: Graph's answer was cut short every time; try again")

    async def pages(self, info: Any, feature: Feature, what: str) -> AsyncIterator[dict[str, Any]]:
        """Every page of a collection (following absolute ``@odata.nextLink`` URLs)."""
        page = await self.json(info, feature, what)
        yield page
        while next_link := page.get("@odata.nextLink"):
            page = await self.json(self.request_for_url(str(next_link)), feature, what)
            yield page

    # --- batches ---------------------------------------------------------------------------
    def _relative(self, url: str) -> str:
        if url.startswith(self.base):
            url = url[len(self.base) :]
        return "/" + url.lstrip("/")

    async def batch(
        self, requests: Sequence[tuple[str, Any]], feature: Feature, what: str
    ) -> dict[str, Answer]:
        """Send up to 20 GET requests as one ``$batch``; throttled ones are sent again.

        Graph answers a ``$batch`` 200 even when requests inside it were throttled (429 with
        their own Retry-After); the SDK does not retry those, so this does.
        """
        from msgraph_core.requests.batch_request_content import BatchRequestContent
        from msgraph_core.requests.batch_request_item import BatchRequestItem

        if len(requests) > BATCH_SIZE:
            raise ValueError(f"a $batch carries at most {BATCH_SIZE} requests")
        pending = dict(requests)
        answers: dict[str, Answer] = {}
        for attempt in range(self.settings.max_retries + 1):
            content = BatchRequestContent({})
            for key, info in pending.items():
                item = BatchRequestItem(info, id=key)
                item.url = self._relative(str(info.url))
                content.add_request(key, item)
            post = await self.client.batch.to_post_request_information(content)
            # Graph charges every request inside a batch as if sent alone, when the batch
            # arrives: the whole batch's units are taken from the pacer before it goes out, or
            # eight workers' batches land together and the inner requests come back 429.
            await self.pacer.take(
                sum(resource_units("GET", str(info.url)) for info in pending.values())
            )
            self.cost.add(batched_requests=len(pending))
            data = await self.json(post, feature, what)
            wait = 0.0
            for resp in data.get("responses", []):
                key = str(resp.get("id"))
                status = int(resp.get("status", 0))
                body = resp.get("body") if isinstance(resp.get("body"), dict) else {}
                if status in _RETRY_STATUS and attempt < self.settings.max_retries:
                    self.cost.add(throttled=1, retries=1)
                    headers = {str(k).lower(): v for k, v in (resp.get("headers") or {}).items()}
                    wait = max(wait, retry_after(headers, attempt))
                    continue
                if key in pending:
                    answers[key] = Answer(status, body or {})
                    del pending[key]
            if not pending:
                return answers
            await asyncio.sleep(wait or min(2.0**attempt, 30.0))
        for key in pending:
            answers[key] = Answer(429, {"error": {"code": "TooManyRequests", "message": "gave up"}})
        return answers

    # --- errors ----------------------------------------------------------------------------
    def _failure(self, exc: Any, feature: Feature, what: str) -> GraphFailure:
        status = int(getattr(exc, "response_status_code", 0) or 0)
        err = getattr(exc, "error", None)
        code = str(getattr(err, "code", "") or "")
        message = str(getattr(err, "message", "") or "") or str(exc.args[0] if exc.args else "")
        if status == 403:
            return Forbidden(feature, code, message, what)
        hint = {
            401: "check the credentials (m365.auth, client id and secret or certificate)",
            404: "the object no longer exists; run discovery again",
        }.get(status, "")
        return GraphFailure(status, code, message, what, hint)
