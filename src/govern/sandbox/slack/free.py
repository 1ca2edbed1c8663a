"""The planted story's free Slack workspace, "Product Makers", spreading by word of mouth.

Started in one department 12 weeks before today, open to anyone with a company email; people
invite each other (Bass diffusion, mostly peer invites, 60% across departments), so it spreads
to hundreds of people in many departments over weeks. The spread is simulated a year ahead and
revealed as the organisation's clock moves. A few members sign up with a personal email (not
matched to Microsoft 365).
"""

from __future__ import annotations

import random

from govern.sandbox import ids
from govern.sandbox.gen_groups import Pools
from govern.sandbox.slack.data import SlackData, SlackUser, Workspace, random_micro, slack_id

FREE_START_DAYS = 84  # the free workspace started 12 weeks before today
HORIZON_DAYS = 365  # how far ahead its word of mouth is simulated
PERSONAL_EMAIL_SHARE = 0.08
CROSS_DEPARTMENT = 0.6
FREE_CHANNELS = (
    "roadmap-ideas",
    "design-crit",
    "customer-feedback",
    "growth-experiments",
    "ai-tools",
    "launch-war-room",
    "data-questions",
    "watercooler",
)


def plant(data: SlackData, rng: random.Random, pools: Pools) -> None:
    """Add the free workspace "Product Makers" and its word-of-mouth spread to ``data``."""
    org = data.org
    dept_name = "Product" if "Product" in org.departments else org.departments[-1]
    dept = org.departments.index(dept_name)
    start = org.now - FREE_START_DAYS * ids.DAY
    ws = data.add_workspace(
        Workspace(
            len(data.workspaces),
            slack_id(org.seed, "T", "free/productmakers"),
            "Product Makers",
            "productmakers",
            start,
            False,
            "free",
            org.domain,
            "open",
        )
    )
    founder = Pools.pick(rng, pools.by_dept[dept] or pools.employees)
    joins = _word_of_mouth(data, rng, pools, founder, start)
    user_of = _accounts(data, rng, ws, joins, founder)
    app = SlackUser(
        len(data.users),
        slack_id(org.seed, "U", "free/app/govern"),
        ws.idx,
        -1,
        "govern",
        "govern",
        None,
        created=org.now,
        bot=True,
    )
    data.app_users[ws.idx] = data.add_user(app).idx
    general = data.open_channel(
        ws,
        "general",
        start,
        user_of[founder],
        general=True,
        purpose="Everything product, for anyone who builds it",
    )
    ws.general = general.idx
    general.rate = 3.0
    for ts, person, peer in joins:
        by = user_of.get(peer, -1)
        ws.members.add(user_of[person], ts, random_micro(rng), by)
        general.members.add(user_of[person], ts, random_micro(rng), by)
    for k, name in enumerate(FREE_CHANNELS):
        created = start + (k + 1) * 3 * ids.DAY
        creator = user_of[joins[min(k * 3, len(joins) - 1)][1]]
        ch = data.open_channel(ws, name, created, creator)
        rows = [(created, creator, -1)]
        for ts, person, _ in joins:
            u = user_of[person]
            if u != creator and rng.random() < 0.35:
                by = -1 if rng.random() < 0.6 else creator
                rows.append((max(ts, created) + int(10 * ids.DAY * rng.random()), u, by))
        for ts, u, by in sorted(rows):
            ch.members.add(u, ts, random_micro(rng), by)
        ch.rate = round(1 + 5 * rng.random(), 2)


def _word_of_mouth(
    data: SlackData, rng: random.Random, pools: Pools, founder: int, start: int
) -> list[tuple[int, int, int]]:
    """Who joins when, invited by whom (-1: joined by themselves), sorted by time.

    Bass diffusion: a small rate of people finding it alone plus imitation in proportion to
    those already in, mostly through peers, who invite across departments 60% of the time.
    """
    org = data.org
    target = max(org.size.viral_members) + len(pools.employees) // 10
    joins: list[tuple[int, int, int]] = [(start, founder, -1)]
    joined = {founder}
    for day in range(org.today - FREE_START_DAYS, org.today + HORIZON_DAYS):
        n, m = len(joins), target
        expected = (0.002 + 0.09 * n / m) * (m - n) if n < m else 0.0
        for _ in range(int(expected) + (1 if rng.random() < expected - int(expected) else 0)):
            peer = joins[int(rng.random() * len(joins))][1] if rng.random() < 0.8 else -1
            pool = (
                pools.by_dept[org.people[peer].department]
                if peer >= 0 and rng.random() > CROSS_DEPARTMENT
                else pools.employees
            )
            person = pool[int(rng.random() * len(pool))] if pool else -1
            if person < 0 or person in joined:
                continue
            joined.add(person)
            joins.append(
                (max(day * ids.DAY + int(ids.DAY * rng.random()), start + 60), person, peer)
            )
    joins.sort()
    return joins


def _accounts(
    data: SlackData,
    rng: random.Random,
    ws: Workspace,
    joins: list[tuple[int, int, int]],
    founder: int,
) -> dict[int, int]:
    """A free account per joiner (a few with a personal email); person -> Slack user index."""
    org = data.org
    user_of: dict[int, int] = {}
    for ts, person, _ in joins:
        p = org.people[person]
        email = p.mail
        if rng.random() < PERSONAL_EMAIL_SHARE and person != founder:
            email = f"{p.given}.{p.surname}{person}@gmail.com".lower()
        user = SlackUser(
            len(data.users),
            slack_id(org.seed, "U", f"free/{person}"),
            ws.idx,
            person,
            email.split("@")[0],
            p.display_name,
            email,
            p.job_title,
            ts,
            admin=person == founder,
            owner=person == founder,
            primary_owner=person == founder,
        )
        user_of[person] = data.add_user(user).idx
    return user_of
