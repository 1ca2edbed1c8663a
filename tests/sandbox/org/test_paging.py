from __future__ import annotations

from govern.sandbox import Organisation
from govern.sandbox.entities import NEVER, GroupKind


def test_users_pages_cover_every_live_user_once(demo: Organisation) -> None:
    seen: list[int] = []
    cursor: int | None = 0
    while cursor is not None:
        page, cursor = demo.users_page(cursor, 999)
        assert len(page) <= 999
        seen.extend(p.idx for p in page)
    assert seen == [p.idx for p in demo.people if p.deleted == NEVER]
    guests, _ = demo.users_page(0, 10_000, guests=True)
    assert guests and all(p.guest for p in guests)


def test_group_pages_filter_by_kind(demo: Organisation) -> None:
    teams: list[int] = []
    cursor: int | None = 0
    while cursor is not None:
        page, cursor = demo.groups_page(cursor, 100, kinds={GroupKind.TEAM})
        teams.extend(g.idx for g in page)
    assert teams == [g.idx for g in demo.groups if g.kind == GroupKind.TEAM and g.deleted == NEVER]


def test_member_pages_and_lookups(demo: Organisation) -> None:
    group = demo.groups[demo.story("viral-python-guild").index]
    rows = group.members.page(0, 100) + group.members.page(100, 10_000)
    assert [r[0] for r in rows] == list(group.members.ids)
    person = rows[5][0]
    assert group.idx in demo.person_groups(person)
    assert demo.user_index(demo.user_id(person)) == person
    assert demo.group_index(demo.group_id(group.idx)) == group.idx
    assert demo.group_index(demo.user_id(person)) is None
    assert demo.site_index(demo.site_id(group.site)) == group.site


def test_consents_and_spaces_pages(demo: Organisation) -> None:
    app = demo.story("app-meeting-notes-ai").index
    rows, cursor = demo.consents_page(0, 50, app=app)
    assert len(rows) == 50 and cursor is not None
    assert all(demo.consents.app[r] == app for r in rows)
    assert demo.consent_index(demo.consent_id(rows[0])) == rows[0]
    spaces, _ = demo.spaces_page(0, 1_000, personal=True)
    assert spaces and all(s.personal for s in spaces)
    key = spaces[0].key
    assert demo.space_index(key) == spaces[0].idx
