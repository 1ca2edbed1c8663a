"""Every Slack call goes through here: slack-sdk's WebClient, its retry handlers, counting.

Retries are slack-sdk's own handlers (``RateLimitErrorRetryHandler`` honours ``Retry-After`` on
429; ``ServerErrorRetryHandler`` retries 500/503; ``ConnectionErrorRetryHandler`` retries resets
and, added here, connections dropped mid-response), subclassed only to count what they do.
slack_sdk is imported inside functions so that ``govern --help`` never loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from govern.errors import ConnectorError
from govern_slack.settings import SlackSettings


class SlackCallError(ConnectorError):
    """Slack answered ``ok: false``: the method, Slack's error code, and the scope it needed."""

    def __init__(self, method: str, error: str, needed: str = "") -> None:
        super().__init__(f"Slack {method}: {error}" + (f" (needs {needed})" if needed else ""))
        self.method = method
        self.error = error
        self.needed = needed


@dataclass
class Stats:
    """Requests and retries of a run, counted across threads."""

    requests: int = 0
    retries: int = 0
    per_method: dict[str, int] = field(default_factory=dict)
    observed: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str) -> None:
        """One request sent."""
        with self.lock:
            self.requests += 1
            self.per_method[method] = self.per_method.get(method, 0) + 1

    def retry(self) -> None:
        """One request sent again after a 429, a 5xx or a dropped connection."""
        with self.lock:
            self.requests += 1
            self.retries += 1

    def observe(self, headers: Any) -> None:
        """Keep the tool's clock (HTTP ``Date``) of the latest response."""
        values = headers.get("date") or headers.get("Date") if headers else None
        value = values[0] if isinstance(values, list) and values else values
        if isinstance(value, str):
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return
            with self.lock:
                self.observed = when


def _retry_handlers(settings: SlackSettings, stats: Stats) -> list[Any]:
    from http.client import IncompleteRead, RemoteDisconnected
    from urllib.error import URLError

    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
    )

    def counted(base: type[Any]) -> type[Any]:
        class Counted(base):  # type: ignore[misc]
            def prepare_for_next_attempt(self, **kwargs: Any) -> None:
                stats.retry()
                super().prepare_for_next_attempt(**kwargs)

        return Counted

    n = settings.max_retries
    return [
        counted(RateLimitErrorRetryHandler)(max_retry_count=n),
        counted(ServerErrorRetryHandler)(max_retry_count=n),
        # A connection dropped mid-body surfaces as IncompleteRead, which slack-sdk's default
        # list does not name; it is as transient as a reset, so it is retried the same way.
        counted(ConnectionErrorRetryHandler)(
            max_retry_count=n,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, IncompleteRead],
        ),
    ]


class Api:
    """One token's WebClient, counted; ``call`` returns the body, ``pages`` walks cursors."""

    def __init__(self, token: str, settings: SlackSettings, stats: Stats) -> None:
        from slack_sdk import WebClient

        self.settings = settings
        self.stats = stats
        self.client = WebClient(
            token=token,
            base_url=settings.base_url,
            timeout=int(settings.timeout_seconds),
            retry_handlers=_retry_handlers(settings, stats),
        )
        self.org_wide = False
        """Whether the token is an org-wide Enterprise Grid install (set from auth.test)."""
        self.scopes: frozenset[str] | None = None
        """The token's scopes as Slack reports them (``X-OAuth-Scopes``), once known."""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a Web API method through slack-sdk; ``ok: false`` raises :class:`SlackCallError`."""
        from slack_sdk.errors import SlackApiError

        fn = getattr(self.client, method.replace(".", "_"))
        self.stats.count(method)
        try:
            response = fn(**{k: v for k, v in params.items() if v is not None})
        except SlackApiError as exc:
            body = exc.response.data if isinstance(exc.response.data, dict) else {}
            raise SlackCallError(
                method, str(body.get("error", "unknown_error")), str(body.get("needed", ""))
            ) from None
        self.stats.observe(response.headers)
        scopes = _header(response.headers, "x-oauth-scopes")
        if scopes is not None:
            self.scopes = frozenset(s for s in scopes.split(",") if s)
        data = response.data
        return data if isinstance(data, dict) else {}

    def pages(self, method: str, key: str, **params: Any) -> Iterator[list[Any]]:
        """Every page of a cursor-paged method, as the lists under ``key``."""
        cursor: str | None = None
        while True:
            body = self.call(method, limit=self.settings.page_size, cursor=cursor, **params)
            yield list(body.get(key) or [])
            cursor = (body.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return


def _header(headers: Any, name: str) -> str | None:
    for k, v in (headers or {}).items():
        if k.lower() == name:
            return str(v[0] if isinstance(v, list) and v else v)
    return None
