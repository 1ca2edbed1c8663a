"""Pytest fixtures that serve a sandbox organisation on ephemeral ports.

Use from any test folder with ``pytest_plugins = ["govern.sandbox.pytest_plugin"]`` in its
``conftest.py``, then::

    @pytest.mark.sandbox(size="tiny", seed=3, servers=("graph",), faults=Faults(throttle_rate=0.1))
    def test_discover(sandbox):
        url = sandbox.graph.url                # http://127.0.0.1:PORT/v1.0
        env = sandbox.env()                    # GOVERN_M365__GRAPH_URL=..., ...
        ...
        assert sandbox.counts()["graph"]["GET /v1.0/groups"] == 1

``sandbox`` is a :class:`govern.sandbox.servers.Servers`: per-endpoint request counts
(``counts()``), run-time faults (``set_faults``), time advance (``advance(days)``), the
organisation (``org``). ``sandbox_factory`` starts more (e.g. two sizes in one test).
Organisations are generated once per (size, seed) per session and copied for each test, so a
test's writes and advances never leak into another's.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from govern.sandbox.http import Faults
from govern.sandbox.org import Organisation, generate
from govern.sandbox.servers import Servers

_ORGS: dict[tuple[str, int], bytes] = {}


def organisation(size: str = "tiny", seed: int = 0) -> Organisation:
    """A fresh copy of the organisation of ``size`` and ``seed`` (generated once per session)."""
    key = (size, seed)
    if key not in _ORGS:
        _ORGS[key] = pickle.dumps(generate(size, seed), protocol=pickle.HIGHEST_PROTOCOL)
    org: Organisation = pickle.loads(_ORGS[key])
    return org


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``sandbox`` marker."""
    config.addinivalue_line(
        "markers",
        "sandbox(size='tiny', seed=0, servers=('graph', 'confluence'), faults=None, "
        "graph_settings=None): how the `sandbox` fixture builds and serves its organisation",
    )


StartSandbox = Callable[..., Servers]


@pytest.fixture
def sandbox_factory() -> Iterator[StartSandbox]:
    """A function starting sandbox servers; everything it started stops after the test."""
    started: list[Servers] = []

    def start(
        size: str = "tiny",
        seed: int = 0,
        servers: Iterable[str] = ("graph", "confluence"),
        faults: Faults | None = None,
        org: Organisation | None = None,
        **options: Any,
    ) -> Servers:
        running = Servers.start(org or organisation(size, seed), servers, faults, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_factory: StartSandbox) -> Servers:
    """Servers for the test's ``@pytest.mark.sandbox(...)`` (default: tiny, seed 0, all)."""
    marker = request.node.get_closest_marker("sandbox")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker else {}
    return sandbox_factory(**kwargs)
