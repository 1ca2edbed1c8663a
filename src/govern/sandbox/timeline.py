"""Moving the clock: ``advance(org, days)`` lives the organisation's next days, one at a time.

Each day draws from its own ``random.Random`` seeded by (seed, day number), so advancing 3 then
4 days gives the same organisation as advancing 7, and writes made in between only change what
they touch. A day, in order:

1. scheduled scenario events for that day;
2. leavers whose account was disabled 30 days ago are deleted (memberships and ownerships go
   with them: this is how communities become ownerless over time);
3. people leave (account disabled) and are hired (added to All Company, the home network, a
   Confluence account, a couple of their department's teams), ~10% turnover a year;
4. membership churn in live communities;
5. new communities appear at the pace of the recent past and old inactive ones expire;
6. activity changes: live communities go quiet, quiet ones revive, spaces get edited;
7. the planted stories keep spreading (``diffusion``), and a few new app consents appear.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from govern.sandbox import diffusion, events, ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import ADDED_BY_SELF, ADDED_BY_SYSTEM, NEVER, GroupKind
from govern.sandbox.gen_confluence import ACCOUNT_SHARE, add_account
from govern.sandbox.gen_groups import Pools, new_community
from govern.sandbox.gen_people import DepartmentPicker, make_person
from govern.sandbox.org import COMMUNITY_KINDS, Organisation

TURNOVER = 0.10 / 365  # leavers (and hires) per person per day
GRACE_DAYS = 30  # a leaver's account is disabled, then deleted this many days later


def _count(rng: random.Random, expected: float) -> int:
    """An integer with the given mean: the whole part plus one with the fractional chance."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def advance(org: Organisation, days: int) -> None:
    """Move the clock ``days`` days forward (days must be >= 0)."""
    if days < 0:
        raise ValueError("the sandbox clock only moves forward")
    pools = Pools(org)
    for _ in range(days):
        org.day += 1
        rng = random.Random(f"{org.seed}/day/{org.today}")
        live_day(org, rng, pools)


def live_day(org: Organisation, rng: random.Random, pools: Pools) -> None:
    """Everything that happens during the (new) current day; see the module docstring."""
    for event in [e for e in org.events if e["day"] == org.today]:
        events.apply(org, event, pools)
    _delete_leavers(org)
    if not org.background:
        return
    _people(org, rng, pools)
    _churn(org, rng, pools)
    _communities(org, rng, pools)
    _activity(org, rng)
    for story in org.diffusions:
        diffusion.step(org, story, rng, org.today, pools)
    _consents(org, rng, pools)


def delete_person(org: Organisation, person: int) -> None:
    """Delete an account: it leaves every group (as member and owner) and Confluence."""
    for g in sorted(org.person_groups(person)):
        org.unlink_member(g, person)
    for g in sorted(org.person_owned_groups(person)):
        org.unlink_owner(g, person)
    p = org.people[person]
    p.deleted = org.now
    org.record_change(Op.USER_REMOVED, person)
    account = org.confluence_account(person)
    if account is not None and org.confluence_users[account].active:
        org.confluence_users[account].active = False
        org.record_change(Op.CONFLUENCE_USER_UPDATED, account)


def _delete_leavers(org: Organisation) -> None:
    cutoff = org.now - GRACE_DAYS * ids.DAY
    for p in org.people:
        if p.disabled != NEVER and p.deleted == NEVER and p.disabled <= cutoff:
            delete_person(org, p.idx)


def leave(org: Organisation, person: int, pools: Pools) -> None:
    """Someone leaves: their account is disabled today and deleted after the grace period."""
    p = org.people[person]
    p.enabled = False
    p.disabled = org.now
    org.record_change(Op.USER_UPDATED, person)
    pools.leave(person, p.department, p.office)


def hire(org: Organisation, rng: random.Random, pools: Pools, department: int) -> int:
    """Someone joins: a new account, All Company, the home network, maybe Confluence, teams."""
    person = org.add_person(make_person(org, rng, department, org.now, org.upns_taken))
    pools.hire(person.idx, department, person.office)
    org.link_member(org.directory.all_company, person.idx, org.now, ADDED_BY_SYSTEM)
    org.networks[0].members.add(person.idx, org.now, ADDED_BY_SYSTEM)
    if rng.random() < ACCOUNT_SHARE:
        user = add_account(org, person.idx, org.now)
        org.confluence_groups[org.directory.confluence_users].members.append(user)
        dept_group = org.directory.department_groups[department]
        org.confluence_groups[dept_group].members.append(user)
    colleagues = pools.by_dept[department]
    for _ in range(2):
        if len(colleagues) > 1:
            peer = colleagues[int(rng.random() * len(colleagues))]
            options = sorted(
                g for g in org.person_groups(peer) if org.groups[g].kind == GroupKind.TEAM
            )
            if options:
                team = options[int(rng.random() * len(options))]
                owners = org.groups[team].owners.ids
                by = owners[0] if owners else peer
                org.link_member(team, person.idx, org.now, by)
    return person.idx


def _people(org: Organisation, rng: random.Random, pools: Pools) -> None:
    n = len(pools.employees)
    for _ in range(_count(rng, n * TURNOVER)):
        person = pools.employees[int(rng.random() * len(pools.employees))]
        if not org.people[person].it_staff or len(pools.it_staff) > 3:
            leave(org, person, pools)
    pick = DepartmentPicker(len(org.departments))
    for _ in range(_count(rng, n * TURNOVER)):
        hire(org, rng, pools, pick(rng))


def _random_live_group(org: Organisation, rng: random.Random) -> int:
    for _ in range(8):
        g = org.groups[int(rng.random() * len(org.groups))]
        if g.deleted == NEVER and g.kind in COMMUNITY_KINDS and g.alive:
            return g.idx
    return -1


def _churn(org: Organisation, rng: random.Random, pools: Pools) -> None:
    for _ in range(_count(rng, len(pools.employees) / 400)):
        g = _random_live_group(org, rng)
        if g < 0:
            continue
        group = org.groups[g]
        if rng.random() < 0.65:
            owner = group.owners.ids[0] if len(group.owners) else ADDED_BY_SELF
            dept = org.people[group.members.ids[0]].department if len(group.members) else 0
            pool = pools.by_dept[dept] or pools.employees
            candidate = pool[int(rng.random() * len(pool))]
            org.link_member(g, candidate, org.now, owner if rng.random() < 0.6 else ADDED_BY_SELF)
        elif len(group.members) > 2:
            who = group.members.ids[int(rng.random() * len(group.members))]
            if who not in group.owners:
                org.unlink_member(g, who)


def _communities(org: Organisation, rng: random.Random, pools: Pools) -> None:
    size = org.size
    kinds = (GroupKind.TEAM, GroupKind.UNIFIED, GroupKind.ENGAGE)
    weights = list(accumulate((size.teams, size.unified_groups, size.engage_communities)))
    # Generation spreads creations with a density rising linearly to today, where it is twice
    # the average: keep that pace, so the shape (active share, ownerless share) stays stable.
    made = size.teams + size.unified_groups + size.engage_communities
    for _ in range(_count(rng, 2 * made / ids.START_DAY)):
        kind = kinds[bisect(weights, rng.random() * weights[-1])]
        created = org.today * ids.DAY + int(ids.DAY / 2 * rng.random())
        group = new_community(org, rng, pools, kind, created, org.nicknames_taken, past=False)
        org.announce_group(group.idx)
    for _ in range(_count(rng, len(org.groups) / 3000)):
        g = org.groups[int(rng.random() * len(org.groups))]
        stale = org.now - g.last_activity > 180 * ids.DAY
        if g.deleted == NEVER and g.kind in COMMUNITY_KINDS and not g.alive and stale:
            org.remove_group(g.idx)


def _activity(org: Organisation, rng: random.Random) -> None:
    groups = org.groups
    for _ in range(_count(rng, len(groups) / 200)):
        g = groups[int(rng.random() * len(groups))]
        if g.deleted != NEVER or not g.is_community or g.idx == org.directory.all_company:
            continue
        if g.alive and rng.random() < 0.3:
            g.alive, g.last_activity = False, org.now
        elif not g.alive and rng.random() < 0.2:
            g.alive, g.last_activity = True, org.now
    spaces = org.spaces
    for _ in range(_count(rng, len(spaces) / 7)):
        s = spaces[int(rng.random() * len(spaces))]
        if s.deleted == NEVER and s.alive:
            s.pages += 1 if rng.random() < 0.3 else 0
            s.edits += 1 + int(3 * rng.random())
            s.last_modified = org.now
            if rng.random() < 0.1 and org.confluence_users:
                u = int(rng.random() * len(org.confluence_users))
                if org.confluence_users[u].active and u not in s.contributors:
                    s.contributors.append(u)
            org.record_change(Op.SPACE_UPDATED, s.idx)


def _consents(org: Organisation, rng: random.Random, pools: Pools) -> None:
    third_party = range(2, len(org.apps))
    for _ in range(_count(rng, len(pools.employees) / 2000)):
        app = third_party[int(len(third_party) * rng.random() ** 2)]
        person = pools.employees[int(rng.random() * len(pools.employees))]
        if not org.consents.has(app, person):
            row = org.consents.add(app, person, org.now)
            org.record_change(Op.CONSENT_ADDED, row, app)
