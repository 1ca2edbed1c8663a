"""Organic spread measured for Microsoft 365, on the demo organisation, end to end.

As ``govern demo`` does: the demo-size organisation (seed 7) served by the sandbox's Graph
server, the real M365 connector through msgraph-sdk at day 0 and every 10 days to day 30, no
origin rules configured (a new user's first run), then ``govern report viral --format json``.
The directory audit log gives each join its time and adder, so every planted M365 story has a
measured organic share, and the broadcast control shows one adder's burst.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from govern.cli import cli
from govern.discovery import run_discovery
from govern.sandbox.pytest_plugin import organisation
from govern.sandbox.servers import Servers
from govern.store import Store
from govern.virality import history
from govern.virality.metrics import measure
from govern.virality.thresholds import Thresholds

VIRAL = ("AI Builders", "Sustainability Champions", "Python Guild", "Working Parents Network")
CONTROL = "Sales Kickoff 2025"


@pytest.fixture(scope="module")
def viral_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    path: Path = tmp_path_factory.mktemp("m365-demo") / "inventory.db"
    store = Store(f"sqlite:///{path}")
    with Servers.start(organisation("demo", 7), ("graph",)) as servers:
        settings = M365Settings(**servers.graph.settings)
        run_discovery(store, M365Connector(settings), log=lambda m: None)
        for _ in range(3):
            servers.advance(10)
            run_discovery(store, M365Connector(settings), log=lambda m: None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOVERN_STORE_URL", store.url)
        mp.chdir(path.parent)
        result = CliRunner().invoke(cli, ["report", "viral", "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    # The control may be left out of the report as IT-provisioned (not shadow IT); its spread
    # is then read from the same store the report was made from.
    inv = history.load(store)
    [facts] = [f for f in inv.facts.values() if f.community.name == CONTROL]
    data["_control"] = {k: v.value for k, v in measure(facts, inv, Thresholds()).values.items()}
    store.dispose()
    return data


def _entry(data: dict[str, Any], name: str) -> dict[str, Any]:
    [entry] = [e for e in data["entries"] if e["name"] == name]
    return entry


def test_every_planted_m365_story_has_a_measured_organic_share(viral_json: dict[str, Any]) -> None:
    for name in VIRAL:
        spread = _entry(viral_json, name)["metrics"]["spread"]
        assert spread["organic_share"]["value"] is not None, (name, spread["organic_share"])
    assert viral_json["_control"]["organic_share"] is not None


def test_viral_stories_spread_person_to_person(viral_json: dict[str, Any]) -> None:
    for name in VIRAL:
        e = _entry(viral_json, name)
        spread = e["metrics"]["spread"]
        assert spread["organic_share"]["value"] >= 0.9, name
        assert spread["adders"]["value"] >= 20, name
        # Joins before the log's 30 days are unknown, and the figure says what it rests on.
        note = spread["organic_share"]["note"] or ""
        assert note.startswith("from the ") and "joins the tool attributes" in note, note
        assert e["recommendation"] == "adopt", (name, e["reasons"])


def test_the_broadcast_control_is_one_adders_burst(viral_json: dict[str, Any]) -> None:
    measured = viral_json["_control"]
    assert measured["largest_burst_share"] >= 0.95
    assert measured["organic_share"] <= 0.05
    assert measured["join_span_days"] < 1
    listed = [e for e in viral_json["entries"] if e["name"] == CONTROL]
    for e in listed:  # listed as grassroots unless the report rules it IT-provisioned
        spread = e["metrics"]["spread"]
        assert spread["largest_burst_share"]["value"] == measured["largest_burst_share"]
        assert e["recommendation"] != "adopt" and not e["viral"]
        assert any(r.startswith("broadcast, not viral") for r in e["reasons"]), e["reasons"]


def test_the_closing_note_shows_departments_per_community_by_size(
    viral_json: dict[str, Any],
) -> None:
    import re

    [line] = [n for n in viral_json["notes"] if n.startswith("departments per community")]
    medians = {lo: float(m) for lo, m in re.findall(r"(\d+)-\d* ?members: ([\d.]+)", line)}
    # Ordinary communities cluster in their owner's department and a neighbour.
    assert medians["2"] <= 2 and medians["10"] <= 3 and medians["50"] <= 3, line
