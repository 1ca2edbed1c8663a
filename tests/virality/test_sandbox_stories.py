"""The report on the sandbox's planted stories, discovered through the real connectors.

Discover the tiny organisation (Graph and Confluence over HTTP), move its clock 30 days, discover
again, and check that each planted story gets the recommendation the issue asks for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.discovery import run_discovery
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers
from govern.store import Store
from govern.virality.build import build_report
from govern.virality.report import Recommendation, Report
from tests.virality.conftest import POLICIES

ORIGIN = {"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]}


@pytest.fixture(scope="module")
def sandbox_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    from govern_confluence import ConfluenceConnector, ConfluenceSettings
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    path: Path = tmp_path_factory.mktemp("sandbox") / "inventory.db"
    store = Store(f"sqlite:///{path}")
    with Servers.start(organisation("tiny", 0)) as servers:

        def discover() -> None:
            m365 = M365Settings(**{**servers.graph.settings, "origin": ORIGIN})
            run_discovery(store, M365Connector(m365), log=lambda m: None)
            wiki = ConfluenceSettings(**servers["confluence"].settings)
            run_discovery(store, ConfluenceConnector(wiki), log=lambda m: None)

        discover()
        servers.advance(30)
        discover()
    report = build_report(store, policies_dir=POLICIES)
    store.dispose()
    return report


def by_name(report: Report, name: str) -> list[str]:
    return [e.recommendation.value if e.recommendation else "none" for e in report.entries
            if e.name == name]  # fmt: skip


def test_viral_grassroots_communities_rank_at_the_top_with_adopt(sandbox_report: Report) -> None:
    viral = ["AI Builders", "Sustainability Champions", "Python Guild", "Working Parents Network"]
    for name in viral:
        assert by_name(sandbox_report, name) == ["adopt"], name
    # They are the top grassroots communities; anything ranked among them is shadow IT to
    # migrate (other apps spreading by consent), never a community to monitor or archive.
    grassroots = [e.name for e in sandbox_report.entries if e.category == "grassroots"]
    assert set(grassroots[:4]) == set(viral)
    last = max(e.rank for e in sandbox_report.entries if e.name in viral)
    above = [e for e in sandbox_report.entries if e.rank <= last]
    assert all(e.recommendation in (Recommendation.ADOPT, Recommendation.MIGRATE) for e in above)


def test_the_unsanctioned_app_is_migrated(sandbox_report: Report) -> None:
    assert by_name(sandbox_report, "MeetingNotes AI") == ["migrate"]
    app = next(e for e in sandbox_report.entries if e.name == "MeetingNotes AI")
    assert app.rank <= 3


def test_the_broadcast_control_is_not_called_viral(sandbox_report: Report) -> None:
    control = [e for e in sandbox_report.entries if e.name == "Sales Kickoff 2025"]
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
