"""Many simulated tenants at once: one Graph server per tenant, one port each.

Each tenant is its own organisation (its own seed, so its own people, groups and ids), served
by its own Graph server with its own throttling budget (resource units per 10 s), as Graph's
quota is per tenant and app. A tenant's server accepts only that tenant's token: a token of
another tenant is refused with Graph's 401 ``InvalidAuthenticationToken`` ("Access token
validation failure. Invalid audience.", as Graph answers a token issued for another audience),
which is how a fleet test gives one tenant wrong credentials.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from govern.sandbox.http import RunningServer, serve

TOKEN_PREFIX = "sandbox-tenant:"


def tenant_token(tenant_id: str) -> str:
    """The bearer token a sandbox tenant accepts."""
    return TOKEN_PREFIX + tenant_id


class _TenantGate:
    """ASGI middleware: only the tenant's own token reaches its Graph server."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"").strip().lower()
            if given and given != self.expected.lower():
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Any) -> None:
    from govern.sandbox.graph.errors import error_body

    body = json.dumps(
        error_body(
            "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.", 0
        )
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass
class SandboxTenant:
    """One running tenant."""

    id: str
    seed: int
    url: str
    """The Graph service root (``.../v1.0``)."""
    running: RunningServer = field(repr=False)
    server: Any = field(repr=False)

    @property
    def token(self) -> str:
        """The token this tenant accepts."""
        return tenant_token(self.id)


@dataclass
class SandboxFleet:
    """Running tenants; ``stop()`` ends them."""

    tenants: list[SandboxTenant]

    def fleet_toml(
        self,
        *,
        schedule: str | None = None,
        wrong_token: Iterable[str] = (),
        policies: dict[str, str] | None = None,
    ) -> str:
        """A fleet file for these tenants (tokens inline: the sandbox's are not secrets).

        ``wrong_token`` names tenants given another tenant's token (the bad-credentials case).
        """
        bad = set(wrong_token)
        lines = ["[fleet]"]
        if schedule:
            lines.append(f'schedule = "{schedule}"')
        lines += [
            "",
            "[m365]",
            'auth = "static_token"',
            "concurrency = 4",
            "[m365.origin]",
            'it_groups = ["IT Staff"]',
            'naming_patterns = ["^IT-"]',
        ]
        for t in self.tenants:
            token = tenant_token("not-" + t.id) if t.id in bad else t.token
            lines += [
                "",
                "[[m365.tenants]]",
                f'id = "{t.id}"',
                f'tenant_id = "{t.id}.onmicrosoft.com"',
                f'graph_url = "{t.url}"',
                f'static_token = "{token}"',
            ]
            if policies and t.id in policies:
                lines.append(f'policies = "{policies[t.id]}"')
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        """Stop every tenant's server."""
        threads = [threading.Thread(target=t.running.stop) for t in self.tenants]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.tenants.clear()

    def __enter__(self) -> SandboxFleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fleet(
    count: int,
    *,
    size: str = "tiny",
    first_seed: int = 1,
    resource_units_per_10s: int | None = 8_000,
    prefix: str = "t",
    latency_seconds: float = 0.0,
) -> SandboxFleet:
    """Generate and serve ``count`` tenants (seeds ``first_seed``...), each with its budget.

    ``latency_seconds`` is added to every request, to model a network round trip.
    """
    from govern.sandbox.graph import GraphServer, GraphSettings
    from govern.sandbox.graph.throttle import Limits
    from govern.sandbox.http import Faults
    from govern.sandbox.org import generate

    width = max(2, len(str(count)))
    fleet = SandboxFleet([])
    try:
        for n in range(count):
            tid = f"{prefix}{n + 1:0{width}d}"
            seed = first_seed + n
            org = generate(size, seed)
            limits = Limits(resource_units=resource_units_per_10s)
            faults = Faults(latency_seconds=latency_seconds) if latency_seconds else None
            server = GraphServer(org, GraphSettings(limits=limits), faults)
            running = serve(_TenantGate(server.asgi, tenant_token(tid)), 0, date_header=False)
            fleet.tenants.append(SandboxTenant(tid, seed, f"{running.url}/v1.0", running, server))
    except BaseException:
        fleet.stop()
        raise
    return fleet
