"""Sandbox fixtures and helpers for the M365 connector's tests (real msgraph-sdk, real HTTP)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govern.sandbox.pytest_plugin import pytest_configure, sandbox, sandbox_factory
from govern.sandbox.servers import Servers
from govern.store import Store

__all__ = ["pytest_configure", "sandbox", "sandbox_factory"]

ORIGIN = {"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]}


def m365_settings(servers: Servers, **extra: Any) -> Any:
    """Settings pointing the connector at the sandbox's Graph server."""
    from govern_m365.settings import M365Settings

    conf: dict[str, Any] = dict(servers.graph.settings)
    conf["origin"] = ORIGIN
    conf.update(extra)
    return M365Settings(**conf)


Discover = Callable[..., Any]


@pytest.fixture
def discover(tmp_path: Path) -> Discover:
    """Run the connector into a store (one per test) and return (outcome, log lines)."""
    from govern_m365 import M365Connector

    from govern.discovery import run_discovery

    stores: dict[str, Store] = {}

    def run(settings: Any, *, db: str = "inventory", full: bool = False) -> tuple[Any, list[str]]:
        store = stores.get(db) or stores.setdefault(db, Store(f"sqlite:///{tmp_path / db}.db"))
        lines: list[str] = []
        outcome = run_discovery(store, M365Connector(settings), full=full, log=lines.append)
        for line in lines:
            print(line, file=sys.stderr)
        return outcome, lines

    run.stores = stores  # type: ignore[attr-defined]
    return run


def inventory(store: Store) -> tuple[set[str], dict[str, tuple[Any, ...]], set[tuple[str, ...]]]:
    """Principals, communities (key fields) and grants now in the store."""
    from govern.store import queries as q

    people = {p.id for p in q.principals(store)}
    comms = {
        c.id: (c.name, c.kind, c.visibility, c.origin, c.archived, c.url, c.sensitivity_label)
        for c in q.communities(store)
    }
    grants = {g.key for g in q.grants(store)}
    return people, comms, grants
