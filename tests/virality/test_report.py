"""The report on the hand-built organisation: every planted story gets its recommendation."""

from __future__ import annotations

import gc
import json
import os
import weakref
from pathlib import Path

import jsonschema
import pytest

from govern.model import ChangeAction, Role
from govern.plan import planfile
from govern.policy.repo import revision
from govern.privacy.pseudonyms import Namer
from govern.store import Store
from govern.virality import FILE_NAMES, write_reports
from govern.virality.build import build_report
from govern.virality.formats import chunks, render
from govern.virality.propose import propose
from govern.virality.report import Entry, Recommendation, Report, generated_schema, json_schema
from tests.virality import org
from tests.virality.conftest import POLICIES

GOLDEN = Path(__file__).with_name("golden")


def entry(report: Report, key: str) -> Entry:
    return next(e for e in report.entries if e.path.endswith("/" + key))


def test_the_viral_grassroots_community_ranks_first_with_adopt(report: Report) -> None:
    guild = report.entries[0]
    assert guild.path == "m365/contoso/team/guild"
    assert guild.recommendation is Recommendation.ADOPT and guild.viral
    assert guild.metrics["spread"]["organic_share"].value == 1.0
    assert guild.metrics["breadth"]["departments"].value == 8
    assert guild.metrics["growth"]["growth_30d"].value == pytest.approx(100 * 50 / 110)


def test_adopt_implies_a_steward_co_owner_a_champion_and_a_label(report: Report) -> None:
    changes = entry(report, "guild").changes
    owners = [c for c in changes if c.action is ChangeAction.ADD_GRANT]
    # The steward pool is the directory group "IT Stewards", whose one member is user 0; the
    # community's own second owner is its champion, the member who added the most others.
    assert [(c.principal_id, c.role, c.rule_id) for c in owners] == [
        ("m365:user:0", Role.OWNER, "REQ-ADOPTED-STEWARD"),
        ("m365:user:11", Role.OWNER, "REQ-ADOPTED-OWNERS"),
    ]
    assert "p0@contoso.example" in owners[0].reason
    assert "p11@contoso.example" in owners[1].reason and "added" in owners[1].reason
    label = [c for c in changes if c.action is ChangeAction.SET_LABEL]
    assert [c.value for c in label] == ["General"]  # the label on IT's own communities
    assert entry(report, "guild").decision is not None


def test_the_broadcast_control_of_similar_size_is_not_viral(report: Report) -> None:
    control = entry(report, "allhands")
    assert not control.viral
    assert control.recommendation is None
    assert control.reasons[0].startswith("broadcast, not viral")
    assert control.metrics["reach"]["members"].value == pytest.approx(151)


def test_inactive_and_ownerless_is_archived_after_an_owner_is_found(report: Report) -> None:
    old = entry(report, "old")
    assert old.recommendation is Recommendation.ARCHIVE
    assert [c.action for c in old.changes] == [ChangeAction.ADD_GRANT, ChangeAction.ARCHIVE]
    assert old.changes[0].rule_id == "REQ-OWNER"


def test_external_network_personal_space_and_app_are_migrated(report: Report) -> None:
    ext = entry(report, "net-fabrikam")
    assert (ext.category, ext.recommendation) == ("external-network", Recommendation.MIGRATE)
    assert ext.migration is not None and ext.migration.matched_share == 1.0
    space = entry(report, "~p470")
    assert (space.category, space.recommendation) == ("personal-space", Recommendation.MIGRATE)
    # Confluence accounts carry no department: it comes from M365 by email.
    assert space.metrics["breadth"]["departments"].value == 8
    app = entry(report, "whiteboardz")
    assert (app.category, app.recommendation) == ("unsanctioned-app", Recommendation.MIGRATE)
    top = [e.recommendation for e in report.entries[:4]]
    assert set(top) == {Recommendation.ADOPT, Recommendation.MIGRATE}


def test_small_fast_growing_is_monitored_and_it_provisioned_is_not_listed(report: Report) -> None:
    assert entry(report, "rust").recommendation is Recommendation.MONITOR
    assert not [e for e in report.entries if e.path.endswith("/hr")]
    assert report.organisation.communities == 8


def test_first_run_says_what_is_not_measurable_yet(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'first.db'}")
    org.write(store, org.build(), [org.REPORT_DAY], with_since=False)
    rep = build_report(store, policies_dir=POLICIES)
    guild = entry(rep, "guild")
    growth = guild.metrics["growth"]["growth_30d"]
    assert growth.value is None
    assert growth.note == "not measurable yet: needs 30 more days of history"
    assert guild.metrics["spread"]["organic_share"].value is None
    # Big and broad, but not provably organic: watch it, do not adopt it yet.
    assert guild.recommendation is Recommendation.MONITOR and not guild.viral
    assert any("history covers 0 days" in n for n in rep.notes)
    store.dispose()


def test_markdown_matches_the_golden_file(report: Report) -> None:
    text = render(report, "markdown")
    golden = GOLDEN / "report.md"
    if os.environ.get("GOVERN_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_json_validates_against_the_shipped_schema(report: Report) -> None:
    assert json_schema() == generated_schema(), "regenerate schemas/report.schema.json"
    data = json.loads(render(report, "json"))
    jsonschema.Draft202012Validator(json_schema()).validate(data)
    assert Report.model_validate(data) == report


def test_csv_has_one_row_per_entry(report: Report) -> None:
    lines = render(report, "csv").splitlines()
    assert len(lines) == 1 + len(report.entries)
    assert lines[1].startswith("1,m365:team:guild,")


def test_table_is_a_ranked_summary(report: Report) -> None:
    text = render(report, "table", limit=3)
    assert "guild" in text and "adopt" in text
    assert "top 3 shown" in text


def test_write_reports_writes_every_format(org_store: Store, tmp_path: Path) -> None:
    paths = write_reports(org_store, tmp_path, policies_dir=POLICIES)
    assert {p.name for p in paths.values()} == set(FILE_NAMES.values())
    assert paths["html"].read_text().startswith("<!DOCTYPE html>")


def test_propose_appends_lifecycle_decisions_once_and_writes_a_plan(
    report: Report, org_store: Store, policies: Path, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    done = propose(report, org_store, policies, plan_file)
    decided = {e.id for e in report.entries if e.decision}
    assert set(done.decisions) == decided and len(decided) == 5
    text = (policies / "lifecycle.yaml").read_text()
    assert "state: adopted" in text and text.startswith("# Lifecycle decisions.")
    assert '  # m365/contoso/team/guild: Data Guild\n  - id: "m365:team:guild"' in text
    plan = planfile.read(plan_file)  # sealed as `govern plan` seals: `govern apply` reads it
    assert plan.policy == revision(policies)  # made under the policies holding the decisions
    assert len(plan.changes) == sum(len(e.changes) for e in report.entries)
    assert set(plan.snapshots) == {"m365/contoso", "confluence/contoso"}
    again = propose(report, org_store, policies, plan_file)
    assert again.decisions == []
    assert (policies / "lifecycle.yaml").read_text() == text


def test_every_entry_carries_the_registry_measures_written_by_their_unit(report: Report) -> None:
    from govern.virality.measures import BY_NAME, GROUPS, Direction, format_value
    from govern.virality.metrics import Value
    from govern.virality.recommend import DECIDING, SCORED

    for entry in report.entries:
        assert {g: tuple(ms) for g, ms in entry.metrics.items()} == GROUPS
    # Ranking and reasons only use measures where more means more viral.
    assert {BY_NAME[n].direction for n in (*SCORED, *DECIDING)} == {Direction.HIGHER}
    shown = {
        n: format_value(n, Value(x))
        for n, x in [
            ("organic_share", 0.354),
            ("growth_30d", 12.0),
            ("entropy", 0.91234),
            ("doubling_days", 3.04),
            ("members", 1234.0),
            ("labelled", 1.0),
        ]
    }
    assert shown == {
        "organic_share": "35%",
        "growth_30d": "+12%",
        "entropy": "0.91",
        "doubling_days": "3.0",
        "members": "1,234",
        "labelled": "1",
    }
    assert format_value("owners", Value(None, "no owners reported")) == "no owners reported"


def test_entries_hold_what_validation_would(report: Report) -> None:
    # Entries are constructed without validation (so that they share their parts): each must
    # hold exactly what a validated copy holds, types included (repr shows enums and floats).
    assert report.entries
    for e in report.entries:
        again = Entry.model_validate(e.model_dump())
        assert repr(e) == repr(again)
        assert e.model_dump_json() == again.model_dump_json()


def test_the_inventory_is_freed_when_the_report_is_built(
    org_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reference cycle keeps the inventory: the report pauses the cycle collector, so one
    would hold every community's members until a later collection walked them all (1.5 s at
    the xl size)."""
    from govern.virality import history

    loaded: list[weakref.ref[history.ReportInventory]] = []
    load = history.load

    def watched(store: Store) -> history.ReportInventory:
        inv = load(store)
        loaded.append(weakref.ref(inv))
        return inv

    monkeypatch.setattr(history, "load", watched)
    gc.disable()
    try:
        build_report(org_store, namer=Namer(None))
        assert loaded and loaded[0]() is None
    finally:
        gc.enable()


def test_json_comes_one_entry_at_a_time_as_pydantic_writes_it(report: Report) -> None:
    """Written in parts (the whole text is never held), and byte for byte pydantic's JSON."""
    parts = list(chunks(report, "json"))
    assert len(parts) == len(report.entries) + 2
    assert "".join(parts) == report.model_dump_json(indent=2) + "\n"
    # A name that reads like the report's own line is escaped inside its string, so it cannot
    # be taken for the place of the entries; no entries at all is written whole.
    tricky = report.entries[0].model_copy(update={"name": '\n  "entries": []'})
    for changed in (
        report.model_copy(update={"entries": [tricky, *report.entries[1:]]}),
        report.model_copy(update={"entries": []}),
    ):
        assert "".join(chunks(changed, "json")) == changed.model_dump_json(indent=2) + "\n"
