"""Directory groups the policies name are discovered with their members (real SDK, real HTTP)."""

from __future__ import annotations

from pathlib import Path

from govern.discovery import run_discovery
from govern.policy.groups import directory_group_names
from govern.sandbox import ids
from govern.sandbox.servers import Servers
from govern.store import Store
from govern.store import queries as q
from tests.connectors.m365.conftest import m365_settings


def _members(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in q.memberships(store):
        out.setdefault(m.group_id, set()).add(m.member_id)
    return out


def test_named_groups_and_their_members_are_memberships(sandbox: Servers, tmp_path: Path) -> None:
    from govern_m365 import M365Connector

    org = sandbox.org
    it = org.groups[org.directory.it_group]
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    connector = M365Connector(m365_settings(sandbox))
    lines: list[str] = []
    run_discovery(store, connector, log=lines.append, directory_groups=("IT Staff", "Nobody Here"))
    groups = [p for p in q.principals(store) if p.kind.value == "group"]
    assert [g.display_name for g in groups] == ["IT Staff"]
    expected = {f"m365:user:{ids.encode(org.salt, ids.IdKind.USER, p)}" for p in it.members.ids}
    assert _members(store) == {groups[0].id: expected}
    assert any("'Nobody Here'" in line and "groups.yaml" in line for line in lines)

    # Someone leaves the IT group: the next (incremental) run closes that membership.
    with sandbox.lock:
        gone = it.members.ids[0]
        it.members.remove(gone)
    outcome = run_discovery(store, connector, log=lines.append, directory_groups=("IT Staff",))
    assert outcome.snapshot.mode.value == "incremental"
    left = f"m365:user:{ids.encode(org.salt, ids.IdKind.USER, gone)}"
    assert _members(store)[groups[0].id] == expected - {left}
    store.dispose()


def test_the_policies_name_the_directory_groups_discovery_reads(tmp_path: Path) -> None:
    (tmp_path / "groups.yaml").write_text(
        "groups:\n  it-stewards:\n    steward_pool: true\n    members:\n"
        "      - directory_group: IT Staff\n      - department: IT\n"
        "  cleared:\n    members:\n      - directory_group: Security Cleared\n"
    )
    assert directory_group_names(tmp_path) == ("IT Staff", "Security Cleared")
    assert directory_group_names(tmp_path / "missing") == ()


def test_paths_are_unique_when_names_repeat_and_stable_across_runs(
    sandbox: Servers, tmp_path: Path
) -> None:
    from govern_m365 import M365Connector
    from govern_m365.mapping import path_name

    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    connector = M365Connector(m365_settings(sandbox))
    run_discovery(store, connector, log=lambda m: None)
    first = {c.id: c.path for c in q.communities(store) if c.connector == "m365"}
    names = [c.name for c in q.communities(store) if c.kind in ("team", "group", "engage")]
    assert len(set(names)) < len(names), "the sandbox plants repeated display names"
    assert len(set(first.values())) == len(first)
    sandbox.advance(7)
    run_discovery(store, connector, log=lambda m: None)  # incremental: sees only what changed
    again = {c.id: c.path for c in q.communities(store) if c.id in first}
    assert again == first
    store.dispose()
    assert path_name({"displayName": "Sales Dashboards", "mailNickname": "salesdashboards"}) == (
        "sales-dashboards"
    )
    assert path_name({"displayName": "Sales Dashboards", "mailNickname": "SalesDashboards2"}) == (
        "sales-dashboards-2"
    )
    assert path_name({"displayName": "Sales", "mailNickname": "emea-team"}) == "emea-team"
    assert path_name({"displayName": "Sales", "mailNickname": None}) == "sales"
