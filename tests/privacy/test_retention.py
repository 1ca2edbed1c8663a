"""``govern inventory prune``: old snapshots go; the inventory now and as of kept ones stays."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from govern.cli import cli
from govern.model import Community, Grant, Principal, PrincipalKind, Role, SnapshotMode
from govern.privacy.retention import prune
from govern.store import Store, queries
from tests.store.test_principal_keys import wrong_keys

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
TEAM = "m365:team:x"


def _store(path: Path) -> Store:
    """Snapshots at days 0, 60 and 90; b leaves at day 60, c joins at day 60."""
    store = Store(f"sqlite:///{path}")
    people = ["a", "b", "c"]
    for day, members in ((0, ["a", "b"]), (60, ["a", "c"]), (90, ["a", "c"])):
        with store.snapshot("m365", "contoso", SnapshotMode.FULL, log=lambda m: None) as w:
            w.observed_at(T0 + timedelta(days=day))
            for p in people:
                w.principal(Principal(id=f"m365:user:{p}", kind=PrincipalKind.EMPLOYEE))
            w.community(Community(id=TEAM, path="m365/contoso/team/x", kind="team", name="X"))
            for p in members:
                w.grant(Grant(community_id=TEAM, principal_id=f"m365:user:{p}", role=Role.MEMBER))
    return store


def _state(store: Store) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    snaps = store.snapshots()
    now = {g.key for g in queries.grants(store)}
    at_60 = {g.key for g in queries.grants(store, at=snaps[-2])}
    return now, at_60


def test_prune_drops_old_snapshots_and_only_the_history_they_held(tmp_path: Path) -> None:
    store = _store(tmp_path / "inv.db")
    before = _state(store)
    dry = prune(store, 40, dry_run=True)
    assert dry.snapshots == 1 and dry.rows["grants"] == 1  # b's membership ended at day 60
    assert dry.rows["principal_keys"] == 1  # no grant left names b: b's key goes too
    assert len(store.snapshots()) == 3
    done = prune(store, 40)
    assert (done.snapshots, done.rows) == (dry.snapshots, dry.rows)
    with store.engine.connect() as conn:
        ids = set(conn.execute(text("SELECT id FROM principal_keys")).scalars())
    assert ids == {"m365:user:a", "m365:user:c"}
    assert wrong_keys(store) == 0
    assert len(store.snapshots()) == 2
    assert _state(store) == before
    history = queries.community_history(store, TEAM)
    assert [p.members for p in history.points] == [2, 2]
    assert prune(store, 40).snapshots == 0  # nothing older left
    store.dispose()


def test_cli_prune_needs_a_retention_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    store = _store(tmp_path / "inv.db")
    monkeypatch.setenv("GOVERN_STORE_URL", store.url)
    result = CliRunner().invoke(cli, ["inventory", "prune"], catch_exceptions=False)
    assert result.exit_code == 1 and "set retention_days in govern.toml" in result.stderr
    monkeypatch.setenv("GOVERN_RETENTION_DAYS", "40")
    result = CliRunner().invoke(cli, ["inventory", "prune"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "dropped 1 snapshots older than 40 days and 1 grants" in result.stderr
    store.dispose()


def test_discover_prunes_when_retention_days_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govern.cli.app import App
    from govern.cli.people import apply_retention

    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    store = _store(tmp_path / "inv.db")
    monkeypatch.setenv("GOVERN_STORE_URL", store.url)
    apply_retention(App())  # unset: keeps everything
    assert len(store.snapshots()) == 3
    monkeypatch.setenv("GOVERN_RETENTION_DAYS", "40")
    apply_retention(App())
    assert len(store.snapshots()) == 2
    store.dispose()
