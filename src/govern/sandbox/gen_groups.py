"""Generate the Microsoft 365 side: teams, groups, Engage communities, sites, activity profiles.

Shape (notes/virality.md): most communities self-service, ~12% IT-provisioned (by IT staff or
the provisioning app, half with the ``IT-`` naming convention); ~58% inactive (nothing in the
last 90 days); ~7% ownerless (their only owner left the company); ~11% with guests; labels
on about 60%. Members come mostly from the creator's department (homophily) and mostly joined
when the community was created; the rest joined later, added by an owner, a peer or themselves.

Homophily, as in real firms (notes/virality.md: most members of an ordinary community share
the owner's department; a department holding one member is noise, not breadth): 82% of an
ordinary community's members come from the owner's department, 13% from one neighbour
department (two for three communities in ten: the teams it works with) and 5% from anywhere.
Within the owner's department, 60% of the draws come from the owner's own office
(``sandbox/offices``), so place clusters as well as department.
A community of a hundred people then holds two or three departments with a meaningful share
(5%), not all twelve; only spreading
stories (``diffusion``) cross many departments, more so as they grow.
"""

from __future__ import annotations

import random

from govern.sandbox import ids
from govern.sandbox.entities import (
    ADDED_BY_SELF,
    ADDED_BY_SYSTEM,
    Group,
    GroupKind,
    Network,
    Origin,
    Site,
    Visibility,
)
from govern.sandbox.gen_people import history_ts, lognormal_size
from govern.sandbox.names import CITIES, CODENAMES, INTERESTS, SHAREPOINT, TOPICS
from govern.sandbox.orgdata import OrgData

IT_SHARE = 0.12
INACTIVE_SHARE = 0.63
OWNERLESS_SHARE = 0.07
GUEST_SHARE = 0.11
LABEL_WEIGHTS = ((-1, 0.40), (0, 0.05), (1, 0.30), (2, 0.20), (3, 0.05))
HOMOPHILY = 0.82  # share of members drawn from the creator's department
SAME_OFFICE = 0.6  # of the draws from the owner's department, the share from the owner's office
NEIGHBOURS = 0.13  # ... from one (70%) or two neighbour departments; the rest from anywhere
INACTIVE_AFTER = 90 * ids.DAY


class Pools:
    """People available to generation: current employees overall, per department, IT staff."""

    def __init__(self, org: OrgData) -> None:
        # Leaving people (account disabled, not yet deleted) are no longer drawn.
        self.employees = [
            p.idx for p in org.people if not p.guest and p.deleted == -1 and p.disabled == -1
        ]
        self.by_dept: list[list[int]] = [[] for _ in org.departments]
        # (department, office) -> current employees there: the owner's own team of colleagues
        self.by_place: dict[tuple[int, int], list[int]] = {}
        for p in self.employees:
            person = org.people[p]
            self.by_dept[person.department].append(p)
            self.by_place.setdefault((person.department, person.office), []).append(p)
        self.it_staff = [p for p in self.employees if org.people[p].it_staff]
        self.leavers = [
            p.idx for p in org.people if not p.guest and (p.deleted != -1 or p.disabled != -1)
        ]
        self.guests = [p.idx for p in org.people if p.guest]
        self.guest_credit = 0.0

    def guests_due(self, r: float) -> bool:
        """Whether the next community invites guests, given a uniform draw ``r``.

        ``GUEST_SHARE`` of communities do, at random places but balanced over the organisation:
        a plain coin per community put 8% to 16% of a demo's communities with guests depending
        on the seed; a running credit holds the published ~11% for every seed.
        """
        self.guest_credit += GUEST_SHARE
        if r < self.guest_credit:
            self.guest_credit -= 1
            return True
        return False

    def hire(self, person: int, department: int, office: int) -> None:
        """Someone joined the company (time advance keeps the pools current)."""
        self.employees.append(person)
        self.by_dept[department].append(person)
        self.by_place.setdefault((department, office), []).append(person)

    def leave(self, person: int, department: int, office: int) -> None:
        """Someone left the company."""
        self.employees.remove(person)
        self.by_dept[department].remove(person)
        place = self.by_place.get((department, office), [])
        if person in place:
            place.remove(person)
        self.leavers.append(person)
        if person in self.it_staff:
            self.it_staff.remove(person)

    @staticmethod
    def pick(rng: random.Random, pool: list[int]) -> int:
        """One element of a pool, uniformly."""
        return pool[int(rng.random() * len(pool))]


def community_name(rng: random.Random, org: OrgData, kind: GroupKind, dept: int) -> str:
    """A plausible display name for a community of ``kind`` started in department ``dept``."""
    d = org.departments[dept]
    r = rng.random()
    topic = TOPICS[int(rng.random() * len(TOPICS))]
    if kind == GroupKind.ENGAGE:
        if r < 0.5:
            return f"{INTERESTS[int(rng.random() * len(INTERESTS))]} ({d})"
        return f"{topic} Community of Practice"
    if r < 0.45:
        return f"{d} {topic}"
    if r < 0.75:
        return f"Project {CODENAMES[int(rng.random() * len(CODENAMES))]} {topic}"
    return f"{CITIES[int(rng.random() * len(CITIES))]} {d}"


def unique_nickname(name: str, taken: dict[str, int]) -> str:
    """A mailNickname from a display name, numbered when taken (as Exchange would ask)."""
    base = "".join(ch for ch in name.lower() if ch.isalnum())[:40] or "group"
    candidate, n = base, taken.get(base, 1)
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    taken[candidate] = 1
    taken[base] = n  # where the next search for this base starts
    return candidate


def add_site(org: OrgData, group: Group, rng: random.Random) -> None:
    """The group's SharePoint team site (GROUP#0), with files and storage roughly by size."""
    site = Site(
        len(org.sites),
        f"{SHAREPOINT}/sites/{group.nickname}",
        group.name,
        "GROUP#0",
        group.idx,
        group.owners.ids[0] if len(group.owners) else group.created_by,
        group.created,
    )
    site.files = int(len(group.members) * 8 * rng.random())
    site.storage = site.files * int(200_000 + 2_000_000 * rng.random())
    org.sites.append(site)
    group.site = site.idx


def set_activity(group: Group, rng: random.Random, now: int, inactive: float) -> None:
    """Active communities follow the clock; inactive ones stopped 90+ days ago."""
    if rng.random() < inactive:
        stop_latest = max(group.created, now - INACTIVE_AFTER - ids.DAY)
        group.last_activity = group.created + int((stop_latest - group.created) * rng.random())
        group.alive = False
    else:
        group.last_activity = now
        group.alive = True
    group.level = round(0.05 + 0.6 * rng.random() ** 2, 3)
    group.active_share = round(0.15 + 0.6 * rng.random(), 3)


def fill_members(
    org: OrgData,
    group: Group,
    rng: random.Random,
    pools: Pools,
    target: int,
    dept: int,
    end: int,
) -> None:
    """Draw ``target`` members (homophily), with join times and who added them, in join order."""
    creator = group.created_by
    chosen = {creator} if creator >= 0 else set()
    own = pools.by_dept[dept]
    local = pools.by_place.get((dept, org.people[creator].office), []) if creator >= 0 else []
    others = [d for d in range(len(pools.by_dept)) if d != dept and pools.by_dept[d]]
    near = [
        pools.by_dept[d] for d in rng.sample(others, min(len(others), 1 + (rng.random() < 0.5)))
    ]
    for _ in range(target * 3):
        if len(chosen) >= target:
            break
        r = rng.random()
        if r < HOMOPHILY * SAME_OFFICE and local:
            pool = local
        elif r < HOMOPHILY and own:
            pool = own
        elif r < HOMOPHILY + NEIGHBOURS and near:
            pool = near[int(rng.random() * len(near))]
        else:
            pool = pools.employees
        chosen.add(pool[int(rng.random() * len(pool))])
    chosen.discard(creator)
    adder = creator if creator >= 0 else ADDED_BY_SYSTEM
    rows: list[tuple[int, int, int]] = []
    if creator >= 0:
        rows.append((group.created, creator, ADDED_BY_SYSTEM))
    public = group.visibility == Visibility.PUBLIC
    span = max(end - group.created, 1)
    for p in sorted(chosen):
        if rng.random() < 0.6:
            ts, by = group.created + int(3600 * rng.random()), adder
        else:
            ts = group.created + int(span * rng.random() ** 2)
            r = rng.random()
            if public and r < 0.4:
                by = ADDED_BY_SELF
            elif r < 0.7 and rows:
                by = rows[int(rng.random() * len(rows))][1]
            else:
                by = adder
        rows.append((max(ts, org.people[p].created), p, by))
    rows.sort()
    members = group.members
    for ts, p, by in rows:
        members.add(p, ts, by)


def new_community(
    org: OrgData, rng: random.Random, pools: Pools, kind: GroupKind, created: int,
    nicknames: dict[str, int], inactive: float = INACTIVE_SHARE, past: bool = True,
) -> Group:  # fmt: skip
    """One community with members, owners, label, guests, site, apps and an activity profile.

    ``past`` communities may have lost their owner since; new ones (``past=False``) may not.
    """
    size = org.size
    it = rng.random() < IT_SHARE
    ownerless = past and rng.random() < OWNERLESS_SHARE and bool(pools.leavers)
    if ownerless:
        creator = Pools.pick(rng, pools.leavers)
    elif it and rng.random() < 0.5:
        creator = -1  # the provisioning app created it
    else:
        creator = Pools.pick(rng, pools.it_staff if it else pools.employees)
    dept = (
        org.people[creator].department if creator >= 0 else int(rng.random() * len(pools.by_dept))
    )
    created = max(created, org.people[creator].created) if creator >= 0 else created
    name = community_name(rng, org, kind, dept)
    if it and rng.random() < 0.5:
        name = f"IT-{name}"
    if kind == GroupKind.ENGAGE:
        vis = Visibility.PUBLIC if rng.random() < 0.85 else Visibility.PRIVATE
    else:
        r = rng.random()
        vis = Visibility.PUBLIC if r < 0.35 else Visibility.PRIVATE
        if r > 0.98 and kind == GroupKind.UNIFIED:
            vis = Visibility.HIDDEN_MEMBERSHIP
    origin = Origin.IT_PROVISIONED if it else Origin.SELF_SERVICE
    nickname = unique_nickname(name, nicknames)
    group = org.new_group(kind, name, nickname, created, creator, vis, origin)
    if creator < 0:
        group.created_by_app = org.directory.provisioning_app
    r = rng.random()
    for label, weight in LABEL_WEIGHTS:
        r -= weight
        if r < 0:
            group.label = label
            break
    median = size.team_median if kind != GroupKind.ENGAGE else size.team_median * 2.5
    target = lognormal_size(rng, median, size.team_sigma, max(len(pools.employees) // 3, 2))
    now = org.now
    # Members of an ownerless community joined while its owner was still there.
    end = org.people[creator].deleted if ownerless else now
    fill_members(org, group, rng, pools, target, dept, end)
    if ownerless:
        # The only owner left the company: their memberships and ownership went with them.
        group.members.remove(creator)
    else:
        first = creator if creator >= 0 else Pools.pick(rng, pools.it_staff)
        since = max(created, org.people[first].created)
        group.owners.add(first, since, ADDED_BY_SYSTEM)
        if first not in group.members:
            group.members.add(first, since, ADDED_BY_SYSTEM)
        if rng.random() < 0.45 and len(group.members) > 2:
            co = group.members.ids[1 + int(rng.random() * (len(group.members) - 1))]
            if co not in group.owners:
                group.owners.add(co, group.members.joined[group.members.ids.index(co)], first)
    if pools.guests and pools.guests_due(rng.random()) and kind != GroupKind.ENGAGE:
        for _ in range(1 + int(rng.random() * 4)):
            guest = Pools.pick(rng, pools.guests)
            if guest not in group.members:
                ts = max(created, org.people[guest].created) + int(ids.DAY * 30 * rng.random())
                inviter = group.owners.ids[0] if len(group.owners) else ADDED_BY_SYSTEM
                group.members.add(guest, min(ts, now), inviter)
    group.members.sort_by_time()  # owners and guests were added after the others
    set_activity(group, rng, now, 1.0 if ownerless else inactive)
    if kind in (GroupKind.TEAM, GroupKind.UNIFIED):
        add_site(org, group, rng)
    if kind == GroupKind.TEAM and rng.random() < 0.7:
        for _ in range(1 + int(rng.random() * 3)):
            app = int(rng.random() * len(org.teams_apps))
            if app not in group.apps:
                group.apps.append(app)
    return group


def generate_groups(org: OrgData, rng: random.Random) -> dict[str, int]:
    """The IT staff group, the home network and All Company, then every community.

    Returns the mailNickname counter so later communities (advance) stay unique.
    """
    pools = Pools(org)
    nicknames: dict[str, int] = {}
    it = org.new_group(
        GroupKind.SECURITY, "IT Staff", "itstaff", 0, -1, Visibility.PRIVATE, Origin.IT_PROVISIONED
    )
    nicknames["itstaff"] = 1
    for p in sorted(pools.it_staff, key=lambda i: (org.people[i].created, i)):
        it.members.add(p, org.people[p].created, ADDED_BY_SYSTEM)
    org.directory.it_group = it.idx
    home = Network(0, "Contoso", org.domain, True, 0)
    org.networks.append(home)
    everyone = org.new_group(
        GroupKind.ENGAGE, "All Company", "allcompany", 0, -1, Visibility.PUBLIC,
        Origin.IT_PROVISIONED,
    )  # fmt: skip
    nicknames["allcompany"] = 1
    everyone.created_by_app = org.directory.provisioning_app
    # Everyone is added by the directory sync when their account is created.
    for p in sorted(pools.employees, key=lambda i: org.people[i].created):
        everyone.members.add(p, org.people[p].created, ADDED_BY_SYSTEM)
        home.members.add(p, org.people[p].created, ADDED_BY_SYSTEM)
    # An IT admin owns it; as an employee they are already among the members.
    admin = pools.it_staff[0]
    everyone.owners.add(admin, org.people[admin].created, ADDED_BY_SYSTEM)
    set_activity(everyone, rng, org.now, 0.0)
    org.directory.all_company = everyone.idx
    size = org.size
    plan = [GroupKind.TEAM] * size.teams + [GroupKind.UNIFIED] * size.unified_groups
    plan += [GroupKind.ENGAGE] * size.engage_communities
    rng.shuffle(plan)
    for kind in plan:
        # Creation accelerates over time (adoption grows): density rises linearly.
        created = int(ids.START_DAY * ids.DAY * rng.random() ** 0.5)
        new_community(org, rng, pools, kind, created, nicknames)
    for _ in range(size.standalone_sites):
        owner = Pools.pick(rng, pools.employees)
        created = history_ts(rng, 60)
        dept = org.departments[org.people[owner].department]
        title = f"{dept} {TOPICS[int(rng.random() * len(TOPICS))]} Hub"
        slug = unique_nickname(title, nicknames)
        template = "SITEPAGEPUBLISHING#0" if rng.random() < 0.7 else "STS#3"
        site = Site(
            len(org.sites), f"{SHAREPOINT}/sites/{slug}", title, template, -1, owner, created
        )
        site.files = int(400 * rng.random() ** 2)
        site.storage = site.files * int(100_000 + 3_000_000 * rng.random())
        if rng.random() < INACTIVE_SHARE:
            site.last_activity = created + int((org.now - INACTIVE_AFTER - created) * rng.random())
        else:
            site.alive, site.last_activity = True, org.now
        org.sites.append(site)
    return nicknames
