"""Planted story: a top-down rollout that went quiet.

IT created ``#knowledge-hub`` in the sanctioned "Contoso" workspace 75 days before today and
bulk-added everyone of four departments within one hour (a broadcast, like the Microsoft 365
"Sales Kickoff 2025" control). It was busy for its first ten days, then nobody posted again:
most members never came back after being added. The champions and rollout-health reports must
name it as a rollout that went quiet, with its figures, and its IT owner must not rank as a
champion (bulk adds are not word of mouth).

Kept apart from the rest of the Slack generation, with its own random stream, so that planting it
changes nothing else the seed generates.
"""

from __future__ import annotations

import random

from govern.sandbox import ids
from govern.sandbox.gen_groups import Pools
from govern.sandbox.slack.data import Channel, SlackData, Workspace, slack_id

CHANNEL = "knowledge-hub"
"""The planted rollout's channel name."""
STARTED_DAYS = 75
"""The bulk add happened this many days before today."""
BUSY_DAYS = 10
"""Days it saw posts after the bulk add; silence since."""
DEPARTMENTS = 4
"""Departments bulk-added (the largest ones)."""


def plant(data: SlackData, pools: Pools, main: Workspace) -> Channel:
    """Create ``#knowledge-hub``: IT-provisioned, bulk-filled, busy for ten days, then quiet."""
    org = data.org
    rng = random.Random(f"{org.seed}/slack/rollout")
    guid = data.grid_user_of
    admin = next(u.idx for u in data.users if u.primary_owner)
    created = org.now - STARTED_DAYS * ids.DAY
    key = f"{main.domain}/{CHANNEL}"
    channel = data.add_channel(
        Channel(
            len(data.channels), slack_id(org.seed, "C", key), main.idx, CHANNEL, created, admin,
            purpose="Share what you know: the new home of our knowledge (rollout wave 1)",
        )
    )  # fmt: skip
    channel.members.add(admin, created, 0, -1)
    biggest = sorted(range(len(org.departments)), key=lambda d: -len(pools.by_dept[d]))
    for d in sorted(biggest[:DEPARTMENTS]):
        for person in pools.by_dept[d]:
            user = guid.get(person)
            if user is None or user == admin or data.users[user].created > created:
                continue
            # Everyone within the same hour, added by the IT admin: a broadcast.
            joined = created + 60 + int(3540 * rng.random())
            channel.members.add(user, joined, int(rng.random() * 999_999), admin)
    channel.rate = 3.0
    channel.active_until = created + BUSY_DAYS * ids.DAY
    return channel
