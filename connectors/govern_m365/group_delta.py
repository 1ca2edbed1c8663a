"""Groups through ``groups/delta``: a first load by one walk, and incremental runs.

Incremental runs follow two delta links, because Graph reports a group in a round only when
something the round selected changed (concepts/delta-query-overview.md):

- the membership round (``groupTypes``, kind properties, ``members``, ``owners``) lists the
  groups whose members or owners changed, with ``members@delta`` / ``owners@delta`` and enough
  properties to address their grants;
- the properties round (``GROUP_SELECT``) lists the groups created, changed or deleted.

Most of a day's changes are joins and leaves: those groups only get their grants updated, no
read of the group. Only groups whose properties or owners changed are written again as
communities, and their origin needs every owner, so those (usually few) are read whole with
their owners expanded. The membership round runs first: a group created between the two rounds
is then written now and its members come with the next run, never grants without a community.
The member and owner slices of one group, spread over several pages, are merged before use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govern.model import Role
from govern_m365 import origin_groups
from govern_m365.batching import Job, run_batched
from govern_m365.groups import (
    DELTA_SELECT,
    EXPAND_LIMIT,
    PROPS_TOKEN,
    TOKEN,
    owners_of,
    read_members,
    refused,
)
from govern_m365.mapping import (
    GROUP_SELECT,
    MissingField,
    community_id,
    grant,
    is_community,
    kind_of,
    member_principal,
    member_role,
    user_id,
)
from govern_m365.people import classify_unknown, latest_link, raise_missing
from govern_m365.permissions import Feature
from govern_m365.run import GroupInfo, Run
from govern_m365.session import Answer

KINDS = ("team", "group", "engage")
_KIND_PROPS = ("groupTypes", "resourceProvisioningOptions", "creationOptions")


@dataclass
class _Slices:
    """One group's changes merged across delta pages."""

    props: dict[str, Any] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)
    """Principal id -> native id of members added."""
    removed: set[str] = field(default_factory=set)
    owners_added: set[str] = field(default_factory=set)
    owners_removed: set[str] = field(default_factory=set)

    @property
    def owners_changed(self) -> bool:
        """Whether the round reported any owner added or removed."""
        return bool(self.owners_added or self.owners_removed)


async def _round(run: Run, url: str, slices: dict[str, _Slices], removed: set[str]) -> str:
    """Walk one delta round into ``slices``; its deltaLink."""
    s = run.session
    last: dict[str, Any] = {}
    async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "groups/delta"):
        last = page
        for g in page.get("value", []):
            gid = str(g["id"])
            if "@removed" in g:
                removed.add(gid)
                slices.pop(gid, None)
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
    link = last.get("@odata.deltaLink")
    if not link:
        raise_missing("groups")
    return str(link)


async def walk(run: Run) -> None:
    """First load: one sequential walk of ``groups/delta`` with members and owners."""
    slices: dict[str, _Slices] = {}
    url = f"{run.session.base}/groups/delta?$select={DELTA_SELECT}"
    link = await _round(run, url, slices, set())
    wanted = set(GROUP_SELECT.split(","))
    for gid, sl in slices.items():
        if not wanted <= sl.props.keys():
            raise MissingField("group", gid, sorted(wanted - sl.props.keys())[0])
        if is_community(sl.props):
            # A first round sends every owner as added.
            run.groups[gid] = GroupInfo(props=sl.props, owners=sl.owners_added - sl.owners_removed)
    _write_grants(run, slices, {gid: kind_of(i.props) for gid, i in run.groups.items()})
    # The walk's own link selects every property, so it serves as both rounds' link when
    # Graph will not give a properties-only one: more groups read again, none missed.
    props_link = await latest_link(run, "groups", GROUP_SELECT) or link
    run.sink.delta_token(TOKEN, link)
    run.sink.delta_token(PROPS_TOKEN, props_link)


async def changes(run: Run, tokens: Mapping[str, str]) -> None:
    """Incremental run: apply what changed since the last run's two delta links."""
    membership: dict[str, _Slices] = {}
    changed: dict[str, _Slices] = {}
    removed: set[str] = set()
    link = await _round(run, tokens[TOKEN], membership, removed)
    props_link = await _round(run, tokens[PROPS_TOKEN], changed, removed)
    run.removed |= removed
    origin_groups.apply(run, membership, removed)
    for gid in removed:
        membership.pop(gid, None)
        changed.pop(gid, None)
        for kind in KINDS:
            run.sink.remove_community(community_id(gid, kind))

    # Written again as communities: groups whose properties or owners changed, and any group
    # whose kind the membership round did not show. Security groups are left out unread.
    reread = {gid for gid, sl in changed.items() if _maybe_community(sl.props)}
    for gid, sl in membership.items():
        if not _maybe_community(sl.props):
            continue
        if sl.owners_changed or not all(k in sl.props for k in _KIND_PROPS):
            reread.add(gid)
    await _reread_groups(run, sorted(reread))

    kinds = {gid: kind_of(info.props) for gid, info in run.groups.items()}
    for gid, sl in membership.items():
        if gid not in kinds and gid not in reread and is_community(sl.props):
            kinds[gid] = kind_of(sl.props)
    new = {n for gid, sl in membership.items() if gid in kinds for n in sl.added.values()}
    await classify_unknown(run, new)
    _write_grants(run, membership, kinds)
    run.sink.delta_token(TOKEN, link)
    run.sink.delta_token(PROPS_TOKEN, props_link)


def _maybe_community(props: Mapping[str, Any]) -> bool:
    """False only when the properties show a group that is not a Microsoft 365 group."""
    return "groupTypes" not in props or is_community(props)


def _write_grants(run: Run, slices: dict[str, _Slices], kinds: Mapping[str, str]) -> None:
    """Members added and removed, and owners removed (current owners come with communities)."""
    for gid, sl in slices.items():
        kind = kinds.get(gid)
        if kind is None:
            continue
        cid = community_id(gid, kind)
        for pid, native in sl.added.items():
            role = member_role(native, run.guests) if pid == user_id(native) else Role.MEMBER
            run.sink.grant(grant(cid, pid, role))
        for pid in sl.removed:
            run.sink.remove_grant(cid, pid, Role.MEMBER.value)
            run.sink.remove_grant(cid, pid, Role.GUEST.value)
        info = run.groups.get(gid)
        for pid in sl.owners_removed - (info.owners if info else set()):
            run.sink.remove_grant(cid, pid, Role.OWNER.value)


async def reread(run: Run, gids: list[str]) -> None:
    """Read these groups whole to write them again (see :func:`_reread_groups`)."""
    await _reread_groups(run, gids)


async def _reread_groups(run: Run, gids: list[str]) -> None:
    """Read changed groups whole, with their owners (delta sends only the owners that changed)."""
    unexpanded: list[str] = []

    def reread(gid: str) -> Any:
        def handle(answer: Answer) -> str | None:
            if answer.status == 404:
                return None  # deleted since the delta page was written: the next run says so
            if not answer.ok:
                refused(run, answer, f"group {gid}")
                return None
            props = dict(answer.body)
            owners = props.pop("owners", None)
            props.pop("@odata.context", None)
            if is_community(props):
                run.groups[gid] = GroupInfo(props=props, owners=owners_of(owners or []))
                if owners is None or len(owners) >= EXPAND_LIMIT:
                    unexpanded.append(gid)
            return None

        return handle

    url = f"{run.session.base}/groups/{{}}?$select={GROUP_SELECT}&$expand=owners($select=id)"
    jobs = [Job(url.format(gid), reread(gid)) for gid in gids]
    await run_batched(run.session, jobs, Feature.GROUPS, "read changed groups")
    await read_members(run, [], unexpanded)
