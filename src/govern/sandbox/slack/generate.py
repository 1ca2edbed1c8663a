"""Generate the organisation's Slack from its people, deterministically from the seed.

* An Enterprise Grid organisation with the sanctioned workspace "Contoso" (every employee, some
  partner guests, department channels, grassroots topic channels, a few Slack Connect channels
  and ``#ai-builders``, which mirrors the Team "AI Builders" of the planted stories) and a small
  IT-provisioned workspace "Contoso Support".
* The planted story: "Product Makers", a FREE workspace spreading by word of mouth (see
  ``free.py``).
* The planted rollout that went quiet: ``#knowledge-hub`` (see ``rollout.py``).
"""

from __future__ import annotations

import math
import random

from govern.sandbox import ids
from govern.sandbox.gen_groups import Pools
from govern.sandbox.names import CODENAMES, INTERESTS, TOPICS
from govern.sandbox.org import Organisation
from govern.sandbox.slack import free, rollout
from govern.sandbox.slack.data import (
    Channel,
    ExternalOrg,
    Membership,
    SlackData,
    SlackUser,
    Workspace,
    random_micro,
    slack_id,
)

EXTERNAL_ORGS = (("Fabrikam", "fabrikam"), ("Northwind Traders", "northwind"))


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def build(org: Organisation) -> SlackData:
    """The Slack organisation of ``org``: same seed, same Slack."""
    rng = random.Random(f"{org.seed}/slack")
    data = SlackData(org)
    pools = Pools(org)
    main = _grid_workspace(data, "Contoso", "contoso", 10)
    support = _grid_workspace(data, "Contoso Support", "contoso-support", 400)
    _grid_users(data, rng, pools, main, support)
    _main_channels(data, rng, pools, main)
    _support_channels(data, rng, support)
    free.plant(data, rng, pools)
    rollout.plant(data, pools, main)  # the top-down rollout that went quiet (own random stream)
    return data


def _grid_workspace(data: SlackData, name: str, domain: str, day: int) -> Workspace:
    seed = data.org.seed
    ws = Workspace(
        len(data.workspaces),
        slack_id(seed, "T", domain),
        name,
        domain,
        day * ids.DAY,
        True,
        "enterprise",
        data.org.domain,
    )
    return data.add_workspace(ws)


def grid_account(data: SlackData, person: int, main: Workspace) -> int:
    """Create the Grid account of a person (SCIM provisioning) and add them to ``main``."""
    p = data.org.people[person]
    joined = max(p.created, main.created)
    user = SlackUser(
        len(data.users),
        slack_id(data.org.seed, "W", f"person/{person}"),
        main.idx,
        person,
        p.mail.split("@")[0],
        p.display_name,
        p.mail,
        p.job_title,
        joined,
        grid=True,
    )
    data.add_user(user)
    data.grid_user_of[person] = user.idx
    main.members.add(user.idx, joined, person % 997, -1)
    if main.general >= 0:
        data.channels[main.general].members.add(user.idx, joined, person % 997, -1)
    return user.idx


def _grid_users(
    data: SlackData, rng: random.Random, pools: Pools, main: Workspace, support: Workspace
) -> None:
    org = data.org
    people = sorted((p for p in org.people if not p.guest), key=lambda p: (p.created, p.idx))
    for p in people:
        grid_account(data, p.idx, main)
    data.synced_people = len(org.people)
    it_staff = sorted(pools.it_staff) or pools.employees[:1]
    for n, person in enumerate(it_staff):
        user = data.users[data.grid_user_of[person]]
        user.admin = True
        user.owner = user.primary_owner = n == 0
    app = SlackUser(
        len(data.users),
        slack_id(org.seed, "W", "app/govern"),
        main.idx,
        -1,
        "govern",
        "govern",
        None,
        created=main.created,
        grid=True,
        bot=True,
    )
    data.app_users[-1] = data.add_user(app).idx
    for name in ("polly", "jira-cloud"):
        bot = SlackUser(
            len(data.users),
            slack_id(org.seed, "W", f"app/{name}"),
            main.idx,
            -1,
            name,
            name,
            None,
            created=main.created + 90 * ids.DAY,
            grid=True,
            bot=True,
        )
        data.add_user(bot)
    # Partner guests: multi-channel (restricted) and single-channel (ultra-restricted) guests.
    for n, person in enumerate(sorted(rng.sample(pools.guests, len(pools.guests) * 2 // 5))):
        p = org.people[person]
        user = SlackUser(
            len(data.users),
            slack_id(org.seed, "W", f"guest/{person}"),
            main.idx,
            person,
            p.mail.split("@")[0],
            p.display_name,
            p.mail,
            created=p.created,
            grid=True,
            restricted=n % 2 == 0,
            ultra_restricted=n % 2 == 1,
        )
        data.add_user(user)
        main.members.add(user.idx, max(p.created, main.created), random_micro(rng), -1)
    main.members = _sorted(main.members)
    support_depts = {
        d for d, name in enumerate(org.departments) if name in ("IT", "Customer Support")
    }
    for p in people:
        if p.department in support_depts:
            support.members.add(data.grid_user_of[p.idx], max(p.created, support.created), 0, -1)
    for name, domain in EXTERNAL_ORGS:
        data.externals.append(ExternalOrg(slack_id(org.seed, "T", f"ext/{domain}"), name, domain))


def _sorted(members: Membership) -> Membership:
    """The same memberships in join order (generation appends out of order)."""
    rows = sorted(zip(members.joined, members.micro, members.users, members.added_by, strict=True))
    out = Membership()
    for joined, micro, user, by in rows:
        out.add(user, joined, micro, by)
    return out


def _fill(
    data: SlackData, channel: Channel, rng: random.Random, users: list[int], adder: int
) -> None:
    """Members join when the channel is created or later, added by its creator or themselves."""
    rows = [(channel.created, channel.creator, -1)]
    span = max(data.org.now - channel.created, 1)
    for u in users:
        if u == channel.creator:
            continue
        start = max(channel.created, data.users[u].created)
        if rng.random() < 0.6:
            rows.append((start + int(3600 * rng.random()), u, adder))
        else:
            rows.append(
                (start + int(span * rng.random() * 0.9), u, -1 if rng.random() < 0.5 else adder)
            )
    for ts, u, by in sorted(rows):
        channel.members.add(u, ts, random_micro(rng), by)


def _activity(channel: Channel, rng: random.Random, now: int, inactive: float) -> None:
    channel.rate = round(0.3 + 6 * rng.random() ** 2, 2)
    if rng.random() < inactive:
        stop = channel.created + int(
            max(now - 100 * ids.DAY - channel.created, ids.DAY) * rng.random()
        )
        channel.active_until = stop


def _main_channels(data: SlackData, rng: random.Random, pools: Pools, main: Workspace) -> None:
    org = data.org
    guid = data.grid_user_of
    admin = next(u.idx for u in data.users if u.primary_owner)
    general = data.open_channel(
        main,
        "general",
        main.created,
        admin,
        general=True,
        purpose="Company-wide announcements and work-based matters",
    )
    main.general = general.idx
    for i, u in enumerate(main.members.users):
        if not data.users[u].restricted and not data.users[u].ultra_restricted:
            general.members.add(u, main.members.joined[i], main.members.micro[i], -1)
    general.rate = 4.0
    employees = [guid[p] for p in pools.employees]
    random_ch = data.open_channel(main, "random", main.created, admin, purpose="Non-work banter")
    _fill(data, random_ch, rng, sorted(rng.sample(employees, len(employees) * 7 // 10)), -1)
    for d, dept in enumerate(org.departments):
        ch = data.open_channel(main, f"dept-{_slug(dept)}", main.created + ids.DAY, admin)
        _fill(data, ch, rng, [guid[p] for p in pools.by_dept[d]], admin)
        _activity(ch, rng, org.now, 0.2)
    team = org.groups[org.stories["viral-ai-builders"].index]
    creator = guid.get(team.created_by, admin)
    ch = data.open_channel(
        main,
        "ai-builders",
        team.created + 2 * ids.DAY,
        creator,
        purpose="Mirror of the AI Builders team",
    )
    rows = [
        (j + int(ids.DAY * (1 + 2 * rng.random())), p, by)
        for p, j, by in zip(
            team.members.ids, team.members.joined, team.members.added_by, strict=True
        )
        if p in guid
    ]
    for ts, p, by in sorted(r for r in rows if rng.random() < 0.7 and r[1] != team.created_by):
        ch.members.add(guid[p], max(ts, ch.created), random_micro(rng), guid.get(by, -1))
    ch.members = _sorted_with_creator(ch, creator)
    ch.rate = 5.0
    _topic_channels(data, rng, pools, main)


def _sorted_with_creator(ch: Channel, creator: int) -> Membership:
    ch.members.add(creator, ch.created, 0, -1)
    return _sorted(ch.members)


def _topic_channels(data: SlackData, rng: random.Random, pools: Pools, main: Workspace) -> None:
    org = data.org
    guid = data.grid_user_of
    guests = [u.idx for u in data.users if u.restricted or u.ultra_restricted]
    used_single: set[int] = set()
    taken: set[str] = {data.channels[c].name for c in main.channels}
    for _ in range(max(8, len(pools.employees) // 25)):
        r = rng.random()
        if r < 0.4:
            name = f"proj-{CODENAMES[int(rng.random() * len(CODENAMES))]}"
        elif r < 0.7:
            name = f"help-{TOPICS[int(rng.random() * len(TOPICS))]}"
        else:
            name = INTERESTS[int(rng.random() * len(INTERESTS))]
        name = _slug(name)
        n = 2
        while name in taken:
            name, n = f"{name.rsplit('-', 1)[0] if n > 2 else name}-{n}", n + 1
        taken.add(name)
        founder = Pools.pick(rng, pools.employees)
        dept = org.people[founder].department
        created = founder_start = max(org.people[founder].created, main.created)
        created = founder_start + int((org.now - founder_start) * rng.random() * 0.95)
        ch = data.open_channel(main, name, created, guid[founder], private=rng.random() < 0.25)
        size = max(2, min(len(pools.employees), int(rng.lognormvariate(math.log(8), 1.0))))
        own = pools.by_dept[dept]
        chosen = {
            guid[
                (own if rng.random() < 0.75 and own else pools.employees)[
                    int(rng.random() * len(own if own else pools.employees))
                ]
            ]
            for _ in range(size)
        }
        _fill(data, ch, rng, sorted(chosen), guid[founder])
        _activity(ch, rng, org.now, 0.4)
        if rng.random() < 0.15 and ch.created < org.now - 60 * ids.DAY:
            ch.archived_at = ch.active_until = ch.created + (org.now - ch.created) // 2
            ch.archived_by = ch.creator
        if rng.random() < 0.15 and guests:
            g = guests[int(rng.random() * len(guests))]
            if not (data.users[g].ultra_restricted and g in used_single):
                used_single.add(g)
                ch.members.add(
                    g,
                    max(ch.created, data.users[g].created) + ids.DAY,
                    random_micro(rng),
                    ch.creator,
                )
                ch.members = _sorted(ch.members)
        if rng.random() < 0.1 and not ch.private:
            ext = data.externals[int(rng.random() * len(data.externals))]
            ch.shared_with.append(ext.id)
            for k in range(2 + int(rng.random() * 3)):
                stranger = SlackUser(
                    len(data.users),
                    slack_id(org.seed, "U", f"{ext.domain}/{ch.id}/{k}"),
                    -1,
                    -1,
                    f"{ext.domain}-{k}",
                    f"{ext.name} member {k + 1}",
                    None,
                    created=ch.created,
                    external_team=ext.id,
                )
                data.add_user(stranger)
                ch.members.add(stranger.idx, ch.created + ids.DAY, random_micro(rng), ch.creator)
            ch.members = _sorted(ch.members)


def _support_channels(data: SlackData, rng: random.Random, support: Workspace) -> None:
    admin = next(u.idx for u in data.users if u.primary_owner)
    members = support.members.users
    general = data.open_channel(support, "general", support.created, admin, general=True)
    support.general = general.idx
    for i, u in enumerate(members):
        general.members.add(u, support.members.joined[i], 0, -1)
    for name in ("escalations", "kb-drafts"):
        ch = data.open_channel(support, name, support.created + ids.DAY, admin)
        _fill(data, ch, rng, list(members), admin)
        _activity(ch, rng, data.org.now, 0.0)


def sync(data: SlackData) -> None:
    """Give people hired since the last call their Grid account (SCIM does it in real life)."""
    org = data.org
    main = data.workspaces[0]
    for person in range(data.synced_people, len(org.people)):
        if not org.people[person].guest:
            grid_account(data, person, main)
    data.synced_people = len(org.people)
