"""Generate the Confluence side: users, groups, global and personal spaces, permissions.

Most employees have a Confluence account under the same email (so govern can match people
across tools); some accounts match nobody (contractors and old aliases, at other domains).
Global spaces give their creator every permission, often co-admins, and either name editors
one by one or give a department group edit rights; many are readable by ``confluence-users``
and a few by anonymous users. Personal spaces (``~username``) usually have one contributor.
"""

from __future__ import annotations

import random

from govern.sandbox import ids
from govern.sandbox.gen_groups import INACTIVE_AFTER, INACTIVE_SHARE, Pools
from govern.sandbox.gen_people import history_ts, lognormal_size
from govern.sandbox.names import CODENAMES, TOPICS
from govern.sandbox.orgdata import OrgData
from govern.sandbox.spaces import (
    ADMIN_SET,
    EDITOR_SET,
    VIEW,
    VIEWER_SET,
    ConfluenceGroup,
    ConfluenceUser,
    Space,
    Subject,
    pack,
)

ACCOUNT_SHARE = 0.75  # employees with a Confluence account
UNMATCHED_SHARE = 0.05  # accounts (per employee) whose email matches no Entra user
ANONYMOUS_EVERY = 40  # one global space in 40 is readable without logging in
OPEN_SHARE = 0.6  # global spaces readable by every Confluence user


def add_account(org: OrgData, person: int, created: int) -> int:
    """A Confluence account for an Entra user, username = the mail's local part."""
    p = org.people[person]
    username = p.mail.split("@")[0]
    user = ConfluenceUser(
        len(org.confluence_users), username, p.display_name, p.mail, person, created
    )
    org.add_confluence_user(user)
    return user.idx


def generate_confluence(org: OrgData, rng: random.Random) -> list[int]:
    """Users, groups and spaces. Returns the Confluence user index of every person (-1: none)."""
    pools = Pools(org)
    account_of = [-1] * len(org.people)
    for p in org.people:
        if not p.guest and rng.random() < ACCOUNT_SHARE:
            account_of[p.idx] = add_account(org, p.idx, p.created + int(ids.DAY * rng.random()))
            if p.deleted != -1:
                org.confluence_users[account_of[p.idx]].active = False
    for i in range(int(org.size.people * UNMATCHED_SHARE)):
        # Contractors and leftovers from an old domain: no Entra user has these emails.
        domain = "contractors.contoso-partners.com" if i % 2 else "legacy.contoso.net"
        username = f"ext{i:05d}"
        user = ConfluenceUser(
            len(org.confluence_users), username, f"External User {i}", f"{username}@{domain}",
            -1, history_ts(rng),
        )  # fmt: skip
        org.add_confluence_user(user)
    everyone = ConfluenceGroup(len(org.confluence_groups), "confluence-users")
    everyone.members.extend(u.idx for u in org.confluence_users if u.active)
    org.confluence_groups.append(everyone)
    org.directory.confluence_users = everyone.idx
    admins = ConfluenceGroup(len(org.confluence_groups), "confluence-administrators")
    admins.members.extend(account_of[p] for p in pools.it_staff[:5] if account_of[p] >= 0)
    org.confluence_groups.append(admins)
    org.directory.confluence_admins = admins.idx
    for d, name in enumerate(org.departments):
        group = ConfluenceGroup(
            len(org.confluence_groups), "dept-" + name.lower().replace(" & ", "-").replace(" ", "-")
        )
        group.members.extend(account_of[p] for p in pools.by_dept[d] if account_of[p] >= 0)
        org.confluence_groups.append(group)
        org.directory.department_groups.append(group.idx)
    with_account = [p for p in pools.employees if account_of[p] >= 0]
    leavers = [p for p in pools.leavers if account_of[p] >= 0]
    for i in range(org.size.global_spaces):
        anonymous = i % ANONYMOUS_EVERY == ANONYMOUS_EVERY // 2
        global_space(org, rng, account_of, with_account, leavers, anonymous)
    owners = rng.sample(with_account, min(org.size.personal_spaces, len(with_account)))
    for owner in sorted(owners):
        personal_space(org, rng, account_of[owner])
    return account_of


def _space_key(name: str, org: OrgData) -> str:
    letters = "".join(w[0] for w in name.split() if w[0].isalpha()).upper()[:4] or "SP"
    key, n = letters, 1
    while org.space_index(key) is not None:
        n += 1
        key = f"{letters}{n}"
    return key


def _content(space: Space, rng: random.Random, now: int) -> None:
    space.pages = 1 + int(rng.lognormvariate(2.5, 1.2))
    space.blogposts = int(space.pages * 0.1 * rng.random())
    space.edits = space.pages * (1 + int(4 * rng.random()))
    if rng.random() < INACTIVE_SHARE:
        latest = max(space.created, now - INACTIVE_AFTER - ids.DAY)
        space.last_modified = space.created + int((latest - space.created) * rng.random())
    else:
        space.last_modified, space.alive = now - int(ids.DAY * 7 * rng.random()), True


def global_space(
    org: OrgData,
    rng: random.Random,
    account_of: list[int],
    pool: list[int],
    leavers: list[int],
    anonymous: bool = False,
) -> Space:
    """A team or project space with its permission scheme and contributors."""
    # ~6% were created by someone who has left: only the site admins group can manage them.
    ownerless = bool(leavers) and rng.random() < 0.06
    person = Pools.pick(rng, leavers if ownerless else pool)
    creator = account_of[person]
    dept = org.people[person].department
    topic = TOPICS[int(rng.random() * len(TOPICS))]
    name = (
        f"{org.departments[dept]} {topic}"
        if rng.random() < 0.6
        else f"{CODENAMES[int(rng.random() * len(CODENAMES))]} {topic}"
    )
    created = max(history_ts(rng, 30), org.confluence_users[creator].created)
    space = org.add_space(
        Space(len(org.spaces), _space_key(name, org), name, False, creator, created)
    )
    space.description = f"Space of {name}"
    perms = space.perms
    perms.extend(pack(code, Subject.USER, creator) for code in ADMIN_SET)
    perms.extend(pack(code, Subject.GROUP, org.directory.confluence_admins) for code in ADMIN_SET)
    if not ownerless and rng.random() < 0.5:
        co = account_of[Pools.pick(rng, pool)]
        if co != creator:
            perms.extend(pack(code, Subject.USER, co) for code in ADMIN_SET)
    contributors = lognormal_size(rng, 8, 1.0, 300)
    if rng.random() < 0.5:
        dept_group = org.directory.department_groups[dept]
        perms.extend(pack(code, Subject.GROUP, dept_group) for code in EDITOR_SET)
        people = org.confluence_groups[dept_group].members
        for _ in range(contributors):
            if people:
                u = people[int(rng.random() * len(people))]
                if u not in space.contributors:
                    space.contributors.append(u)
    else:
        for _ in range(contributors):
            u = account_of[Pools.pick(rng, pool)]
            if not space.has(VIEW, Subject.USER, u):
                perms.extend(pack(code, Subject.USER, u) for code in EDITOR_SET)
                space.contributors.append(u)
    if rng.random() < OPEN_SHARE or anonymous:
        perms.extend(
            pack(code, Subject.GROUP, org.directory.confluence_users) for code in VIEWER_SET
        )
    if anonymous:
        perms.append(pack(VIEW, Subject.ANONYMOUS, 0))
    _content(space, rng, org.now)
    if ownerless:
        space.alive, space.last_modified = False, min(space.last_modified, org.now - INACTIVE_AFTER)
    return space


def personal_space(org: OrgData, rng: random.Random, user: int) -> Space:
    """``~username``: the owner has every permission; half are readable by everyone."""
    owner = org.confluence_users[user]
    created = max(history_ts(rng, 30), owner.created)
    space = org.add_space(
        Space(len(org.spaces), f"~{owner.username}", owner.name, True, user, created)
    )
    space.perms.extend(pack(code, Subject.USER, user) for code in ADMIN_SET)
    if rng.random() < 0.5:
        everyone = org.directory.confluence_users
        space.perms.extend(pack(code, Subject.GROUP, everyone) for code in VIEWER_SET)
    _content(space, rng, org.now)
    space.pages = max(1, space.pages // 4)
    space.edits = max(space.pages, space.edits // 4)
    return space
