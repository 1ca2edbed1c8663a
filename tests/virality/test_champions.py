"""Champions and rollout health on the sandbox's Slack, discovered through the real connector.

The sandbox knows who invited whom into the viral free workspace "Product Makers": its top
inviters must rank as champions. The IT admin who bulk-added ``#knowledge-hub`` must not, and
that rollout, quiet since its tenth day, must be named with its figures and a pilot path.
"""

from __future__ import annotations

import json
import os
from array import array
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.cli import cli
from govern.model import Community, Grant, Origin, Principal, PrincipalKind, Role, SnapshotMode
from govern.privacy.pseudonyms import Namer, load_key
from govern.sandbox.org import Organisation
from govern.sandbox.slack import rollout as planted
from govern.sandbox.slack.generate import build as slack_data
from govern.store import Store
from govern.virality.build import build_report
from govern.virality.formats import render
from govern.virality.people_section import ChampionsSection


@pytest.fixture(scope="module")
def named(slack_inventory: tuple[Path, Organisation]) -> ChampionsSection:
    path, _ = slack_inventory
    store = Store(f"sqlite:///{path}")
    section = build_report(store, namer=Namer(None)).champions
    store.dispose()
    assert section is not None
    return section


def _inviters(org: Organisation) -> Counter[str]:
    """Who invited how many people into Product Makers by the time of discovery.

    The sandbox also holds the joins still to come (when its clock moves on): not counted.
    """
    data = slack_data(org)
    ws = next(w for w in data.workspaces if w.domain == "productmakers")
    seen = ws.members.added_by[: ws.members.visible(org.now)]
    emails = [data.users[by].email for by in seen if by >= 0]
    return Counter(e for e in emails if e and e.endswith("@" + org.domain))


def _all_inviters(org: Organisation) -> set[str]:
    """Everyone the sandbox saw inviting anyone into any workspace or channel."""
    data = slack_data(org)
    groups = [w.members for w in data.workspaces] + [c.members for c in data.channels]
    return {str(data.users[by].email) for m in groups for by in m.added_by if by >= 0}


def test_the_people_who_spread_the_viral_workspace_rank_as_champions(
    named: ChampionsSection, slack_inventory: tuple[Path, Organisation]
) -> None:
    invited = _inviters(slack_inventory[1])
    top = [email for email, _ in invited.most_common(5)]
    champions = {c.person: c for c in named.champions}
    for email in top:
        assert email in champions, email
        assert "adder" in champions[email].kinds
        assert champions[email].adds >= invited[email]
        assert champions[email].adds_active is not None  # Slack reports who posts
    # And the other way round: the top adders listed are people the sandbox saw inviting
    # (into the workspace or into one of the channels, which count too).
    adders = [c for c in named.champions if "adder" in c.kinds][:3]
    assert all(c.person in _all_inviters(slack_inventory[1]) for c in adders)
    assert any(c.started for c in named.champions)  # the founder of the free workspace
    assert any(c.department for c in named.champions)  # departments matched by email


def test_the_it_admin_who_bulk_added_the_rollout_is_not_a_champion(
    named: ChampionsSection, slack_inventory: tuple[Path, Organisation]
) -> None:
    data = slack_data(slack_inventory[1])
    admin = next(u for u in data.users if u.primary_owner)
    assert admin.email
    listed = [c for c in named.champions if c.person == admin.email]
    assert not any("adder" in c.kinds for c in listed)


def test_the_rollout_that_went_quiet_is_named_with_its_figures(named: ChampionsSection) -> None:
    hub = next(r for r in named.rollouts if r.name == planted.CHANNEL)
    assert hub.went_quiet
    assert hub.origin is Origin.IT_PROVISIONED
    assert hub.bulk_added >= 100 and hub.members >= hub.bulk_added
    assert hub.days_since_bulk is not None
    assert abs(hub.days_since_bulk - planted.STARTED_DAYS) < 1
    assert hub.active_share == 0.0
    assert hub.never_came_back is not None and hub.never_came_back > 0.5
    assert hub.peer_active_share is not None and hub.peer_active_share > 0.4
    assert len(hub.active_over_time) == 13 and hub.active_over_time[-8:] == [0] * 8
    assert hub.departments and hub.pilot_communities and hub.pilot_champions
    assert all("@" in o for o in hub.owners)  # the owner is named: the pilot needs them
    assert "went quiet" in hub.verdict and f"{hub.members} members" in hub.verdict


def test_the_section_renders_in_the_shadow_it_report(
    slack_inventory: tuple[Path, Organisation],
) -> None:
    store = Store(f"sqlite:///{slack_inventory[0]}")
    report = build_report(store, namer=Namer(b"k" * 32))
    store.dispose()
    md = render(report, "markdown")
    assert "## Champions" in md and "## Rollout health" in md
    assert "**went quiet**: `slack/contoso/channel/knowledge-hub`" in md
    assert "<h2>Rollout health</h2>" in render(report, "html")
    assert json.loads(render(report, "json"))["champions"]["rollouts"]


def _people(path: Path, key: bytes) -> list[str]:
    store = Store(f"sqlite:///{path}")
    section = build_report(store, namer=Namer(key)).champions
    store.dispose()
    assert section is not None
    return [c.person for c in section.champions]


def test_pseudonyms_are_stable_across_runs_and_change_with_the_key(
    slack_inventory: tuple[Path, Organisation], tmp_path: Path
) -> None:
    key = load_key(tmp_path / "a.key")
    assert (tmp_path / "a.key").stat().st_mode & 0o777 == 0o600
    first, second = _people(slack_inventory[0], key), _people(slack_inventory[0], key)
    assert first == second and first
    assert all(p.startswith("person-") and "@" not in p for p in first)
    other = _people(slack_inventory[0], load_key(tmp_path / "b.key"))
    assert len(other) == len(first) and not set(other) & set(first)


def test_cli_pseudonymises_by_default_and_names_people_when_set(
    slack_inventory: tuple[Path, Organisation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("GOVERN_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVERN_STORE_URL", f"sqlite:///{slack_inventory[0]}")

    def champions(*extra: str) -> list[str]:
        args = ["report", "champions", "--format", "json", *extra]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return [c["person"] for c in json.loads(result.stdout)["champions"]]

    hidden = champions()
    assert hidden == champions() and all(p.startswith("person-") for p in hidden)
    assert (tmp_path / ".govern" / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("GOVERN_REPORT__NAME_PEOPLE", "true")
    assert all("@" in p for p in champions())
    table = CliRunner().invoke(cli, ["report", "champions"], catch_exceptions=False).stdout
    assert "QUIET" in table and "knowledge-hub" in table


T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_broadcast_earns_no_champion_credit_and_a_peer_does(tmp_path: Path) -> None:
    """Microsoft 365-shaped: an IT owner bulk-adds 40 at once; a peer adds 6 over weeks."""
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    people = [
        Principal(
            id=f"m365:user:{i}",
            kind=PrincipalKind.EMPLOYEE,
            email=f"p{i}@contoso.example",
            department=f"Dept {i % 4}",
        )
        for i in range(60)
    ]
    kickoff = Community(
        id="m365:team:kickoff", path="m365/contoso/team/kickoff", kind="team", name="Kickoff",
        origin=Origin.IT_PROVISIONED, created_at=T0,
    )  # fmt: skip
    guild = Community(
        id="m365:team:guild", path="m365/contoso/team/guild", kind="team", name="Guild",
        origin=Origin.SELF_SERVICE, created_at=T0,
    )  # fmt: skip
    grants = [
        Grant(community_id=kickoff.id, principal_id="m365:user:0", role=Role.OWNER, since=T0),
        Grant(community_id=guild.id, principal_id="m365:user:50", role=Role.OWNER, since=T0),
    ]
    grants += [
        Grant(
            community_id=kickoff.id,
            principal_id=f"m365:user:{i}",
            role=Role.MEMBER,
            since=T0 + timedelta(minutes=i),
            added_by="m365:user:0",
        )
        for i in range(1, 41)
    ]
    grants += [
        Grant(
            community_id=guild.id,
            principal_id=f"m365:user:{i}",
            role=Role.MEMBER,
            since=T0 + timedelta(days=5 * (i - 50)),
            added_by="m365:user:50",
        )
        for i in range(51, 57)
    ]
    with store.snapshot("m365", "contoso", SnapshotMode.FULL, log=lambda m: None) as w:
        w.observed_at(T0 + timedelta(days=60))
        for p in people:
            w.principal(p)
        w.community(kickoff)
        w.community(guild)
        for g in grants:
            w.grant(g)
    section = build_report(store, namer=Namer(None)).champions
    store.dispose()
    assert section is not None
    by_person = {c.person: c for c in section.champions}
    assert "p0@contoso.example" not in by_person
    peer = by_person["p50@contoso.example"]
    assert peer.adds == 6 and "adder" in peer.kinds and peer.adds_active is None
    assert peer.owner_of == [guild.path]
    kick = next(r for r in section.rollouts if r.name == "Kickoff")
    assert kick.bulk_added == 40 and kick.owners == ["p0@contoso.example"]
    assert kick.active_share is None and not kick.went_quiet  # no activity report: unknown


def test_second_owner_candidates_for_networks_to_adopt_are_not_owners(
    named: ChampionsSection, slack_inventory: tuple[Path, Organisation]
) -> None:
    # This Slack-only store has no "adopt" entry (the grid's channels are not shadow IT without
    # origin rules), so the networks to adopt are named here: the three largest grassroots
    # channels of the grid.
    from govern.virality import history, thresholds
    from govern.virality.champion_index import gather
    from govern.virality.champions import notable, second_owners
    from govern.virality.spread import grassroots, spreads

    store = Store(f"sqlite:///{slack_inventory[0]}")
    inv = history.load(store)
    store.dispose()
    th = thresholds.load(None)
    grid = sorted(
        (
            cid
            for cid, f in inv.facts.items()
            if f.community.path.startswith("slack/contoso/") and grassroots(f)
        ),
        key=lambda cid: -len(inv.facts[cid].members),
    )[:3]
    idx = gather(inv, spreads(inv, th), notable(inv, []))
    candidates = second_owners(inv, idx, set(grid), Namer(None))
    assert candidates
    champions = {c.person: c for c in named.champions}
    for path, people in candidates.items():
        assert path in {inv.facts[cid].community.path for cid in grid}
        for person in people:
            assert path not in (champions[person].owner_of if person in champions else [])


def test_the_m365_broadcast_controls_it_owner_is_not_a_champion(tmp_path: Path) -> None:
    """Through the real Microsoft 365 connector: "Sales Kickoff 2025" is a rollout, named by
    its IT owner (as the sandbox planted it), who is not a champion."""
    from govern_m365 import M365Connector
    from govern_m365.settings import M365Settings

    from govern.discovery import run_discovery
    from govern.sandbox.pytest_plugin import organisation
    from govern.sandbox.servers import Servers

    org = organisation("tiny", 0)
    kickoff = org.groups[org.stories["broadcast-sales-kickoff"].index]
    it_owner = org.people[kickoff.created_by].mail.lower()
    store = Store(f"sqlite:///{tmp_path / 'inv.db'}")
    with Servers.start(org) as servers:
        origin = {"it_groups": ["IT Staff"], "naming_patterns": ["^IT-"]}
        settings = M365Settings(**{**servers.graph.settings, "origin": origin})
        run_discovery(store, M365Connector(settings), log=lambda m: None)
    section = build_report(store, namer=Namer(None)).champions
    store.dispose()
    assert section is not None
    rollout = next(r for r in section.rollouts if r.name == "Sales Kickoff 2025")
    assert rollout.owners == [it_owner] and rollout.origin is Origin.IT_PROVISIONED
    assert it_owner not in {c.person for c in section.champions if "adder" in c.kinds}


def test_counts_as_codes_match_sets_per_person(
    slack_inventory: tuple[Path, Organisation], org_store: Store
) -> None:
    """The evidence counted as integer codes equals the plain count: a set per person of the
    people they added (one person across tools once) and of the other departments brought in."""
    from govern.virality import history, thresholds
    from govern.virality.champion_index import gather, identity
    from govern.virality.spread import grassroots, spreads

    slack = Store(f"sqlite:///{slack_inventory[0]}")
    accounts = 0
    for store in (slack, org_store):
        inv = history.load(store)
        sp = spreads(inv, thresholds.load(None))
        idx = gather(inv, sp, {})
        accounts = max(accounts, len(inv.people.by_id) - len(idx.idents))
        added: dict[str, set[str]] = {}
        depts: dict[str, set[str]] = {}
        lone: Counter[str] = Counter()
        dept_of = inv.people.department_of
        for cid, s in sp.items():
            if not grassroots(inv.facts[cid]):
                continue
            for adder, pids in s.organic.items():
                if (who := identity(adder, inv)) is not None:
                    added.setdefault(who, set()).update(identity(p, inv) or p for p in pids)
                    depts.setdefault(who, set()).update(filter(None, map(dept_of.get, pids)))
            lone.update(filter(None, (identity(p, inv) for p in s.lone)))
        assert added and sum(idx.added) == sum(map(len, added.values()))
        assert any(len(v) > 1 for v in depts.values()) and lone
        for code, who in enumerate(idx.idents):
            own = idx.department(code)
            assert idx.added[code] == len(added.get(who, ()))
            assert idx.brought[code] == len(depts.get(who, set()) - {own})
            assert idx.lone[code] == lone[who]
    assert accounts  # people with accounts in several tools (or no person) were matched
    slack.dispose()


@settings(max_examples=150, deadline=None)
@given(
    people=st.integers(1, 12),
    others=st.integers(0, 3),
    departments=st.sampled_from([1, 3, 300]),
    data=st.data(),
)
def test_adds_counted_as_codes_equal_plain_sets(
    people: int, others: int, departments: int, data: st.DataObject
) -> None:
    """Distinct people added and departments brought, per person, as a set per person would
    count them, from the members' key columns (a join with no adder, or by oneself, is no add):
    principals that are no person are counted when added, never credited; an unknown
    department or the adder's own is no department brought."""
    from govern.virality import champion_index as ci
    from govern.virality.champion_index import _DEPT_BITS, _NOT_PERSON
    from govern.virality.spread import AddColumns

    dept = data.draw(st.lists(st.integers(0, departments), min_size=people, max_size=people))
    codes = {f"p{i}": i << _DEPT_BITS | dept[i] for i in range(people)}
    codes |= {f"x{i}": (_NOT_PERSON + i) << _DEPT_BITS for i in range(others)}
    pids = st.sampled_from(sorted(codes))
    # Members' columns as the communities give them: (member, adder), where an adder that is
    # None or the member itself is no add (a join with no adder, or by oneself).
    joins = data.draw(st.lists(st.tuples(pids, st.one_of(st.none(), pids)), max_size=40))
    # The store's keys: 0 is "no adder", and the keys of the principals are in random order.
    ids: list[str | None] = [None, *data.draw(st.permutations(sorted(codes)))]
    key_of = {pid: k for k, pid in enumerate(ids) if pid is not None}
    idx = SimpleNamespace(
        idents=[f"p{i}" for i in range(people)],
        dept=dept,
        dept_names=["", *map(str, range(1, departments + 1))],
        by_key=array("Q", [ci._NO_KEY if pid is None else codes[pid] for pid in ids]),
    )
    members = [key_of[member] for member, _ in joins]
    adders = [0 if adder is None else key_of[adder] for _, adder in joins]
    columns = AddColumns(adders, members)
    counted_added, counted_brought = ci._counts(cast(ci.Index, idx), columns)
    added: dict[int, set[str]] = {}
    brought: dict[int, set[int]] = {}
    for member, adder in joins:
        if adder is not None and adder != member and adder.startswith("p"):
            me = int(adder[1:])
            added.setdefault(me, set()).add(member)
            theirs = {dept[int(member[1:])]} if member.startswith("p") else set()
            brought.setdefault(me, set()).update(theirs - {0, dept[me]})
    assert list(counted_added) == [len(added.get(i, ())) for i in range(people)]
    assert list(counted_brought) == [len(brought.get(i, ())) for i in range(people)]
