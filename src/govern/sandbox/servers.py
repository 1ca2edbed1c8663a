"""The registry of sandbox API servers, and a running set of them over one organisation.

Each server kind (Graph, Confluence Data Center, Confluence Cloud, ...) registers a
:class:`ServerKind`: a name, a one-line description and a ``start`` that serves an organisation
on 127.0.0.1 and returns a :class:`Started` (its URL, request log, fault switch, and the
settings that point govern at it). ``govern sandbox serve``, the pytest plugin and the
benchmarks all go through :class:`Servers`, so a new server plugs in by adding one entry to
:data:`SERVERS`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from govern.sandbox.errors import SandboxError
from govern.sandbox.http import FaultInjector, Faults, RequestLog
from govern.sandbox.org import Organisation
from govern.sandbox.slack.registry import start as _start_slack

GRAPH_TOKEN = "sandbox-token"
"""The bearer token the printed settings use (any token works; ``sandbox-scoped:...`` limits)."""


@dataclass
class Started:
    """One running server."""

    name: str
    url: str
    """The URL to configure govern with (Graph: the ``/v1.0`` service root)."""
    log: RequestLog
    """Every request served, per endpoint."""
    injector: FaultInjector
    """Its fault switch: ``injector.set(Faults(...))`` changes faults at run time."""
    settings: dict[str, Any]
    """Connector settings (TOML key -> value: text, a list, or a table) that point govern at
    this server, as govern's settings model accepts them."""
    section: str
    """The TOML section / ``GOVERN_<SECTION>__`` prefix of those settings."""
    stop: Callable[[], None]
    server: Any
    """The server object itself (e.g. ``GraphServer``), for tests that need more."""

    def env(self) -> dict[str, str]:
        """The settings as ``GOVERN_*`` environment variables.

        Lists and tables are JSON, the form pydantic-settings parses for them from the
        environment (comma-separated text is refused there).
        """
        prefix = f"GOVERN_{self.section.upper()}__"
        return {
            prefix + key.upper(): value if isinstance(value, str) else json.dumps(value)
            for key, value in self.settings.items()
        }

    def toml(self) -> str:
        """The settings as a TOML section (tables as ``[section.key]`` sub-tables)."""
        lines = [f"[{self.section}]"]
        tables = {k: v for k, v in self.settings.items() if isinstance(v, dict)}
        lines += [f"{k} = {_toml(v)}" for k, v in self.settings.items() if k not in tables]
        for key, table in tables.items():
            lines += ["", f"[{self.section}.{key}]"]
            lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
        return "\n".join(lines)


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers, booleans and arrays are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class ServerKind:
    """A kind of server: how to start it over an organisation."""

    name: str
    description: str
    start: Callable[[Organisation, Faults | None, int, dict[str, Any]], Started]


def _start_graph(
    org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]
) -> Started:
    from govern.sandbox.graph import GraphServer, GraphSettings

    settings = options.get("graph_settings") or GraphSettings()
    server = GraphServer(org, settings, faults).start(port)
    # The origin rules that fit the simulated firm: its IT staff group, the app IT provisions
    # with, and its naming convention; with them the report tells IT's communities apart.
    origin = {
        "it_groups": [it_group_name(org)],
        "provisioning_app_ids": [org.app_client_id(org.directory.provisioning_app)],
        "naming_patterns": ["^IT-"],
    }
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
            "origin": origin,
        },
        section="m365",
        stop=server.stop,
        server=server,
    )


def _confluence_credentials(url: str, flavour: str) -> dict[str, Any]:
    """Connector settings: Cloud signs in with email and API token, Data Center with a PAT."""
    if flavour == "cloud":
        return {
            "url": url,
            "deployment": flavour,
            "email": "admin",
            "api_token": "sandbox-admin-token",
        }
    return {"url": url, "deployment": flavour, "token": "sandbox-admin-token"}


def _confluence(
    flavour: str,
) -> Callable[[Organisation, Faults | None, int, dict[str, Any]], Started]:
    def start(
        org: Organisation, faults: Faults | None, port: int, options: dict[str, Any]
    ) -> Started:
        from govern.sandbox.confluence import start as start_confluence

        server = start_confluence(org, flavour, faults=faults, port=port)
        return Started(
            name=f"confluence-{flavour}" if flavour == "cloud" else "confluence",
            url=server.url,
            log=server.requests,
            injector=server.faults,
            settings=_confluence_credentials(server.url, flavour),
            section="confluence",
            stop=server.stop,
            server=server,
        )

    return start


SERVERS: dict[str, ServerKind] = {
    "graph": ServerKind(
        "graph", "Microsoft Graph v1.0/beta (M365 groups, Teams, Engage, reports)", _start_graph
    ),
    "confluence": ServerKind(
        "confluence", "Confluence Data Center (REST v1, JSON-RPC)", _confluence("datacenter")
    ),
    "confluence-cloud": ServerKind(
        "confluence-cloud", "Confluence Cloud (REST v2 and v1)", _confluence("cloud")
    ),
    "slack": ServerKind("slack", "Slack Web API (Enterprise Grid, a free workspace)", _start_slack),
}
"""Every server kind, by name; ``graph``, ``confluence`` and ``slack`` start by default."""

DEFAULT_SERVERS = ("graph", "confluence", "slack")


def it_group_name(org: Organisation) -> str:
    """The display name of the simulated firm's IT staff group (a directory security group).

    It fits both the m365 origin rules (``it_groups``) and the policies' steward pool
    (``directory_group`` in ``groups.yaml``).
    """
    return org.groups[org.directory.it_group].name


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
