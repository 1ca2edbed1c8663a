"""Planted stories: the cases govern's reports must find, at stable names, in every organisation.

Find one with ``org.story(name)`` (a ``StoryRef``: kind of record and index). Display names are
fixed too, so a test or a demo can also look them up the way a person would.

Viral grassroots communities (self-service, public, spread by word of mouth over ~14 weeks,
mostly added by peers, across 8+ departments; they keep growing when the clock moves):

* ``viral-ai-builders``: team "AI Builders", started in Engineering.
* ``viral-sustainability``: Viva Engage community "Sustainability Champions".
* ``viral-python-guild``: team "Python Guild", started in Data & Analytics or Engineering.
* ``viral-working-parents``: Viva Engage community "Working Parents Network".

The control that must NOT look viral:

* ``broadcast-sales-kickoff``: team "Sales Kickoff 2025", IT-provisioned; every member added
  within one hour of one day (20 days before today, inside the directory audit log's 30 days)
  by the one IT owner: reach and breadth without organic growth.

Shadow places:

* ``personal-space-team-wiki``: a personal Confluence space (``~username``) of an Engineering
  lead that a whole team writes in: 25+ contributors granted edit rights one by one, hundreds
  of pages, edited daily.
* ``external-network-contoso-labs``: a second, non-home Viva Engage network "Contoso Labs",
  joined by employees inviting each other for over a year, with its own communities.
* ``app-meeting-notes-ai``: third-party app "MeetingNotes AI" (unverified publisher, broad
  scopes) spreading by per-user consents (consentType Principal), hundreds of users.

Hygiene cases:

* ``inactive-project-phoenix``: team "Project Phoenix Launch", nothing for 400+ days.
* ``ownerless-marketing-events``: group "Marketing Events 2023", no owner (its owner left).
* ``confidential-deal-room``: private team "Falcon Deal Room", Highly Confidential, 4 guests.
* ``confidential-board-prep``: private group "Board Prep", Confidential, 2 guests.
"""

from __future__ import annotations

import random

from govern.sandbox import diffusion, ids
from govern.sandbox.entities import (
    ADDED_BY_SYSTEM,
    App,
    Group,
    GroupKind,
    Network,
    Origin,
    Visibility,
)
from govern.sandbox.gen_confluence import personal_space
from govern.sandbox.gen_groups import Pools, add_site
from govern.sandbox.orgdata import Diffusion, OrgData, StoryRef
from govern.sandbox.spaces import EDITOR_SET, VIEWER_SET, Subject, pack

VIRAL: tuple[tuple[str, GroupKind, str, str, str], ...] = (
    ("viral-ai-builders", GroupKind.TEAM, "AI Builders", "aibuilders", "Engineering"),
    ("viral-sustainability", GroupKind.ENGAGE, "Sustainability Champions", "sustainability",
     "Operations"),
    ("viral-python-guild", GroupKind.TEAM, "Python Guild", "pythonguild", "Research"),
    ("viral-working-parents", GroupKind.ENGAGE, "Working Parents Network", "workingparents",
     "Human Resources"),
)  # fmt: skip

VIRAL_DAYS = 98  # how long before today the viral communities started (14 weeks)
NAMES: tuple[str, ...] = tuple(v[0] for v in VIRAL) + (
    "broadcast-sales-kickoff",
    "personal-space-team-wiki",
    "external-network-contoso-labs",
    "app-meeting-notes-ai",
    "inactive-project-phoenix",
    "ownerless-marketing-events",
    "confidential-deal-room",
    "confidential-board-prep",
)


def _dept(org: OrgData, name: str) -> int:
    return org.departments.index(name) if name in org.departments else 0


def _founder(org: OrgData, rng: random.Random, pools: Pools, dept: int, before: int) -> int:
    """Someone of ``dept`` (or anyone) who already worked here at ``before``."""
    pool = [p for p in (pools.by_dept[dept] or pools.employees) if org.people[p].created < before]
    return Pools.pick(rng, pool or [p for p in pools.employees if org.people[p].created < before])


def _group(
    org: OrgData, kind: GroupKind, name: str, nickname: str, created: int, creator: int,
    visibility: Visibility = Visibility.PUBLIC, origin: Origin = Origin.SELF_SERVICE,
) -> Group:  # fmt: skip
    group = org.new_group(kind, name, nickname, created, creator, visibility, origin)
    group.owners.add(creator, created, ADDED_BY_SYSTEM)
    group.members.add(creator, created, ADDED_BY_SYSTEM)
    group.alive, group.last_activity = True, org.now
    group.level, group.active_share = 0.4, 0.55
    return group


def _note(org: OrgData, name: str, kind: str, index: int, summary: str) -> None:
    org.stories[name] = StoryRef(name, kind, index, summary)


def plant(org: OrgData, rng: random.Random) -> None:
    """Plant every story (see the module docstring) after the base organisation exists."""
    pools = Pools(org)
    _viral(org, rng, pools)
    _broadcast(org, rng, pools)
    _team_wiki(org, rng, pools)
    _network(org, rng)
    _app(org, rng)
    _hygiene(org, rng, pools)


def _viral(org: OrgData, rng: random.Random, pools: Pools) -> None:
    start = org.today - VIRAL_DAYS
    plan = zip(VIRAL, org.size.viral_members, strict=True)
    for (name, kind, title, nick, dept_name), target in plan:
        created = start * ids.DAY + int(ids.DAY * rng.random())
        creator = _founder(org, rng, pools, _dept(org, dept_name), created)
        group = _group(org, kind, title, nick, created, creator)
        group.label = 1
        if kind == GroupKind.TEAM:
            add_site(org, group, rng)
        # Saturation above the target: the community is still growing today.
        d = Diffusion("group", group.idx, int(target * 1.5), 0.0012, 0.05, 0.8)
        org.diffusions.append(d)
        diffusion.run(org, d, rng, start + 1, org.today)
        _note(org, name, "group", group.idx, f"viral {kind.name.lower()} '{title}'")


def _broadcast(org: OrgData, rng: random.Random, pools: Pools) -> None:
    # Within the directory audit log's 30 days at the first discovery, so that the adds are
    # evidence a first run can read (as an IT admin running govern after a kickoff would).
    day = org.today - 20
    created = day * ids.DAY + 9 * 3600
    staff = [p for p in pools.it_staff if org.people[p].created < created]
    owner = Pools.pick(rng, staff or pools.it_staff)
    group = _group(
        org, GroupKind.TEAM, "Sales Kickoff 2025", "saleskickoff2025", created, owner,
        Visibility.PRIVATE, Origin.IT_PROVISIONED,
    )  # fmt: skip
    group.level, group.active_share = 0.05, 0.2
    target = org.size.viral_members[1]
    there = [p for p in pools.employees if org.people[p].created < created]
    for person in sorted(rng.sample(there, min(target, len(there)))):
        if person != owner:
            group.members.add(person, created + int(3600 * rng.random()), owner)
    group.members.sort_by_time()  # all joined within the same hour, in random order
    add_site(org, group, rng)
    _note(org, "broadcast-sales-kickoff", "group", group.idx, "all added at once by IT")


def _team_wiki(org: OrgData, rng: random.Random, pools: Pools) -> None:
    eng = _dept(org, "Engineering")
    with_account = {u.person: u.idx for u in org.confluence_users if u.person >= 0 and u.active}
    team = [p for p in pools.by_dept[eng] if p in with_account]
    lead = next(p for p in team if org.space_index("~" + org.people[p].mail.split("@")[0]) is None)
    space = personal_space(org, rng, with_account[lead])
    space.perms.extend(pack(c, Subject.GROUP, org.directory.confluence_users) for c in VIEWER_SET)
    for p in sorted(rng.sample(team, min(30, len(team)))):
        user = with_account[p]
        if user != with_account[lead]:
            space.perms.extend(pack(c, Subject.USER, user) for c in EDITOR_SET)
            space.contributors.append(user)
    space.pages, space.blogposts, space.edits = 340, 12, 2_900
    space.alive, space.last_modified = True, org.now - 3600
    _note(org, "personal-space-team-wiki", "space", space.idx, "personal space used by a team")


def _network(org: OrgData, rng: random.Random) -> None:
    start = org.today - 420
    network = Network(len(org.networks), "Contoso Labs", "contosolabs.com", False, start * ids.DAY)
    for community in ("Innovation Lab", "Hackathon 2024", "Makers", "Random"):
        network.communities[community] = type(network.members)()
    org.networks.append(network)
    target = max(org.size.viral_members) + org.size.people // 20
    # Saturation above the target, as for the viral communities: it is still growing today.
    d = Diffusion("network", network.idx, int(target * 1.3), 0.001, 0.02, 0.85)
    org.diffusions.append(d)
    diffusion.run(org, d, rng, start, org.today)
    _note(org, "external-network-contoso-labs", "network", network.idx, "non-home Engage network")


def _app(org: OrgData, rng: random.Random) -> None:
    created = (org.today - 75) * ids.DAY
    app = App(
        len(org.apps), "MeetingNotes AI", "notes-ai.app", False,
        "User.Read Mail.Read Calendars.Read OnlineMeetings.Read Files.Read.All", created,
    )  # fmt: skip
    org.apps.append(app)
    target = max(org.size.viral_members) + org.size.people // 50
    d = Diffusion("app", app.idx, target, 0.001, 0.08, 0.0)
    org.diffusions.append(d)
    diffusion.run(org, d, rng, org.today - 75, org.today)
    _note(org, "app-meeting-notes-ai", "app", app.idx, "third-party app spreading by consents")


def _hygiene(org: OrgData, rng: random.Random, pools: Pools) -> None:
    def members(group: Group, count: int, dept: int) -> None:
        pool = pools.by_dept[dept] or pools.employees
        for p in sorted(rng.sample(pool, min(count, len(pool)))):
            if p not in group.members:
                joined = max(group.created + 3600, org.people[p].created)
                group.members.add(p, joined, group.created_by)
        group.members.sort_by_time()

    eng, mkt = _dept(org, "Engineering"), _dept(org, "Marketing")
    fin = _dept(org, "Finance")
    created = (org.today - 700) * ids.DAY
    g = _group(org, GroupKind.TEAM, "Project Phoenix Launch", "projectphoenixlaunch", created,
               _founder(org, rng, pools, eng, created), Visibility.PRIVATE)  # fmt: skip
    members(g, 40, eng)
    g.alive, g.last_activity = False, (org.today - 430) * ids.DAY
    add_site(org, g, rng)
    _note(org, "inactive-project-phoenix", "group", g.idx, "inactive for 400+ days")

    leaver = ([p for p in pools.leavers if org.people[p].department == mkt] or pools.leavers)[0]
    created = min(org.people[leaver].deleted - 200 * ids.DAY, (org.today - 500) * ids.DAY)
    g = _group(org, GroupKind.UNIFIED, "Marketing Events 2023", "marketingevents2023",
               max(created, org.people[leaver].created), leaver)  # fmt: skip
    members(g, 60, mkt)
    g.owners.remove(leaver)
    g.members.remove(leaver)
    g.level, g.active_share = 0.05, 0.1
    add_site(org, g, rng)
    _note(org, "ownerless-marketing-events", "group", g.idx, "no owner: the owner left")

    for name, title, nick, label, guests, dept in (
        ("confidential-deal-room", "Falcon Deal Room", "falcondealroom", 3, 4, fin),
        ("confidential-board-prep", "Board Prep", "boardprep", 2, 2, fin),
    ):
        kind = GroupKind.TEAM if label == 3 else GroupKind.UNIFIED
        created = (org.today - 120) * ids.DAY
        founder = _founder(org, rng, pools, dept, created)
        g = _group(org, kind, title, nick, created, founder, Visibility.PRIVATE)
        g.label = label
        members(g, 12, dept)
        for guest in sorted(rng.sample(pools.guests, guests)):
            invited = min(max(created + 5 * ids.DAY, org.people[guest].created), org.now)
            g.members.add(guest, invited, g.created_by)
        g.members.sort_by_time()
        add_site(org, g, rng)
        _note(org, name, "group", g.idx, f"guests in a {title} community labelled {label}")
