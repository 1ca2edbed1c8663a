"""Graph's error bodies, as the service sends them.

Every error Graph returns has the shape ``{"error": {"code", "message", "innerError": {"date",
"request-id", "client-request-id"}}}``; handlers raise :class:`GraphError` and the gate turns it
into that body, so no handler builds an error response by hand.
"""

from __future__ import annotations

import uuid
from typing import Any

from govern.sandbox import ids


class GraphError(Exception):
    """An error Graph would answer with: ``status``, ``code`` and ``message`` as Graph sends."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        super().__init__(f"{status} {code}: {message}")


def error_body(code: str, message: str, now: int, client_request_id: str = "") -> dict[str, Any]:
    """The JSON body of a Graph error at simulated time ``now``."""
    request_id = str(uuid.uuid4())
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                # Graph's innerError date has no zone designator (observed in documented examples).
                "date": ids.iso(now).rstrip("Z"),
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    """A 400 with Graph's generic directory code."""
    return GraphError(400, code, message)


def not_found(object_id: str) -> GraphError:
    """The 404 Graph answers for an id that names nothing."""
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def unsupported_filter(prop: str, resource: str) -> GraphError:
    """The 400 for a ``$filter`` clause the sandbox (and here, Graph) does not support."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of "
        f"resource '{resource}'.",
    )
