"""Word-of-mouth spread, one day at a time: how planted viral stories grow, then and now.

The same daily step builds a story's past (at generation, log off) and continues it when the
clock moves (``advance``, log on), so history and future follow one model: the Bass diffusion
model of notes/virality.md. Peer-added members are often from another department than the peer
who added them, which is what gives viral communities their breadth.
"""

from __future__ import annotations

import random

from govern.sandbox import ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import ADDED_BY_SELF, MemberList
from govern.sandbox.gen_groups import Pools
from govern.sandbox.orgdata import Diffusion, OrgData

CROSS_DEPARTMENT = 0.85  # how often a grown story's peer brings in another department
TRIES = 6


def _adopters(org: OrgData, d: Diffusion) -> tuple[list[int], set[int]]:
    if d.kind == "group":
        listed = list(org.groups[d.index].members.ids)
    elif d.kind == "network":
        listed = list(org.networks[d.index].members.ids)
    else:
        c = org.consents
        listed = [
            who
            for app, who, revoked in zip(c.app, c.principal, c.revoked, strict=True)
            if app == d.index and revoked == -1
        ]
    return listed, set(listed)


def _candidate(
    rng: random.Random,
    org: OrgData,
    pop: Pools,
    peer: int,
    joined: set[int],
    ts: int,
    cross: float = CROSS_DEPARTMENT,
) -> int:
    for attempt in range(TRIES):
        # The last tries look firm-wide: a department can run out of people not yet in.
        if peer >= 0 and attempt < TRIES - 2 and rng.random() > cross:
            pool = pop.by_dept[org.people[peer].department]
        else:
            pool = pop.employees
        if not pool:
            continue
        person = pool[int(rng.random() * len(pool))]
        # When building the past, people hired later cannot have joined yet.
        if person not in joined and org.people[person].created <= ts:
            return person
    return -1


def step(org: OrgData, d: Diffusion, rng: random.Random, day: int, pop: Pools) -> int:
    """Spread story ``d`` during absolute day ``day``; returns how many joined."""
    if d.kind == "group" and org.groups[d.index].deleted != -1:
        return 0
    listed, joined = _adopters(org, d)
    n, m = len(listed), d.target
    if n >= m:
        return 0
    expected = (d.p + d.q * n / m) * (m - n)
    count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
    added = 0
    # Draw the day's join times first, in order, so that member lists stay in join order.
    times = sorted(day * ids.DAY + int(ids.DAY * rng.random()) for _ in range(count))
    for ts in times:
        peer = (
            listed[int(rng.random() * len(listed))]
            if listed and rng.random() < d.peer_share
            else -1
        )
        # A young story spreads mostly inside its founders' department, a grown one across.
        # People who join by themselves heard of it from someone too: while the story is young
        # that is most likely near its founder, so the founder anchors their department.
        cross = min(CROSS_DEPARTMENT, 0.3 + len(listed) / m)
        near = peer if peer >= 0 else (listed[0] if listed else -1)
        person = _candidate(rng, org, pop, near, joined, ts, cross)
        if person < 0:
            continue
        by = peer if peer >= 0 else ADDED_BY_SELF
        _join(org, d, person, ts, by, rng)
        listed.append(person)
        joined.add(person)
        added += 1
    return added


def _join(org: OrgData, d: Diffusion, person: int, ts: int, by: int, rng: random.Random) -> None:
    if d.kind == "group":
        org.link_member(d.index, person, ts, by)
        return
    if d.kind == "network":
        network = org.networks[d.index]
        network.members.add(person, ts, by)
        org.record_change(Op.NETWORK_MEMBER_ADDED, d.index, person, ts)
        # Most people who join a network also join one or two of its communities.
        names = sorted(network.communities)
        for _ in range(int(rng.random() * 3)):
            community: MemberList = network.communities[names[int(rng.random() * len(names))]]
            if person not in community:
                community.add(person, ts, by)
        return
    row = org.consents.add(d.index, person, ts)
    org.record_change(Op.CONSENT_ADDED, row, d.index, ts)


def run(org: OrgData, d: Diffusion, rng: random.Random, first_day: int, last_day: int) -> None:
    """Spread ``d`` over days ``first_day .. last_day - 1`` (used to build a story's past)."""
    pop = Pools(org)
    for day in range(first_day, last_day):
        step(org, d, rng, day, pop)
