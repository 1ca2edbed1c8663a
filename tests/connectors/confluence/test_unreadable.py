"""Never a silent "nobody has access": versions, unreadable permissions, bad records, cursors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from govern_confluence import ConfluenceConnector, ConfluenceSettings, activity
from govern_confluence.reader import Reader
from govern_confluence.transport import Meter

from govern.cli import cli
from govern.discovery import DiscoveryOutcome, run_discovery
from govern.sandbox.confluence import start
from govern.sandbox.org import Organisation
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import ADMIN
from tests.connectors.confluence.inventory import inventory
from tests.connectors.confluence.rewrite import rewritten
from tests.policy.conftest import POLICIES


def _dc(url: str) -> ConfluenceSettings:
    return ConfluenceSettings(url=url, token=ADMIN, concurrency=4, max_retries=0)


def _run(store: Store, settings: ConfluenceSettings, full: bool = True) -> DiscoveryOutcome:
    return run_discovery(store, ConfluenceConnector(settings), full=full, log=lambda m: None)


def _store(tmp_path: Path, name: str) -> Store:
    return Store(f"sqlite:///{tmp_path / name}")


@pytest.mark.parametrize("version", ["7.19.2", "8.5.4", "9.1.0"])
def test_every_datacenter_version_gives_the_same_inventory(
    org: Organisation, tmp_path: Path, version: str
) -> None:
    stores = {v: _store(tmp_path, f"{v}.db") for v in (version, "9.4.0")}
    for v, store in stores.items():
        with start(org, "datacenter", version=v) as sb:
            snap = _run(store, _dc(sb.url)).snapshot
            assert snap.complete, snap.incomplete
            assert snap.stats["datacenter_version"] == v
    old, new = (inventory(s) for s in stores.values())
    assert old["grants"] == new["grants"] and old["communities"] == new["communities"]
    rows = sum(len(s.perms) for s in org.spaces if s.deleted == -1)
    assert rows and len(new["grants"]) > 0
    for s in stores.values():
        s.dispose()


def test_unreadable_permissions_are_never_stored_as_no_access(
    org: Organisation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path, "inv.db")
    key = next(
        s.key
        for s in org.spaces
        if s.deleted == -1 and not s.personal and any(p.subject_type == 0 for p in s.permissions())
    )
    rules: dict[str, Any] = {}
    with rewritten(org, "datacenter", rules) as sb:
        assert _run(store, _dc(sb.url)).snapshot.complete
        before = {g for g in q.grants(store) if g.community_id == f"confluence:space:{key}"}
        assert before
        # Now the site answers that space's permission read with something that is no list.
        rules[f"/space/{key}/permissions"] = lambda body: {"message": "Internal error"}
        snap = _run(store, _dc(sb.url)).snapshot
    assert not snap.complete
    assert any(key in line and "unreadable" in line for line in snap.incomplete), snap.incomplete
    assert snap.stats["spaces_unreadable"] == 1
    space = next(c for c in q.communities(store) if c.id == f"confluence:space:{key}")
    assert space.attributes["permissions_read"] is False
    assert space.attributes["visibility_known"] is False
    assert "answered no list" in space.attributes["permissions_unreadable"]
    # A full snapshot states only what it read: the space is there, flagged unreadable, and the
    # snapshot says it is incomplete; it is not a readable space that nobody may enter.
    assert space.visibility.value == "private" and not snap.complete
    # Nor does the full run drop what an earlier run read: the grants last read stay, marked as
    # not re-read, with the principals holding them.
    assert space.attributes["grants_not_reread"] is True
    after = {g for g in q.grants(store) if g.community_id == f"confluence:space:{key}"}
    assert after == before
    holders = {p.id for p in q.principals(store)}
    assert {g.principal_id for g in before} <= holders
    assert any(":user:" in g.principal_id for g in before)  # a direct holder, kept as principal
    # and the audit says so, naming the space
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    env = {"GOVERN_STORE_URL": f"sqlite:///{tmp_path / 'inv.db'}"}
    audited = CliRunner().invoke(cli, ["audit", "--policies", str(POLICIES)], env=env)
    assert audited.exit_code == 0, audited.output
    assert "could not be read" in audited.stderr and space.path in audited.stderr
    store.dispose()


def test_one_bad_record_is_counted_and_named_and_the_rest_written(
    org: Organisation, tmp_path: Path
) -> None:
    store = _store(tmp_path, "inv.db")
    bad: dict[str, str] = {}

    def spoil(body: Any) -> Any:
        first = body["results"][0]
        bad["key"] = first["key"]
        first["history"]["createdDate"] = "the day before yesterday"
        return body

    with rewritten(org, "datacenter", {"/rest/api/space": spoil}) as sb:
        snap = _run(store, _dc(sb.url)).snapshot
    assert not snap.complete and snap.stats["record_problems"] == 1
    line = next(i for i in snap.incomplete if i.startswith("records"))
    assert f"space {bad['key']}" in line and "createdDate" in line
    written = {c.id for c in q.communities(store, connector="confluence")}
    assert len(written) == sum(1 for s in org.spaces if s.deleted == -1)
    spoilt = next(c for c in q.communities(store) if c.id == f"confluence:space:{bad['key']}")
    assert spoilt.created_at is None  # unknown, not invented
    store.dispose()


def test_cloud_content_search_follows_the_cursor_to_the_end(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activity, "CLOUD_PAGE", 4)
    keys = [s.key for s in org.spaces if s.deleted == -1][:6]
    with start(org, "cloud") as sb:
        settings = ConfluenceSettings(
            url=sb.url, deployment="cloud", email="admin", api_token=ADMIN
        )
        figures = activity.figures(Reader(settings, Meter()), keys, None)
        served = sb.site.content.search(_of(keys))
    assert len(served) > 4 * 2  # several pages
    assert sum(f.count for f in figures.values()) == len(served)
    seen = [(e.space, e.when, e.editor) for f in figures.values() for e in f.edits]
    assert sorted(seen) == sorted(
        (org.spaces[i.space].key, _when(i.modified), org.confluence_account_id(i.editor))
        for i in served
    )


def _of(keys: list[str]) -> Any:
    from govern.sandbox.confluence.cql import Query

    return Query(types={"page", "blogpost"}, spaces=set(keys))


def _when(ts: int) -> Any:
    from govern_confluence.reader import parse_time

    from govern.sandbox.confluence.shapes import when

    return parse_time(when(ts))
