"""The registry of sandbox API servers, and a running set of them over one organisation.

Each server package (``graph``, ``confluence``, ``slack``) has one ``serve.start`` that serves
an organisation on 127.0.0.1 and returns a :class:`~govern.sandbox.started.Started` (its URL,
request log, fault switch, and the settings that point govern at it). This module is the one
place they are registered, as a :class:`ServerKind` each, imported only when started.
``govern sandbox serve``, the pytest plugin and the benchmarks all go through
:class:`Servers`, so a new server plugs in by adding one entry to :data:`SERVERS`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from govern.sandbox.errors import SandboxError
from govern.sandbox.firm import it_group_name
from govern.sandbox.http import Faults
from govern.sandbox.org import Organisation
from govern.sandbox.started import Started, StartServer

# Re-exported: the demo, the CLI and tests name them through the registry's module.
__all__ = ["DEFAULT_SERVERS", "SERVERS", "ServerKind", "Servers", "Started", "it_group_name"]


@dataclass(frozen=True)
class ServerKind:
    """A kind of server: how to start it over an organisation."""

    name: str
    description: str
    module: str
    """The server package's module whose ``start`` serves it (imported when started)."""
    fixed: dict[str, Any] = field(default_factory=dict)
    """Options this kind always passes (the Confluence flavour)."""

    def start(
        self, org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]
    ) -> Started:
        """Serve ``org`` on 127.0.0.1 (port 0: a free one)."""
        start: StartServer = importlib.import_module(self.module).start
        return start(org, faults, port, {**options, **self.fixed})


SERVERS: dict[str, ServerKind] = {
    kind.name: kind
    for kind in (
        ServerKind(
            "graph",
            "Microsoft Graph v1.0/beta (M365 groups, Teams, Engage, reports)",
            "govern.sandbox.graph.serve",
        ),
        ServerKind(
            "confluence",
            "Confluence Data Center (REST v1, JSON-RPC)",
            "govern.sandbox.confluence.serve",
            {"confluence_flavour": "datacenter"},
        ),
        ServerKind(
            "confluence-cloud",
            "Confluence Cloud (REST v2 and v1)",
            "govern.sandbox.confluence.serve",
            {"confluence_flavour": "cloud"},
        ),
        ServerKind(
            "slack",
            "Slack Web API (Enterprise Grid, a free workspace)",
            "govern.sandbox.slack.serve",
        ),
    )
}
"""Every server kind, by name; ``graph``, ``confluence`` and ``slack`` start by default."""

DEFAULT_SERVERS = ("graph", "confluence", "slack")


@dataclass
class Servers:
    """A set of running servers over one organisation (stop them with :meth:`stop`).

    ``lock`` serialises changes made from outside the servers (time advance in a test) with
    the requests they serve.
    """

    org: Organisation
    running: dict[str, Started] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def start(
        cls,
        org: Organisation,
        names: Iterable[str] = DEFAULT_SERVERS,
        faults: Faults | None = None,
        ports: dict[str, int] | None = None,
        **options: Any,
    ) -> Servers:
        """Start the named servers (unknown names are an error listing the known ones)."""
        names = list(names)
        unknown = [n for n in names if n not in SERVERS]
        if unknown:
            known = ", ".join(SERVERS)
            raise SandboxError(f"unknown sandbox server {unknown[0]!r}; choose from: {known}")
        servers = cls(org)
        try:
            for name in names:
                port = (ports or {}).get(name, 0)
                servers.running[name] = SERVERS[name].start(org, faults, port, options)
        except BaseException:
            servers.stop()
            raise
        graph = servers.running.get("graph")
        if graph is not None:
            # One lock for the organisation: Graph requests and outside changes never interleave.
            servers.lock = graph.server.state.lock
        return servers

    def __getitem__(self, name: str) -> Started:
        return self.running[name]

    @property
    def graph(self) -> Started:
        """The Graph server (KeyError if not started)."""
        return self.running["graph"]

    def counts(self) -> dict[str, dict[str, int]]:
        """Requests served so far, per server and endpoint."""
        return {name: s.log.snapshot() for name, s in self.running.items()}

    def reset_counts(self) -> None:
        """Forget the requests counted so far."""
        for s in self.running.values():
            s.log.reset()

    def set_faults(self, faults: Faults) -> None:
        """Change the faults every server injects from now on."""
        for s in self.running.values():
            s.injector.set(faults)

    def advance(self, days: int) -> None:
        """Move the organisation's clock forward while no request is being served."""
        from govern.sandbox.timeline import advance

        with self.lock:
            advance(self.org, days)

    def env(self) -> dict[str, str]:
        """Every server's settings as ``GOVERN_*`` variables."""
        out: dict[str, str] = {}
        for s in self.running.values():
            out.update(s.env())
        return out

    def stop(self) -> None:
        """Stop every server."""
        for s in self.running.values():
            s.stop()
        self.running.clear()

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
