"""The bottom of the HTTP stack: counts what is really sent, and keeps Graph's clock.

It sits under the SDK's middleware (retry, redirect, ...), so every attempt the middleware
makes is counted, and the ``Date`` header of Graph's answers gives the tool's clock for
``sink.observed_at``.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from govern_m365.cost import Cost, batch_units, resource_units

_THROTTLED = frozenset({429, 503, 504})


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests, retries and resource units, and records the first ``Date`` seen."""

    def __init__(self, inner: httpx.AsyncBaseTransport, cost: Cost) -> None:
        self.inner = inner
        self.cost = cost
        self.first_date: datetime | None = None
        self.last_date: datetime | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request and count it."""
        retry = 1 if "retry-attempt" in request.headers else 0
        self.cost.add(requests=1, retries=retry)
        response = await self.inner.handle_async_request(request)
        self._clock(response.headers.get("date"))
        if response.status_code in _THROTTLED:
            self.cost.add(throttled=1)
        else:
            self.cost.add(resource_units=self._units(request))
        return response

    def _units(self, request: httpx.Request) -> int:
        if request.method == "POST" and request.url.path.rstrip("/").endswith("$batch"):
            return batch_units(request.content)
        return resource_units(request.method, str(request.url))

    def _clock(self, header: str | None) -> None:
        if not header:
            return
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return  # a malformed Date header is not worth failing a run over
        if self.first_date is None:
            self.first_date = when
        self.last_date = when

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


def build_http_client(
    graph_url: str, cost: Cost, *, concurrency: int, timeout: float, max_retries: int
) -> tuple[Any, CountingTransport]:
    """An httpx client with the SDK's default middleware over a counting transport.

    The SDK installs no middleware on a client passed in (notes/graph-sdk.md), so it is added
    here; without it a 429 would come straight back as an error.
    """
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph_core import GraphClientFactory

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    counting = CountingTransport(httpx.AsyncHTTPTransport(limits=limits), cost)
    client = httpx.AsyncClient(
        transport=counting, base_url=graph_url.rstrip("/"), timeout=httpx.Timeout(timeout)
    )
    retry = RetryHandlerOption(max_retries=min(max_retries, RetryHandlerOption.MAX_MAX_RETRIES))
    client = GraphClientFactory.create_with_default_middleware(
        client=client, options={RetryHandlerOption.get_key(): retry}
    )
    return client, counting
