"""Fixtures for plan/apply tests: a fake tool, its inventory in a store, plans over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from govern.discovery import run_discovery
from govern.model import Change, Plan, PolicyRevision, utcnow
from govern.plan.apply import ApplyOptions
from govern.plan.limits import Limits
from govern.plan.planfile import new_plan
from govern.sandbox.pytest_plugin import pytest_configure, sandbox, sandbox_factory
from govern.store import Store
from tests.plan.fake_tool import FakeSettings, FakeTool, FakeToolConnector, community

__all__ = ["pytest_configure", "sandbox", "sandbox_factory"]

POLICY = PolicyRevision(content_hash="sha256:test", git_commit=None)


def options(**limits: float) -> ApplyOptions:
    """Apply options with generous limits unless told otherwise."""
    return ApplyOptions(
        limits=Limits(
            max_changes=int(limits.get("max_changes", 1000)),
            max_removed_share=float(limits.get("max_removed_share", 1.0)),
        ),
        max_age=timedelta(hours=1),
        actor="tester@host",
        policy_hash=POLICY.content_hash,
    )


def initial_state() -> dict[str, object]:
    """Three communities: one with one owner, one ownerless, one public with a guest."""
    return {
        "communities": {
            "fake:team:one": community(
                [
                    ("fake:user:alice", "owner"),
                    ("fake:user:bob", "member"),
                    ("fake:user:carol", "member"),
                ]
            ),
            "fake:team:two": community([("fake:user:bob", "member")]),
            "fake:team:three": community(
                [("fake:user:dave", "owner"), ("fake:user:ext", "member")], visibility="public"
            ),
        },
        "principals": {"fake:user:ext": "guest", "fake:user:steward": "employee"},
    }


class World:
    """A store, a fake tool and a connector for it."""

    def __init__(self, store: Store, tool: FakeTool, state_file: Path) -> None:
        self.store = store
        self.tool = tool
        self.connector = FakeToolConnector(FakeSettings(state_file=str(state_file)), tool)

    def discover(self) -> None:
        run_discovery(self.store, self.connector, full=True)

    def plan(self, changes: list[Change], **kw: object) -> Plan:
        latest = self.store.latest()
        snaps = {f"{c}/{s}": snap.id for (c, s), snap in latest.items()}
        return new_plan(changes, policy=POLICY, snapshots=snaps, created_at=kw.get("at", utcnow()))  # type: ignore[arg-type]

    def connector_for(self, name: str) -> FakeToolConnector:
        assert name == "fake"
        return self.connector


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    store = Store(store_url)
    path = tmp_path / "tool.json"
    tool = FakeTool(initial_state(), path)
    w = World(store, tool, path)
    w.discover()
    yield w
    store.dispose()
