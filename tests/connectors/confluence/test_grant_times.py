"""Space permission grant times: written in a scenario, served as audit records, stored as since."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from govern_confluence import ConfluenceConnector, ConfluenceSettings

from govern.discovery import run_discovery
from govern.sandbox import Organisation, ScenarioError, load_scenario
from govern.sandbox.confluence import start
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import ADMIN, READER
from tests.sandbox.org.conftest import EXAMPLE


def _grants(store: Store, org: Organisation) -> dict[str, datetime | None]:
    key = org.spaces[org.aliases["alice-space"][1]].key
    return {
        g.principal_id: g.since for g in q.grants(store, community_id=f"confluence:space:{key}")
    }


def _user(org: Organisation, alias: str, cloud: bool) -> str:
    account = org.confluence_account(org.aliases[alias][1])
    assert account is not None
    return org.confluence_account_id(account) if cloud else org.confluence_users[account].username


@pytest.mark.parametrize("flavour", ["datacenter", "cloud"])
def test_grant_times_reach_the_store_through_the_audit_log(tmp_path: Path, flavour: str) -> None:
    org = load_scenario(EXAMPLE)
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    with start(org, flavour) as sb:
        if flavour == "cloud":
            settings = ConfluenceSettings(
                url=sb.url, deployment="cloud", email="admin", api_token=ADMIN
            )
        else:
            settings = ConfluenceSettings(url=sb.url, token=ADMIN)
        snap = run_discovery(store, ConfluenceConnector(settings), log=lambda m: None).snapshot
    since = _grants(store, org)
    frank, bob = (_user(org, a, flavour == "cloud") for a in ("frank", "bob"))
    assert since[f"confluence:user:{frank}"] == datetime(2024, 11, 4, 9, tzinfo=UTC)
    assert since[f"confluence:user:{bob}"] == datetime(2025, 1, 20, 14, 30, tzinfo=UTC)
    # A grant the scenario gives no time for has none: unknown, not invented.
    assert since["confluence:group:confluence-users"] is None
    assert snap.stats["grant_times"] == 2
    store.dispose()


def test_without_audit_rights_grants_have_no_time(tmp_path: Path) -> None:
    org = load_scenario(EXAMPLE)
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    with start(org, "datacenter") as sb:
        settings = ConfluenceSettings(url=sb.url, token=READER)
        run_discovery(store, ConfluenceConnector(settings), log=lambda m: None)
    assert all(s is None for s in _grants(store, org).values())
    store.dispose()


@pytest.mark.parametrize(
    ("granted", "expected"),
    [
        ("2025-04-01", r"s\.yaml:\d+:\d+: communities\[1\]\.permissions\[0\]\.granted: "
         r"'2025-04-01' is after the organisation's today \(2025-03-03\)"),
        ("2020-01-01", r"s\.yaml:\d+:\d+: communities\[1\]\.permissions\[0\]\.granted: "
         r"'2020-01-01' is before the space was created \(2024-06-01\)"),
        ("someday", r"s\.yaml:\d+:\d+: communities\[1\]\.permissions\[0\]\.granted: "
         r"'someday' does not match"),
    ],
)  # fmt: skip
def test_grant_time_errors_name_file_and_line(tmp_path: Path, granted: str, expected: str) -> None:
    text = f"""\
organisation:
  name: Tiny
  today: 2025-03-03
  departments: [Sales, IT]
people:
  - {{id: ann, name: Ann A, department: Sales}}
  - {{id: ben, name: Ben B, department: IT}}
communities:
  - {{id: club, kind: team, name: Club, created_by: ann, members: [ben]}}
  - id: wiki
    kind: space
    name: Wiki
    created_by: ann
    created: 2024-06-01
    permissions:
      - {{subject: ben, permissions: [VIEWSPACE], granted: "{granted}"}}
"""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(path)
