"""A sandbox with Graph and Slack, a store with Slack discovered, and the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govern.sandbox.graph import GraphSettings, Limits
from govern.sandbox.pytest_plugin import pytest_configure, sandbox_factory
from govern.sandbox.servers import Servers
from govern.store import Store

__all__ = ["pytest_configure", "sandbox_factory"]

ROOT = Path(__file__).resolve().parents[2]
FREE = "slack/productmakers/workspace/productmakers"
# The sandbox enforces Graph's 5 imports per second per channel when throttling is on; tests
# turn it off and import faster (--import-rps), as the review warns.
NO_THROTTLE = GraphSettings(
    limits=Limits(resource_units=None, writes=None, reports=None, team_rps=None)
)


@dataclass
class Tenant:
    """One sandbox (Graph + Slack) and one store with its Slack inventory."""

    sandbox: Servers
    dir: Path
    store: Store
    env: dict[str, str]

    def govern(self, *args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
        """Run ``python -m govern ARGS`` against the sandbox; assert its exit status."""
        proc = subprocess.run(
            [sys.executable, "-m", "govern", *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check is not None:
            assert proc.returncode == check, proc.stderr + proc.stdout
        return proc

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start ``python -m govern ARGS`` without waiting."""
        return subprocess.Popen(
            [sys.executable, "-m", "govern", *args],
            cwd=self.dir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def slack(self) -> Any:
        """The sandbox's Slack data."""
        return self.sandbox["slack"].server.state.data

    def free_workspace(self) -> Any:
        """The free workspace of the Slack story."""
        return next(w for w in self.slack.workspaces if w.plan == "free")

    def founder(self) -> str:
        """Email of the free workspace's primary owner (a work email, matched)."""
        ws = self.free_workspace()
        return str(next(u for u in self.slack.users if u.team == ws.idx and u.primary_owner).email)


def make_tenant(sandbox_factory: Any, base: Path, name: str) -> Tenant:
    """A fresh sandbox copy (tiny, seed 21) with Slack discovered into a new store."""
    from govern_slack import SlackConnector, SlackSettings

    from govern.discovery import run_discovery

    directory = base / name
    directory.mkdir()
    sandbox = sandbox_factory(
        size="tiny", seed=21, servers=("graph", "slack"), graph_settings=NO_THROTTLE
    )
    url = f"sqlite:///{directory / 'inventory.db'}"
    store = Store(url)
    run_discovery(store, SlackConnector(SlackSettings(**sandbox["slack"].settings)), full=True)
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GOVERN_") or k == "GOVERN_PLAN__KEY_FILE"  # the test key
        },
        **sandbox.env(),  # list settings as JSON, as pydantic-settings reads them
        "GOVERN_STORE_URL": url,
        "GOVERN_POLICIES_DIR": str(ROOT / "policies"),
    }
    return Tenant(sandbox, directory, store, env)


@pytest.fixture
def tenant(sandbox_factory: Any, tmp_path: Path) -> Tenant:
    """One tenant for a test."""
    return make_tenant(sandbox_factory, tmp_path, "tenant")


def plan_json(path: Path) -> dict[str, Any]:
    """A plan file's JSON."""
    data: dict[str, Any] = json.loads(path.read_text())
    return data
