"""How the sandbox server registry (``govern.sandbox.servers``) starts the Confluence server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.sandbox.started import Started

if TYPE_CHECKING:
    from govern.sandbox.http import Faults
    from govern.sandbox.org import Organisation


def _credentials(url: str, flavour: str) -> dict[str, Any]:
    """Connector settings: Cloud signs in with email and API token, Data Center with a PAT."""
    if flavour == "cloud":
        return {
            "url": url,
            "deployment": flavour,
            "email": "admin",
            "api_token": "sandbox-admin-token",
        }
    return {"url": url, "deployment": flavour, "token": "sandbox-admin-token"}


def start(org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]) -> Started:
    """Serve the organisation's Confluence; the settings point ``[confluence]`` at it.

    ``options["confluence_flavour"]`` picks Cloud (``cloud``) or Data Center (the default).
    """
    from govern.sandbox.confluence.app import start as start_app

    flavour = options.get("confluence_flavour", "datacenter")
    server = start_app(org, flavour, faults=faults, port=port)
    return Started(
        name=f"confluence-{flavour}" if flavour == "cloud" else "confluence",
        url=server.url,
        log=server.requests,
        injector=server.faults,
        settings=_credentials(server.url, flavour),
        section="confluence",
        stop=server.stop,
        server=server,
    )
