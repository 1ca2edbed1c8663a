"""Full discovery of the sandbox's Data Center and Cloud flavours through atlassian-python-api."""

from __future__ import annotations

from collections import Counter

from govern.model import Origin, PrincipalKind, Visibility
from govern.sandbox.confluence import ConfluenceSandbox
from govern.sandbox.org import Organisation
from govern.sandbox.spaces import Subject
from govern.store import Store
from govern.store import queries as q
from tests.connectors.confluence.conftest import Discover
from tests.connectors.confluence.inventory import grants_of


def test_every_space_with_its_grants(discover: Discover, store: Store, org: Organisation) -> None:
    out = discover()
    snap = out.snapshot
    assert snap.complete and snap.stats["requests"] > 0 and snap.observed_at is not None
    live = [s for s in org.spaces if s.deleted == -1]
    communities = {c.id: c for c in q.communities(store)}
    assert set(communities) == {f"confluence:space:{s.key}" for s in live}
    for s in live:
        subjects = {
            (p.subject_type, p.subject)
            for p in s.permissions()
            if p.subject_type != Subject.ANONYMOUS
        }
        assert len(grants_of(store, s.key)) == len(subjects), s.key
        c = communities[f"confluence:space:{s.key}"]
        assert c.path == f"confluence/127.0.0.1/space/{s.key}"
        assert c.attributes["content_count"] == s.pages + s.blogposts
        anonymous = any(p.subject_type == Subject.ANONYMOUS for p in s.permissions())
        assert (c.visibility is Visibility.PUBLIC) == anonymous


def test_roles_keep_the_permission_names(
    discover: Discover, store: Store, org: Organisation
) -> None:
    discover()
    grants = list(q.grants(store))
    owners = [g for g in grants if g.role.value == "owner"]
    assert owners and all("SETSPACEPERMISSIONS" in (g.source or "") for g in owners)
    members = [g for g in grants if g.role.value == "member"]
    assert members and all("EDITSPACE" in (g.source or "") for g in members)
    viewers = [g for g in grants if g.role.value == "viewer"]
    assert viewers and all((g.source or "").startswith("COMMENT,VIEWSPACE") for g in viewers)


def test_people_groups_and_emails(discover: Discover, store: Store, org: Organisation) -> None:
    discover()
    principals = {p.id: p for p in q.principals(store)}
    users = [p for p in principals.values() if p.kind is PrincipalKind.EMPLOYEE]
    assert users and all(p.email and p.email == p.email.lower() for p in users)
    entra = {p.mail.lower() for p in org.people}
    matched = sum(1 for p in users if p.email in entra)
    assert matched / len(users) > 0.8  # most accounts match a Microsoft 365 person
    groups = {p.id for p in principals.values() if p.kind is PrincipalKind.GROUP}
    assert "confluence:group:confluence-users" in groups
    members = Counter(m.group_id for m in q.memberships(store))
    everyone = org.confluence_groups[org.directory.confluence_users]
    assert members["confluence:group:confluence-users"] == len(everyone.members)


def test_planted_team_wiki_and_origins(discover: Discover, store: Store, org: Organisation) -> None:
    discover()
    story = org.spaces[org.story("personal-space-team-wiki").index]
    wiki = q.community(store, f"confluence:space:{story.key}")
    assert wiki.attributes.get("team_space_in_disguise") is True
    flagged = [c for c in q.communities(store) if c.attributes.get("team_space_in_disguise")]
    assert len(flagged) <= 3  # a signal, not noise
    admins = set(org.confluence_groups[org.directory.confluence_admins].members)
    for c in q.communities(store):
        s = org.spaces[org.space_index(c.id.split(":", 2)[2])]  # type: ignore[index]
        expected = (
            Origin.IT_PROVISIONED
            if (not s.personal and s.creator in admins)
            else Origin.SELF_SERVICE
        )
        assert c.origin is expected, c.id


def test_activity_over_30_and_90_days(discover: Discover, store: Store, org: Organisation) -> None:
    discover()
    story = org.spaces[org.story("personal-space-team-wiki").index]
    rows = {a.period: a for _, a in q.activity(store, f"confluence:space:{story.key}")}
    assert set(rows) == {"D30", "D90"}
    assert rows["D90"].page_edits >= rows["D30"].page_edits > 0
    assert rows["D90"].active_users >= 5


def test_reader_without_admin_rights_gets_spaces_not_grants(
    site: ConfluenceSandbox, discover: Discover, store: Store
) -> None:
    from tests.connectors.confluence.conftest import READER, settings_for

    out = discover(settings_for(site, READER, "reader"))
    assert not out.snapshot.complete
    assert any("space admin" in line for line in out.snapshot.incomplete)
    assert list(q.communities(store)) and not list(q.grants(store))
