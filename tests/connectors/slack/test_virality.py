"""The viral free workspace in the shadow-IT report: migrate, with the share matched by email."""

from __future__ import annotations

from govern_slack import SlackConnector

from govern.discovery import run_discovery
from govern.model import Principal, PrincipalKind, SnapshotMode
from govern.sandbox import ids
from govern.sandbox.org import Organisation
from govern.sandbox.slack.server import SlackServer
from govern.store import Store
from govern.virality import build_report

from .conftest import settings


def _directory(store: Store, org: Organisation) -> None:
    """The Microsoft 365 directory the report matches Slack people against (by email)."""
    with store.snapshot("m365", "contoso", SnapshotMode.FULL, log=lambda m: None) as writer:
        writer.observed_at(ids.to_datetime(org.now))  # the tenant's clock, as Graph's Date says
        for p in org.people:
            if p.alive and not p.guest:
                writer.principal(
                    Principal(
                        id=f"m365:user:{p.idx}",
                        kind=PrincipalKind.EMPLOYEE,
                        email=p.mail,
                        department=org.departments[p.department],
                    )
                )


def test_viral_free_workspace_is_to_migrate_with_its_email_match_share(
    org: Organisation, server: SlackServer, store: Store
) -> None:
    _directory(store, org)
    run_discovery(store, SlackConnector(settings(server)), full=True, log=lambda m: None)
    report = build_report(store)
    entry = next(
        e for e in report.entries if e.path == "slack/productmakers/workspace/productmakers"
    )
    assert entry.category == "external-network"
    assert entry.recommendation is not None and entry.recommendation.value == "migrate"
    assert entry.viral
    assert entry.migration is not None and entry.migration.target_connector == "m365"
    assert entry.migration.target.startswith("a team in Microsoft Teams")
    assert entry.migration.matched_share is not None
    assert 0.8 < entry.migration.matched_share < 1.0  # some signed up with a personal email
    # The report links the recommendation to the command that plans it.
    assert entry.migration.next_command == f"govern migrate {entry.path} -o migration.json"
    assert len(entry.departments) >= 8
