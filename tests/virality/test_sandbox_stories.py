"""The report on the sandbox's planted stories, discovered through the real connectors.

Discover the tiny organisation (Graph, Confluence and Slack over HTTP, configured as the
sandbox prints for this firm: its origin rules, and the policies' steward pool as its IT staff
group), move its clock 30 days, discover again, and check that each planted story gets the
verdict the issue asks for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govern.discovery import run_discovery
from govern.policy.groups import directory_group_names
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers, it_group_name
from govern.store import Store
from govern.virality.build import build_report
from govern.virality.report import Entry, Recommendation, Report
from tests.virality.conftest import POLICIES

VIRAL = ["AI Builders", "Sustainability Champions", "Python Guild", "Working Parents Network"]


@pytest.fixture(scope="module")
def sandbox_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    from govern_confluence import ConfluenceConnector, ConfluenceSettings
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings
    from govern_slack import SlackConnector
    from govern_slack.settings import SlackSettings

    tmp: Path = tmp_path_factory.mktemp("sandbox")
    store = Store(f"sqlite:///{tmp / 'inventory.db'}")
    org = organisation("tiny", 0)
    policies = Path(shutil.copytree(POLICIES, tmp / "policies"))
    groups = policies / "groups.yaml"
    groups.write_text(groups.read_text().replace("IT Stewards", it_group_name(org)))
    named = directory_group_names(policies)
    with Servers.start(org, ("graph", "confluence", "slack")) as servers:
        connectors = [
            M365Connector(M365Settings(**servers.graph.settings)),
            ConfluenceConnector(ConfluenceSettings(**servers["confluence"].settings)),
            SlackConnector(SlackSettings(**servers["slack"].settings)),
        ]

        def discover() -> None:
            for connector in connectors:
                run_discovery(store, connector, log=lambda m: None, directory_groups=named)

        discover()
        servers.advance(30)
        discover()
    report = build_report(store, policies_dir=policies)
    store.dispose()
    return report


def named(report: Report, name: str) -> list[Entry]:
    return [e for e in report.entries if e.name == name]


def by_name(report: Report, name: str) -> list[str]:
    return [e.recommendation.value if e.recommendation else "none" for e in named(report, name)]


def test_viral_grassroots_communities_rank_on_top_with_adopt_and_a_named_steward(
    sandbox_report: Report,
) -> None:
    m365 = [e for e in sandbox_report.entries if e.connector == "m365"]
    for name in VIRAL:
        (entry,) = [e for e in m365 if e.name == name]
        assert (entry.category, entry.recommendation) == ("grassroots", Recommendation.ADOPT)
        steward = [c for c in entry.changes if c.rule_id == "REQ-ADOPTED-STEWARD"]
        assert steward and steward[0].principal_id, entry.open_items
        assert "@" in steward[0].reason  # named by email, as people read it
    # They are the top grassroots communities of Microsoft 365; nothing ranked above the last
    # of them is a community to monitor or archive.
    grassroots = [e.name for e in m365 if e.category == "grassroots"]
    assert set(grassroots[:4]) == set(VIRAL)
    last = max(e.rank for e in m365 if e.name in VIRAL)
    above = [e for e in sandbox_report.entries if e.rank <= last]
    assert all(e.recommendation in (Recommendation.ADOPT, Recommendation.MIGRATE) for e in above)


def test_the_unsanctioned_app_and_the_slack_workspace_migrate(sandbox_report: Report) -> None:
    assert by_name(sandbox_report, "MeetingNotes AI") == ["migrate"]
    (workspace,) = named(sandbox_report, "Product Makers")
    assert (workspace.category, workspace.recommendation) == (
        "external-network",
        Recommendation.MIGRATE,
    )
    assert workspace.reasons[0].startswith("a Slack workspace IT does not run")
    # Its channels move with it: listed once, whole.
    assert not [e for e in sandbox_report.entries if e.path.startswith("slack/productmakers/ch")]


def test_sanctioned_apps_and_all_company_are_not_shadow_it(sandbox_report: Report) -> None:
    for name in ("Whiteboard Pro", "Calendar Sync", "All Company"):
        assert named(sandbox_report, name) == [], name
    ruled_out = {b.name: b.count for b in sandbox_report.organisation.not_shadow_it}
    assert ruled_out.get("sanctioned app", 0) >= 2 and ruled_out.get("IT-provisioned", 0) > 0


def test_the_broadcast_control_is_not_called_viral(sandbox_report: Report) -> None:
    control = named(sandbox_report, "Sales Kickoff 2025")
    assert not any(e.viral or e.recommendation is Recommendation.ADOPT for e in control)


def test_the_personal_space_used_as_a_team_space_is_found(sandbox_report: Report) -> None:
    spaces = [e for e in sandbox_report.entries if e.category == "personal-space"]
    assert spaces and spaces[0].recommendation is Recommendation.MIGRATE
    assert (spaces[0].metrics["reach"]["members"].value or 0) >= 25


def test_inactive_communities_get_archive(sandbox_report: Report) -> None:
    assert by_name(sandbox_report, "Project Phoenix Launch") == ["archive"]
    archived = [e for e in sandbox_report.entries if e.recommendation is Recommendation.ARCHIVE]
    assert all((e.inactive_days or 0) >= 180 for e in archived)
    assert all(any(c.action.value == "archive" for c in e.changes) for e in archived)


def test_monitor_says_why_and_paths_are_unique(sandbox_report: Report) -> None:
    monitored = [e for e in sandbox_report.entries if e.recommendation is Recommendation.MONITOR]
    assert all(e.reasons[0].startswith(("monitor: ", "viral but only")) for e in monitored)
    paths = [e.path for e in sandbox_report.entries]
    assert len(paths) == len(set(paths))
