"""Helpers for the Graph server tests: an httpx client on a served tiny organisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from govern.sandbox.graph import GraphServer, GraphSettings, Limits
from govern.sandbox.pytest_plugin import organisation

EXAMPLES = Path(__file__).parent / "examples"


def example(name: str) -> dict[str, Any]:
    """A documented example kept under examples/ (with its source URL)."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return data


def same_shape(doc: Any, got: Any, where: str = "$") -> None:
    """Every key of the documented example is in the answer, with a compatible JSON type.

    Values are not compared; a documented value may be null where ours is set and the other
    way round (Graph properties are nullable), and lists are compared by their first items.
    """
    if doc is None or got is None:
        return
    if isinstance(doc, dict):
        assert isinstance(got, dict), f"{where}: expected an object, got {got!r}"
        for key, value in doc.items():
            assert key in got, f"{where}: missing {key!r} (have {sorted(got)})"
            same_shape(value, got[key], f"{where}.{key}")
    elif isinstance(doc, list):
        assert isinstance(got, list), f"{where}: expected an array, got {got!r}"
        if doc and got:
            same_shape(doc[0], got[0], f"{where}[0]")
    elif isinstance(doc, bool) or isinstance(got, bool):
        assert isinstance(doc, bool) and isinstance(got, bool), f"{where}: {doc!r} vs {got!r}"
    elif isinstance(doc, (int, float)):
        assert isinstance(got, (int, float)), f"{where}: expected a number, got {got!r}"
    else:
        assert isinstance(got, type(doc)), f"{where}: expected {type(doc).__name__}, got {got!r}"


@pytest.fixture
def server() -> Iterator[GraphServer]:
    """A Graph server over a fresh tiny organisation, throttling off (tests turn it on)."""
    limits = Limits(resource_units=None, writes=None, reports=None, team_rps=None, audit=None)
    with GraphServer(organisation("tiny", 1), GraphSettings(limits=limits)) as s:
        yield s


@pytest.fixture
def client(server: GraphServer) -> Iterator[httpx.Client]:
    """An httpx client on the server's v1.0 root, with a bearer token."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer t"}) as c:
        yield c
