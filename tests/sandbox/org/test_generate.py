from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.sandbox import Organisation, SandboxError, generate, ids
from govern.sandbox.entities import NEVER, GroupKind, Origin
from govern.sandbox.spaces import PERMISSIONS, Subject


def communities(org: Organisation) -> list:  # type: ignore[type-arg]
    return [g for g in org.groups if g.is_community and g.deleted == NEVER]


def share(items: list, test) -> float:  # type: ignore[no-untyped-def,type-arg]
    return sum(1 for i in items if test(i)) / len(items)


def test_demo_has_the_published_shape(demo: Organisation) -> None:
    employees = [p for p in demo.people if p.alive and not p.guest]
    assert 1_900 <= len(employees) <= 2_100
    assert 10 <= len(demo.departments) <= 20
    assert all(0 <= p.department < len(demo.departments) for p in employees)
    teams = [g for g in communities(demo) if g.kind == GroupKind.TEAM]
    assert 7 <= len(employees) / len(teams) <= 11  # about one team per nine people
    assert 300 <= demo.communities() <= 700
    groups = communities(demo)
    inactive = share(groups, lambda g: not g.alive and demo.now - g.last_activity > 90 * ids.DAY)
    assert 0.50 <= inactive <= 0.65
    assert 0.05 <= share(groups, lambda g: len(g.owners) == 0) <= 0.10
    with_guests = share(groups, lambda g: any(demo.people[p].guest for p in g.members.ids))
    assert 0.07 <= with_guests <= 0.15
    assert 0.2 <= share(groups, lambda g: g.label >= 0) <= 0.8
    assert 0.05 <= share(groups, lambda g: g.origin == Origin.IT_PROVISIONED) <= 0.25
    assert share(groups, lambda g: g.origin == Origin.SELF_SERVICE) > 0.7


def test_team_sizes_are_heavy_tailed(demo: Organisation) -> None:
    sizes = sorted(len(g.members) for g in communities(demo) if g.kind == GroupKind.TEAM)
    median = sizes[len(sizes) // 2]
    assert sizes[-1] > 10 * median  # the biggest teams dwarf the typical one
    per_person = Counter(
        p for g in communities(demo) if g.kind == GroupKind.TEAM for p in g.members
    )
    mean = sum(per_person.values()) / len(per_person)
    assert 1.5 <= mean <= 6


def test_it_provisioned_communities_are_recognisable(demo: Organisation) -> None:
    it = [g for g in communities(demo) if g.origin == Origin.IT_PROVISIONED]
    by_app = [g for g in it if g.created_by_app == demo.directory.provisioning_app]
    named = [g for g in it if g.name.startswith("IT-")]
    staff = demo.groups[demo.directory.it_group].members
    by_staff = [g for g in it if g.created_by in staff]
    assert by_app and named and by_staff


def test_every_kind_of_place_exists(demo: Organisation) -> None:
    kinds = Counter(g.kind for g in communities(demo))
    assert kinds[GroupKind.TEAM] and kinds[GroupKind.UNIFIED] and kinds[GroupKind.ENGAGE]
    for g in communities(demo):
        has_site = g.site >= 0
        assert has_site == (g.kind != GroupKind.ENGAGE)
        if has_site:
            assert demo.sites[g.site].url.endswith("/sites/" + g.nickname)
    assert any(s.group < 0 for s in demo.sites)  # standalone sites too
    distributions = {demo.teams_apps[a].distribution for g in communities(demo) for a in g.apps}
    assert distributions == {"store", "organization", "sideloaded"}


def test_confluence_matches_people_by_email_and_some_not(demo: Organisation) -> None:
    matched = [u for u in demo.confluence_users if u.person >= 0]
    assert all(u.email == demo.people[u.person].mail for u in matched)
    unmatched = [u for u in demo.confluence_users if u.person < 0]
    emails = {p.mail for p in demo.people}
    assert unmatched and all(u.email not in emails for u in unmatched)
    assert {s.personal for s in demo.spaces} == {True, False}
    assert all(s.key == "~" + demo.confluence_users[s.creator].username
               for s in demo.spaces if s.personal)  # fmt: skip
    rows = [r for s in demo.spaces for r in s.permissions()]
    assert {r.permission for r in rows} <= set(PERMISSIONS)
    assert any(r.subject_type == Subject.ANONYMOUS for r in rows)
    assert all(s.admins() for s in demo.spaces)


def test_oauth_consents_per_user_and_admin(demo: Organisation) -> None:
    c = demo.consents
    per_app = Counter(a for a, p in zip(c.app, c.principal, strict=True) if p >= 0)
    assert sum(1 for n in per_app.values() if n >= 100) >= 3  # a few apps consented by hundreds
    assert any(p == -1 for p in c.principal)  # AllPrincipals (admin) consents
    assert {demo.apps[a].verified for a in per_app} == {True, False}


def test_same_seed_same_organisation_other_seed_other_one() -> None:
    a, b, c = generate("demo", 3), generate("demo", 3), generate("demo", 4)
    assert a.fingerprint() == b.fingerprint()
    assert a.user_id(10) == b.user_id(10)
    assert a.fingerprint() != c.fingerprint()
    assert a.user_id(10) != c.user_id(10)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32))
def test_generation_is_deterministic_for_any_seed(seed: int) -> None:
    assert generate("tiny", seed).fingerprint() == generate("tiny", seed).fingerprint()


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32))
def test_members_are_unique_in_join_order_and_alive(seed: int) -> None:
    org = generate("tiny", seed)
    for g in org.groups:
        assert len(set(g.members.ids)) == len(g.members)
        assert list(g.members.joined) == sorted(g.members.joined)
        for p in g.members.ids:
            assert org.people[p].alive
            assert g.members.joined[g.members.ids.index(p)] >= org.people[p].created


def test_unknown_size_names_the_known_ones() -> None:
    with pytest.raises(SandboxError, match="demo"):
        generate("huge", 1)
