"""Data Center cost: emails in bulk from 9.4, cached across runs, refreshed from the audit log."""

from __future__ import annotations

from pathlib import Path

from govern_confluence import ConfluenceConnector, ConfluenceSettings

from govern.discovery import run_discovery
from govern.sandbox.confluence import start
from govern.sandbox.org import Organisation
from govern.sandbox.timeline import advance
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import ADMIN

RPC = "POST /rpc/json-rpc/confluenceservice-v2"


def _run(store: Store, url: str, full: bool) -> dict[str, object]:
    settings = ConfluenceSettings(url=url, token=ADMIN, concurrency=4)
    out = run_discovery(store, ConfluenceConnector(settings), full=full, log=lambda m: None)
    return dict(out.snapshot.stats)


def test_emails_in_bulk_then_from_the_cache(org: Organisation, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    inactive = sum(1 for u in org.confluence_users if not u.active)
    with start(org, "datacenter", version="9.4.0") as sb:
        _run(store, sb.url, full=True)
        # Only users the active list leaves out (deactivated ones) cost a getUser call.
        assert sb.requests.snapshot().get(RPC, 0) <= inactive
        assert sb.requests.snapshot().get("GET /rest/api/admin/users/list/active", 0) >= 1
        people = [p for p in q.principals(store) if p.kind.value == "employee"]
        active = {u.username for u in org.confluence_users if u.active}
        assert all(p.email for p in people if p.id.rpartition(":")[2] in active)
        advance(org, 1)
        sb.requests.reset()
        stats = _run(store, sb.url, full=False)
        assert int(str(stats["users_cached"])) > 0
        assert sb.requests.snapshot().get(RPC, 0) == 0  # every user came from the cache
        assert sb.requests.snapshot().get("GET /rest/api/admin/users/list/active", 0) == 0
    store.dispose()


def test_before_9_4_each_email_is_asked_once_then_cached(org: Organisation, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    with start(org, "datacenter", version="8.5.4") as sb:
        _run(store, sb.url, full=True)
        full_rpc = sb.requests.snapshot().get(RPC, 0)
        assert full_rpc > len(org.confluence_users) // 2  # getUser per user, permissions too
        advance(org, 1)
        sb.requests.reset()
        stats = _run(store, sb.url, full=False)
        reread = int(str(stats["spaces_reread"]))
        # JSON-RPC now only reads the re-read spaces' permissions (and users the log named).
        assert sb.requests.snapshot().get(RPC, 0) <= reread + 5
    store.dispose()


def test_before_9_4_a_later_full_run_asks_only_for_new_emails(
    org: Organisation, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    with start(org, "datacenter", version="8.5.4") as sb:
        _run(store, sb.url, full=True)
        first = sb.requests.snapshot().get(RPC, 0)
        advance(org, 1)
        sb.requests.reset()
        _run(store, sb.url, full=True)
        again = sb.requests.snapshot()
        _run(fresh, sb.url, full=True)
        events = sb.site.audit(org.now - 3 * 86400, org.now + 86400)
        changed = len({e.user.username for e in events if e.user is not None})
    live = sum(1 for s in org.spaces if s.deleted == -1)
    # JSON-RPC now reads the spaces' permissions, and emails only of users the audit log names.
    assert again.get(RPC, 0) <= live + changed < first
    assert again.get("GET /rest/api/audit", 0) == 1
    # and what it stores is what a run that asked for every email stores
    emails = {(p.id, p.email) for p in q.principals(store)}
    assert emails == {(p.id, p.email) for p in q.principals(fresh)}
    store.dispose()
    fresh.dispose()
