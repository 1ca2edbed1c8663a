"""The HTTP session under atlassian-python-api: retries, backoff, request counting.

atlassian-python-api sends every request through the ``requests.Session`` it is given. This
session retries what a busy or flaky site produces: 429 and 503 with ``Retry-After`` (honoured,
capped), other 5xx with exponential backoff and jitter, and connections dropped before or during
the body (the body is read inside the retry loop, so a truncated answer is retried, never
parsed). It counts requests and retries for the run's statistics, and remembers the site's clock
from the ``Date`` header.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.exceptions import ChunkedEncodingError, ConnectionError, ContentDecodingError, Timeout

from govern.errors import ConnectorError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 60.0


class Unauthorized(ConnectorError):
    """The site refused the credentials (HTTP 401): nothing can be read with them."""


@dataclass
class Meter:
    """Requests, retries and the site clock, shared by every session of one run."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_time: datetime | None = None
    first_time: datetime | None = None
    """The site's clock at the first answer of the run."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, retry: bool, throttled: bool) -> None:
        """Count one request sent."""
        with self._lock:
            self.requests += 1
            self.retries += retry
            self.throttled += throttled

    def clock(self, header: str | None) -> None:
        """Remember the site's time from a ``Date`` header (the last date, if repeated)."""
        if not header:
            return
        try:
            moment = parsedate_to_datetime(header[-29:])
        except (TypeError, ValueError, IndexError):
            return
        with self._lock:
            self.server_time = moment
            if self.first_time is None:
                self.first_time = moment


class RetryingSession(requests.Session):
    """A ``requests.Session`` that retries throttling, 5xx and dropped connections."""

    def __init__(
        self, meter: Meter, max_retries: int, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        super().__init__()
        self.meter = meter
        self.max_retries = max_retries
        self._sleep = sleep

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send with retries; return the final response (which may still be an error)."""
        attempt = 0
        while True:
            retry = attempt > 0
            try:
                resp = super().request(method, url, *args, **kwargs)
                _ = resp.content  # read the body here, so a dropped connection is retried
            except (ConnectionError, ChunkedEncodingError, ContentDecodingError, Timeout):
                self.meter.count(retry, False)
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                self._sleep(self._backoff(attempt))
                continue
            if resp.status_code == 401:
                # Every later request would fail the same way; one line that says what to fix.
                host = urlsplit(str(resp.url)).hostname or "the site"
                raise Unauthorized(
                    f"Confluence at {host} answered 401 Unauthorized: the credentials in "
                    f"[confluence] (token, username/password or email/api_token) were refused; "
                    f"check them and that the account is active"
                )
            throttled = resp.status_code == 429
            self.meter.count(retry, throttled)
            self.meter.clock(resp.headers.get("date"))
            if resp.status_code not in RETRY_STATUS or attempt >= self.max_retries:
                return resp
            attempt += 1
            self._sleep(self._wait(resp, attempt))

    def _backoff(self, attempt: int) -> float:
        base: float = min(MAX_WAIT, 0.2 * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _wait(self, resp: requests.Response, attempt: int) -> float:
        header = resp.headers.get("retry-after")
        if header:
            try:
                return min(MAX_WAIT, max(0.0, float(header)))
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                    date = parsedate_to_datetime(resp.headers.get("date", "")[-29:])
                    return min(MAX_WAIT, max(0.0, (when - date).total_seconds()))
                except (TypeError, ValueError):
                    pass
        return self._backoff(attempt)
