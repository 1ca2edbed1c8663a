from __future__ import annotations

import pytest

from govern.sandbox import Organisation, SandboxError, ids
from govern.sandbox.entities import ADDED_BY_SYSTEM, GroupKind, Origin, Visibility
from govern.sandbox.stories import NAMES

VIRAL = ("viral-ai-builders", "viral-sustainability", "viral-python-guild", "viral-working-parents")


def test_every_documented_story_is_planted(demo: Organisation) -> None:
    assert set(NAMES) == set(demo.stories)
    with pytest.raises(SandboxError, match="viral-ai-builders"):
        demo.story("no-such-story")


@pytest.mark.parametrize("name", VIRAL)
def test_viral_communities_grew_by_word_of_mouth(demo: Organisation, name: str) -> None:
    ref = demo.story(name)
    group = demo.groups[ref.index]
    m = group.members
    assert group.origin == Origin.SELF_SERVICE and group.visibility == Visibility.PUBLIC
    assert 300 <= len(m) <= 1_500
    assert len({demo.people[p].department for p in m.ids}) >= 8
    days = {j // ids.DAY for j in m.joined}
    assert (max(m.joined) - min(m.joined)) / ids.DAY >= 28  # joins spread over weeks
    assert len(days) >= 40
    peers = sum(1 for b in m.added_by if b >= 0 and b != group.created_by)
    assert peers / len(m) >= 0.6  # mostly added by peers
    for person, by in zip(m.ids, m.added_by, strict=True):
        if by >= 0 and by != group.created_by:
            # a peer can only add someone after joining themselves
            assert m.joined[m.ids.index(by)] <= m.joined[m.ids.index(person)]


def test_broadcast_control_was_filled_at_once(demo: Organisation) -> None:
    group = demo.groups[demo.story("broadcast-sales-kickoff").index]
    m = group.members
    assert group.origin == Origin.IT_PROVISIONED
    assert len(m) >= 300
    assert len({demo.people[p].department for p in m.ids}) >= 8  # broad, but not viral
    assert (max(m.joined) - min(m.joined)) <= 3600
    owner = group.owners.ids[0]
    assert all(b in (owner, ADDED_BY_SYSTEM) for b in m.added_by)
    assert owner in demo.groups[demo.directory.it_group].members


def test_personal_space_is_used_by_a_team(demo: Organisation) -> None:
    space = demo.spaces[demo.story("personal-space-team-wiki").index]
    assert space.personal and space.key.startswith("~")
    assert len(space.contributors) >= 25
    owner_dept = demo.people[demo.confluence_users[space.creator].person].department
    depts = {demo.people[demo.confluence_users[u].person].department for u in space.contributors}
    assert depts == {owner_dept}
    assert space.pages >= 100 and space.alive


def test_second_engage_network_grew_on_its_own(demo: Organisation) -> None:
    network = demo.networks[demo.story("external-network-contoso-labs").index]
    assert not network.home and demo.networks[0].home
    m = network.members
    assert len(m) >= 200
    assert (max(m.joined) - min(m.joined)) / ids.DAY >= 180
    invited = sum(1 for b in m.added_by if b >= 0)
    assert invited / len(m) >= 0.7
    assert all(len(c) for c in network.communities.values())


def test_app_spreads_by_user_consents(demo: Organisation) -> None:
    app = demo.story("app-meeting-notes-ai").index
    assert not demo.apps[app].verified
    c = demo.consents
    rows = [i for i in range(len(c)) if c.app[i] == app]
    assert len(rows) >= 300 and all(c.principal[i] >= 0 for i in rows)  # consentType Principal
    times = sorted(c.granted[i] for i in rows)
    assert (times[-1] - times[0]) / ids.DAY >= 28


def test_hygiene_stories(demo: Organisation) -> None:
    phoenix = demo.groups[demo.story("inactive-project-phoenix").index]
    assert not phoenix.alive and demo.now - phoenix.last_activity > 400 * ids.DAY
    ownerless = demo.groups[demo.story("ownerless-marketing-events").index]
    assert len(ownerless.owners) == 0 and not demo.people[ownerless.created_by].alive
    for name, label in (("confidential-deal-room", 3), ("confidential-board-prep", 2)):
        g = demo.groups[demo.story(name).index]
        assert g.label == label and g.visibility == Visibility.PRIVATE
        assert any(demo.people[p].guest for p in g.members.ids)
    assert demo.groups[demo.story("confidential-deal-room").index].kind == GroupKind.TEAM
