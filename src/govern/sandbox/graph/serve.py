"""How the sandbox server registry (``govern.sandbox.servers``) starts the Graph server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.sandbox.firm import origin_rules
from govern.sandbox.started import Started

if TYPE_CHECKING:
    from govern.sandbox.http import Faults
    from govern.sandbox.org import Organisation

GRAPH_TOKEN = "sandbox-token"
"""The bearer token the printed settings use (any token works; ``sandbox-scoped:...`` limits)."""


def start(org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]) -> Started:
    """Serve the organisation's Microsoft 365; the settings point govern's ``[m365]`` at it."""
    from govern.sandbox.graph import GraphServer, GraphSettings

    settings = options.get("graph_settings") or GraphSettings()
    server = GraphServer(org, settings, faults).start(port)
    return Started(
        name="graph",
        url=server.url,
        log=server.log,
        injector=server.asgi,
        settings={
            "tenant_id": org.domain,
            "auth": "static_token",
            "static_token": GRAPH_TOKEN,
            "graph_url": server.url,
            "origin": origin_rules(org),
        },
        section="m365",
        stop=server.stop,
        server=server,
    )
