"""A sandbox Confluence whose answers for chosen paths are rewritten: hostile input over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from govern.sandbox.confluence import create_app
from govern.sandbox.http import Message, Receive, RunningServer, Scope, Send, serve
from govern.sandbox.org import Organisation

Rewrite = Callable[[Any], Any]


@contextmanager
def rewritten(
    org: Organisation, flavour: str, rules: dict[str, Rewrite], version: str = "9.4.0"
) -> Iterator[RunningServer]:
    """Serve ``org``; a JSON answer whose path ends with a key of ``rules`` goes through it."""
    app, _ = create_app(org, flavour, version=version)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        rule = next(
            (f for suffix, f in rules.items() if scope.get("path", "").endswith(suffix)), None
        )
        if scope["type"] != "http" or rule is None:
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, keep)
        body = json.dumps(rule(json.loads(b"".join(chunks)))).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    server = serve(wrapped, date_header=False)
    try:
        yield server
    finally:
        server.stop()
