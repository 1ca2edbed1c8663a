"""Faults, a killed run, the token never leaking, and a token missing scopes."""

from __future__ import annotations

from pathlib import Path

import pytest
from govern_slack import SlackConnector

from govern.discovery import run_discovery
from govern.sandbox.http import Faults
from govern.sandbox.org import Organisation
from govern.sandbox.slack.server import SlackServer
from govern.store import Store, queries

from .conftest import settings


def _inventory(store: Store) -> tuple[set[str], set[tuple[str, str, str]]]:
    return (
        {c.id for c in queries.communities(store, connector="slack")},
        {
            (g.community_id, g.principal_id, g.role.value)
            for g in queries.grants(store, connector="slack")
        },
    )


def test_faults_give_the_same_inventory(
    org: Organisation, server: SlackServer, tmp_path: Path
) -> None:
    clean = Store(f"sqlite:///{tmp_path / 'clean.db'}")
    run_discovery(
        clean,
        SlackConnector(settings(server, token="xoxb-free", free=None)),
        full=True,
        log=lambda m: None,
    )
    faults = Faults(throttle_rate=0.06, unavailable_rate=0.06, drop_rate=0.06, seed=3)
    with SlackServer(org, faults=faults) as bad:
        noisy = Store(f"sqlite:///{tmp_path / 'noisy.db'}")
        out = run_discovery(
            noisy,
            SlackConnector(settings(bad, token="xoxb-free", free=None)),
            full=True,
            log=lambda m: None,
        )
        assert sum(bad.log.faults.values()) > 0
        assert out.snapshot.stats["retries"] >= 1
    assert _inventory(noisy) == _inventory(clean)


def test_killed_run_leaves_the_store_as_it_was(
    server: SlackServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = SlackConnector(settings(server))
    run_discovery(store, connector, full=True, log=lambda m: None)
    before, snapshots = _inventory(store), store.snapshots()
    import govern_slack.reading as reading

    calls = {"n": 0}
    real = reading.read_members

    def dies(*args: object, **kw: object) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # the process is killed mid-run
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("govern_slack.discover.read_members", dies)
    with pytest.raises(KeyboardInterrupt):
        run_discovery(store, connector, full=True, log=lambda m: None)
    assert _inventory(store) == before and store.snapshots() == snapshots


def test_canary_token_is_never_printed_or_stored(
    server: SlackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = "xoxb-sandbox-CANARY-7f3a9c"
    store = Store(f"sqlite:///{tmp_path / 'canary.db'}")
    s = settings(server, token=canary)
    logged: list[str] = []
    out = run_discovery(store, SlackConnector(s), full=True, log=logged.append)
    store.dispose()
    assert out.snapshot.complete
    text = capsys.readouterr()
    assert "CANARY" not in text.out + text.err + "".join(logged) + repr(s) + str(s)
    assert b"CANARY" not in (tmp_path / "canary.db").read_bytes()


def test_missing_scopes_give_an_incomplete_snapshot_and_discovery_goes_on(
    server: SlackServer, store: Store
) -> None:
    token = "xoxb-scoped:admin.teams:read,team:read,channels:read,users:read"
    out = run_discovery(
        store,
        SlackConnector(settings(server, token=token, free=None)),
        full=True,
        log=lambda m: None,
    )
    snap = out.snapshot
    assert not snap.complete
    text = "\n".join(snap.incomplete)
    assert "'users:read.email'" in text and "matched to Microsoft 365" in text
    assert "'groups:read'" in text and "private channels" in text
    assert "'channels:history'" in text
    communities = list(queries.communities(store, connector="slack"))
    assert any(c.path == "slack/contoso/channel/general" for c in communities)
    assert not any(p.email for p in queries.principals(store, connector="slack"))
