"""Microsoft 365 groups, their owners and members: the first load by listing.

Groups come 999 to a page with their owners expanded (Graph expands at most 20: a group showing
20 has its owners listed), then every group's members through ``$batch`` (20 groups per HTTP
request, requests in parallel). The delta links of the next incremental run are taken first
with ``$deltatoken=latest``, so whatever changes while listing is seen again by that run.
Walking ``groups/delta`` instead, and incremental runs, are in ``group_delta.py``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from govern.model import Role
from govern_m365.batching import Job, run_batched
from govern_m365.mapping import (
    GROUP_SELECT,
    MissingField,
    community_id,
    is_community,
    kind_of,
    member_principal,
)
from govern_m365.people import latest_link
from govern_m365.permissions import Feature
from govern_m365.run import GroupInfo, Run, together
from govern_m365.session import Answer

TOKEN = "groups"
"""Delta link of the membership round: who joined, left, became or stopped being an owner."""
PROPS_TOKEN = "groups-props"
"""Delta link of the properties round: which groups were created, changed or deleted."""
MEMBERSHIP_SELECT = "groupTypes,resourceProvisioningOptions,creationOptions,members,owners"
"""Enough properties to know whether a group is a community and of which kind, plus members and
owners: a membership change then needs no read of the group (delta sends what is selected)."""
DELTA_SELECT = GROUP_SELECT + ",members,owners"
EXPAND_LIMIT = 20
"""Graph expands at most 20 related objects, without a nextLink: 20 owners may mean more."""


def owners_of(objs: list[dict[str, Any]]) -> set[str]:
    """Principal ids of expanded or listed owners."""
    return {member_principal(o) for o in objs}


async def list_groups(run: Run, alongside: Callable[[], Awaitable[None]] | None = None) -> bool:
    """Every group, owner and member (first load by listing), and the delta links.

    False when Graph refuses ``$deltatoken=latest``: nothing was read, walk the delta instead.
    ``alongside`` runs while members are read, once the groups are known: members cost most of
    the run's resource units, so work on other services' budgets waits for none of them.
    """
    link = await latest_link(run, "groups", MEMBERSHIP_SELECT)
    if link is None:
        return False
    props_link = await latest_link(run, "groups", GROUP_SELECT) or link
    s = run.session
    url = f"{s.base}/groups?$select={GROUP_SELECT}&$expand=owners($select=id)&$top=999"
    more_owners: list[str] = []
    async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "list groups"):
        for g in page.get("value", []):
            if not is_community(g):
                continue
            owners = g.pop("owners", None)
            run.groups[str(g["id"])] = GroupInfo(props=g, owners=owners_of(owners or []))
            if owners is None or len(owners) >= EXPAND_LIMIT:
                more_owners.append(str(g["id"]))
    members = read_members(run, list(run.groups), more_owners)
    await (together(members, alongside()) if alongside else members)
    run.sink.delta_token(TOKEN, link)
    run.sink.delta_token(PROPS_TOKEN, props_link)
    return True


async def read_members(run: Run, member_groups: list[str], owner_groups: list[str]) -> None:
    """Members of some groups and all owners of others, batched (groups in ``run.groups``)."""
    base = run.session.base

    def members(gid: str) -> Any:
        cid = community_id(gid, kind_of(run.groups[gid].props))

        def handle(answer: Answer) -> str | None:
            if not answer.ok:
                refused(run, answer, f"members of group {gid}")
                return None
            members: list[str] = []
            guests: list[str] = []
            for m in answer.body.get("value", []):
                guest = str(m.get("userType", "")).lower() == "guest"
                (guests if guest else members).append(member_principal(m))
            # A page at a time: one model object per member would cost more than the request.
            run.sink.grants(cid, Role.MEMBER, members, "members")
            run.sink.grants(cid, Role.GUEST, guests, "members")
            nxt = answer.body.get("@odata.nextLink")
            return str(nxt) if nxt else None

        return handle

    def owners(gid: str) -> Any:
        info = run.groups[gid]
        info.owners.clear()

        def handle(answer: Answer) -> str | None:
            if not answer.ok:
                refused(run, answer, f"owners of group {gid}")
                return None
            info.owners |= owners_of(answer.body.get("value", []))
            nxt = answer.body.get("@odata.nextLink")
            return str(nxt) if nxt else None

        return handle

    jobs = [Job(f"{base}/groups/{g}/owners?$select=id&$top=999", owners(g)) for g in owner_groups]
    jobs += [
        Job(f"{base}/groups/{g}/members?$select=id,userType&$top=999", members(g))
        for g in member_groups
    ]
    await run_batched(run.session, jobs, Feature.GROUPS, "list members and owners")


def refused(run: Run, answer: Answer, what: str) -> None:
    """A refused request inside a batch: a 403 disables the feature, a 404 is a group gone."""
    if answer.status == 403:
        run.forbidden(Feature.GROUPS, answer.error()[1])
    elif answer.status != 404:  # a group deleted while listing is simply gone
        code, message = answer.error()
        raise MissingField(what, str(answer.status), f"{code}: {message}")
