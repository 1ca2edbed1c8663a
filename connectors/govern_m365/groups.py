"""Microsoft 365 groups, their owners and members: first loads and incremental runs.

First load, ``listing`` (default): groups 999 per page with their owners expanded, then every
group's members through ``$batch`` (20 groups per HTTP request, requests in parallel), after a
delta link was taken with ``$deltatoken=latest``. First load, ``delta``: one sequential walk of
``groups/delta`` with members and owners. Incremental: ``groups/delta`` from the last delta link;
the member and owner slices of one group, spread over several pages, are merged before use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.model import Role
from govern_m365.batching import Job, run_batched
from govern_m365.mapping import (
    GROUP_SELECT,
    MissingField,
    community_id,
    grant,
    is_community,
    member_principal,
    member_role,
    user_id,
)
from govern_m365.people import classify_unknown, latest_link, raise_missing
from govern_m365.permissions import Feature
from govern_m365.run import GroupInfo, Run
from govern_m365.session import Answer

TOKEN = "groups"
DELTA_SELECT = GROUP_SELECT + ",members,owners"
KINDS = ("team", "group", "engage")
EXPAND_LIMIT = 20
"""Graph expands at most 20 related objects; a group with 20 owners may have more."""


def _owners_of(objs: list[dict[str, Any]]) -> set[str]:
    return {member_principal(o) for o in objs}


async def list_groups(run: Run) -> None:
    """Every group, owner and member (first load by listing), and a delta link."""
    link = await latest_link(run, "groups", DELTA_SELECT)
    if link is None:
        await group_changes(run, None)
        return
    s = run.session
    url = f"{s.base}/groups?$select={GROUP_SELECT}&$expand=owners($select=id)&$top=999"
    more_owners: list[str] = []
    async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "list groups"):
        for g in page.get("value", []):
            if not is_community(g):
                continue
            owners = g.pop("owners", None)
            info = GroupInfo(props=g, owners=_owners_of(owners or []))
            run.groups[str(g["id"])] = info
            # Not expanded (a server that ignores $expand) or perhaps cut at 20: list them.
            if owners is None or len(owners) >= EXPAND_LIMIT:
                more_owners.append(str(g["id"]))
    await _read_members(run, list(run.groups), more_owners)
    run.sink.delta_token(TOKEN, link)


async def _read_members(run: Run, member_groups: list[str], owner_groups: list[str]) -> None:
    base = run.session.base

    def members(gid: str) -> Any:
        cid = community_id(gid, _kind(run.groups[gid].props))

        def handle(answer: Answer) -> str | None:
            if not answer.ok:
                _refused(run, answer, f"members of group {gid}")
                return None
            for m in answer.body.get("value", []):
                pid = member_principal(m)
                guest = str(m.get("userType", "")).lower() == "guest"
                role = Role.GUEST if guest else Role.MEMBER
                run.sink.grant(grant(cid, pid, role))
            nxt = answer.body.get("@odata.nextLink")
            return str(nxt) if nxt else None

        return handle

    def owners(gid: str) -> Any:
        info = run.groups[gid]
        info.owners.clear()

        def handle(answer: Answer) -> str | None:
            if not answer.ok:
                _refused(run, answer, f"owners of group {gid}")
                return None
            info.owners |= _owners_of(answer.body.get("value", []))
            nxt = answer.body.get("@odata.nextLink")
            return str(nxt) if nxt else None

        return handle

    jobs = [Job(f"{base}/groups/{g}/owners?$select=id&$top=999", owners(g)) for g in owner_groups]
    jobs += [
        Job(f"{base}/groups/{g}/members?$select=id,userType&$top=999", members(g))
        for g in member_groups
    ]
    await run_batched(run.session, jobs, Feature.GROUPS, "list members and owners")


def _refused(run: Run, answer: Answer, what: str) -> None:
    if answer.status == 403:
        run.forbidden(Feature.GROUPS, answer.error()[1])
    elif answer.status != 404:  # a group deleted while listing is simply gone
        code, message = answer.error()
        raise MissingField(what, str(answer.status), f"{code}: {message}")


def _kind(props: dict[str, Any]) -> str:
    from govern_m365.mapping import kind_of

    return kind_of(props)


@dataclass
class _Slices:
    """One group's changes merged across delta pages."""

    props: dict[str, Any] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)
    """Principal id -> native id of members added."""
    removed: set[str] = field(default_factory=set)
    owners_added: set[str] = field(default_factory=set)
    owners_removed: set[str] = field(default_factory=set)


async def group_changes(run: Run, link: str | None) -> None:
    """Walk ``groups/delta``: from a delta link (incremental) or from scratch (first load)."""
    s = run.session
    url = link or f"{s.base}/groups/delta?$select={DELTA_SELECT}"
    slices: dict[str, _Slices] = {}
    last: dict[str, Any] = {}
    async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "groups/delta"):
        last = page
        for g in page.get("value", []):
            gid = str(g["id"])
            if "@removed" in g:
                slices.pop(gid, None)
                run.groups.pop(gid, None)
                if not run.full:
                    for kind in KINDS:
                        run.sink.remove_community(community_id(gid, kind))
                continue
            sl = slices.setdefault(gid, _Slices())
            for entry in g.get("members@delta", []):
                pid = member_principal(entry)
                if "@removed" in entry:
                    sl.removed.add(pid)
                    sl.added.pop(pid, None)
                else:
                    sl.added[pid] = str(entry["id"])
                    sl.removed.discard(pid)
            for entry in g.get("owners@delta", []):
                pid = member_principal(entry)
                (sl.owners_removed if "@removed" in entry else sl.owners_added).add(pid)
            sl.props.update({k: v for k, v in g.items() if "@" not in k})
    if not last.get("@odata.deltaLink"):
        raise_missing("groups")
    await _settle(run, slices)
    run.sink.delta_token(TOKEN, str(last["@odata.deltaLink"]))


async def _settle(run: Run, slices: dict[str, _Slices]) -> None:
    """Complete partial groups, learn new members' user type, then write grants."""
    wanted = set(GROUP_SELECT.split(","))
    partial = [gid for gid, sl in slices.items() if not wanted <= sl.props.keys()]
    if run.full:
        if partial:
            raise MissingField(
                "group", partial[0], sorted(wanted - slices[partial[0]].props.keys())[0]
            )
    else:
        await _reread_groups(run, slices, partial)
    whole: list[str] = []
    for gid, sl in slices.items():
        if gid in run.groups:
            continue
        if is_community(sl.props):
            owners = (sl.owners_added - sl.owners_removed) if run.full else set()
            run.groups[gid] = GroupInfo(props=sl.props, owners=owners)
            whole.append(gid)
    if not run.full:
        # Delta sent these groups whole, but only the owners that changed: the origin rules
        # need them all (one request each, 20 to a $batch).
        await _read_members(run, [], whole)
    if not run.full:
        new = {n for gid, sl in slices.items() if gid in run.groups for n in sl.added.values()}
        await classify_unknown(run, new)
    for gid, sl in slices.items():
        info = run.groups.get(gid)
        if info is None:
            continue
        cid = community_id(gid, _kind(info.props))
        for pid, native in sl.added.items():
            role = member_role(native, run.guests) if pid == user_id(native) else Role.MEMBER
            run.sink.grant(grant(cid, pid, role))
        for pid in sl.removed:
            run.sink.remove_grant(cid, pid, Role.MEMBER.value)
            run.sink.remove_grant(cid, pid, Role.GUEST.value)
        for pid in sl.owners_removed - info.owners:
            run.sink.remove_grant(cid, pid, Role.OWNER.value)


async def _reread_groups(run: Run, slices: dict[str, _Slices], gids: list[str]) -> None:
    """Read changed groups whole, with their owners (delta sends only what changed)."""
    base = run.session.base
    unexpanded: list[str] = []

    def reread(gid: str) -> Any:
        def handle(answer: Answer) -> str | None:
            if answer.status == 404:
                slices.pop(gid, None)  # deleted since the delta page was written
                return None
            if not answer.ok:
                _refused(run, answer, f"group {gid}")
                return None
            props = dict(answer.body)
            owners = props.pop("owners", None)
            slices[gid].props = props
            if is_community(props):
                run.groups[gid] = GroupInfo(props=props, owners=_owners_of(owners or []))
                if owners is None or len(owners) >= EXPAND_LIMIT:
                    unexpanded.append(gid)
            return None

        return handle

    url = f"{base}/groups/{{}}?$select={GROUP_SELECT}&$expand=owners($select=id)"
    # A delta entry may carry only members (Graph sends what changed): its kind, which decides
    # the community id, and its owners, which decide its origin, are read here.
    jobs = [Job(url.format(gid), reread(gid)) for gid in gids]
    await run_batched(run.session, jobs, Feature.GROUPS, "read changed groups")
    await _read_members(run, [], unexpanded)
