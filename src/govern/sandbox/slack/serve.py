"""How the sandbox server registry (``govern.sandbox.servers``) starts the Slack server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govern.sandbox.started import Started

if TYPE_CHECKING:
    from govern.sandbox.http import Faults
    from govern.sandbox.org import Organisation


def start(org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]) -> Started:
    """Serve the organisation's Slack; the settings point govern's ``[slack]`` table at it."""
    from govern.sandbox.slack.server import SlackServer, SlackSettings

    server = SlackServer(org, options.get("slack_settings") or SlackSettings(), faults).start(port)
    return Started(
        name="slack",
        url=server.url,
        log=server.log,
        injector=server.asgi,
        settings={
            "organization": "contoso",
            "token": "xoxb-sandbox",
            # Lists as lists: printed as TOML arrays and as JSON in the environment.
            "workspace_tokens": ["xoxb-free"],
            "sanctioned_workspaces": ["contoso", "contoso-support"],
            "base_url": server.url,
        },
        section="slack",
        stop=server.stop,
        server=server,
    )
