"""A personal space used as a team space, migrated to a team space through atlassian-python-api.

The sandbox's story ``personal-space-team-wiki`` is a personal space of an Engineering lead that
thirty people write in (340 pages). It is planned, applied, and read back through the library
over real HTTP: every page copied once under the copy of its parent, each copy naming its
original's history, the contributors holding the role their edits show with two owners at
least, and a pointer page left in the old space. A run interrupted inside the page copy (the
server stops answering) resumes without copying a page twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from atlassian import Confluence

from govern.errors import PlanError
from govern.migrate.confluence_space import SpaceRequest, plan_confluence_space
from govern.migrate.run import RunOptions, apply_migration
from govern.plan.journal import RunStatus
from govern.sandbox.confluence import ConfluenceSandbox, start
from govern.sandbox.org import Organisation, generate
from govern.sandbox.spaces import ADMIN, Subject
from govern.store import Store

TOKEN = "sandbox-admin-token"


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate("tiny", 7)


@pytest.fixture(scope="module")
def dc(org: Organisation) -> Iterator[ConfluenceSandbox]:
    with start(org, "datacenter") as sandbox:
        yield sandbox


def _story_key(org: Organisation) -> str:
    return str(org.spaces[org.stories["personal-space-team-wiki"].index].key)


def _settings(dc: ConfluenceSandbox) -> Any:
    from govern_confluence.settings import ConfluenceSettings

    return ConfluenceSettings(url=dc.url, token=TOKEN)


def _open(dc: ConfluenceSandbox) -> Any:
    from govern_confluence.migration import SpaceMover

    return lambda plan: (None, SpaceMover(_settings(dc)))


def _options() -> RunOptions:
    return RunOptions(max_changes=1000, max_age=timedelta(hours=1), actor="test")


def _apply(store: Store, plan: Any, dc: ConfluenceSandbox) -> Any:
    return apply_migration(store, plan, _open(dc), _options(), source="migration.json")


def test_personal_space_moves_to_a_team_space(
    org: Organisation, dc: ConfluenceSandbox, tmp_path: Path
) -> None:
    key = _story_key(org)
    request = SpaceRequest(f"confluence:space:{key}", key, "WIKITEAM")
    plan = plan_confluence_space(request, _settings(dc))
    review = plan.review
    assert not review.blocking, review.checks
    source = org.spaces[org.space_index(key) or 0]
    assert review.moves[0].count == source.pages == 340
    owners = [p for p in review.people if p.role == "owner"]
    assert len(owners) >= 2 and owners[0].source_id == org.confluence_users[source.creator].username
    assert any(i.what == "page history" and (i.count or 0) > 0 for i in review.cannot_move)

    store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
    report = _apply(store, plan, dc)
    assert report is not None and report.status is RunStatus.APPLIED

    c = Confluence(url=dc.url, token=TOKEN)
    old = {p["id"]: p for p in c.get_all_pages_from_space_as_generator(key, expand="ancestors")}
    new = list(c.get_all_pages_from_space_as_generator("WIKITEAM", expand="ancestors,version"))
    by_title = {p["title"]: p for p in new}
    assert len(new) == 1 + 340 and len(by_title) == len(new)  # the home page and one copy each
    for original in old.values():
        if original["title"].startswith("This space has moved"):
            continue
        copy = by_title[original["title"]]
        assert original["id"] in copy["version"]["message"]  # names the original's history
        if original["ancestors"]:
            parent = old[original["ancestors"][-1]["id"]]["title"]
            assert copy["ancestors"][-1]["title"] == parent  # the tree is kept
    pointer = [p for p in old.values() if p["title"] == "This space has moved to WIKITEAM"]
    assert len(pointer) == 1

    target = org.spaces[org.space_index("WIKITEAM") or 0]
    users = {org.confluence_users[i].username for t, i in target.admins() if t == Subject.USER}
    assert {p.source_id for p in owners} <= users
    editors = {p.source_id for p in review.people if p.role == "member"}
    held = {
        org.confluence_users[r.subject].username
        for r in target.permissions()
        if r.subject_type == Subject.USER and r.permission == "EDITSPACE"
    }
    assert editors <= held
    assert sum(1 for t, i in target.admins() if t == Subject.USER) >= 2
    assert target.has(ADMIN, Subject.USER, source.creator)

    again = _apply(store, plan, dc)
    assert again is not None and again.already_applied
    store.dispose()


def test_taken_key_blocks_and_apply_refuses(org: Organisation, dc: ConfluenceSandbox) -> None:
    key = _story_key(org)
    taken = org.spaces[0].key
    request = SpaceRequest(f"confluence:space:{key}", key, taken, owners=("nobody.here",))
    plan = plan_confluence_space(request, _settings(dc))
    assert [c.id for c in plan.review.blocking] == ["target-key-taken", "owner-nobody.here"]
    with pytest.raises(PlanError, match=f"space key {taken} is taken"):
        from govern.migrate.run import check
        from govern.model import utcnow

        check(plan, _options(), "migration.json", utcnow())


def test_interrupted_copy_resumes_without_duplicates(
    org: Organisation, dc: ConfluenceSandbox, tmp_path: Path
) -> None:
    from govern.sandbox.http import Faults

    key = _story_key(org)
    plan = plan_confluence_space(
        SpaceRequest(f"confluence:space:{key}", key, "RESUMED"), _settings(dc)
    )
    store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
    # The site stops answering part-way through the copy: the first run fails there.
    calls = {"n": 0}
    real = dc.site.pages.create

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 120:
            dc.faults.set(Faults(unavailable_rate=1.0, retry_after=0))
        return real(*args, **kwargs)

    dc.site.pages.create = flaky  # type: ignore[method-assign]
    try:
        from govern_confluence.settings import ConfluenceSettings

        impatient = ConfluenceSettings(url=dc.url, token=TOKEN, max_retries=0)
        from govern_confluence.migration import SpaceMover

        first = apply_migration(
            store,
            plan,
            lambda p: (None, SpaceMover(impatient)),
            _options(),
            source="migration.json",
        )
    finally:
        dc.site.pages.create = real  # type: ignore[method-assign]
        dc.faults.set(Faults())
    assert first is not None and first.status is RunStatus.PARTIAL
    copied_before = calls["n"]
    assert 100 < copied_before < 300

    second = _apply(store, plan, dc)
    assert second is not None and second.status is RunStatus.APPLIED
    titles = [
        p["title"]
        for p in Confluence(url=dc.url, token=TOKEN).get_all_pages_from_space_as_generator(
            "RESUMED"
        )
    ]
    planned = len(plan.steps[1].params["pages"])  # the first test's pointer page stays
    assert len(titles) == len(set(titles)) == planned + 1
    store.dispose()


def test_cloud_moves_pages_with_their_history(tmp_path: Path) -> None:
    from govern_confluence.migration import SpaceMover
    from govern_confluence.settings import ConfluenceSettings

    org = generate("tiny", 7)
    key = _story_key(org)
    with start(org, "cloud") as cloud:
        settings = ConfluenceSettings(
            url=cloud.url, deployment="cloud", email="admin", api_token=TOKEN
        )
        mover = SpaceMover(settings)
        before = {p.title: p for p in mover.pages(key)}
        plan = plan_confluence_space(
            SpaceRequest(f"confluence:space:{key}", key, "CLOUDTEAM"), settings
        )
        assert not plan.review.blocking, plan.review.checks
        assert [s.kind.value for s in plan.steps] == [
            "create_space", "copy_pages", "move_pages", "grant_space", "pointer_page",
        ]  # fmt: skip
        store = Store(f"sqlite:///{tmp_path / 'inventory.db'}")
        report = apply_migration(
            store, plan, lambda p: (None, SpaceMover(settings)), _options(), source="m.json"
        )
        assert report is not None and report.status is RunStatus.APPLIED, report.outcomes
        after = {p.title: p for p in mover.pages("CLOUDTEAM")}
        left = sorted(p.title for p in mover.pages(key))
        assert left == ["Home", "This space has moved to CLOUDTEAM"]
        assert len(after) == 1 + len(before)  # the new home, the home's copy, every page moved
        moved = [t for t in before if t != "Home"]
        for title in moved:
            assert after[title].id == before[title].id  # the same page, not a copy
            assert after[title].version == before[title].version  # its history came along
            parent = next((p.title for p in before.values() if p.id == before[title].parent), None)
            assert parent is not None
            assert after[title].parent == after[parent].id  # the tree is kept
        target = org.spaces[org.space_index("CLOUDTEAM") or 0]
        assert sum(1 for t, _ in target.admins() if t == Subject.USER) >= 2
        again = apply_migration(
            store, plan, lambda p: (None, SpaceMover(settings)), _options(), source="m.json"
        )
        assert again is not None and again.already_applied
        store.dispose()
