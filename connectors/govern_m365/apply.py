"""Changes made through the SDK: members and owners, visibility, archiving a team.

Every change is idempotent (adding an existing member is success, removing an absent one too),
never removes a group's last owner, and a refusal carries Graph's message and what to do.
"""

from __future__ import annotations

import json
from typing import Any

from govern.connector import ApplyResult
from govern.errors import ConnectorError
from govern.model import Change, ChangeAction, Role, Visibility, split_id
from govern_m365.permissions import NEEDS, Feature
from govern_m365.session import GraphFailure, Session
from govern_m365.settings import M365Settings

_GROUP_KINDS = frozenset({"team", "group", "engage"})
_VISIBILITY = {Visibility.PUBLIC: "Public", Visibility.PRIVATE: "Private"}


async def apply_change(settings: M365Settings, change: Change) -> ApplyResult:
    """Make one change; the result says what was done or why not."""
    why = refusal(change)
    if why is not None:
        return ApplyResult(False, why)
    _connector, kind, gid = split_id(change.community_id)
    async with Session(settings) as session:
        try:
            return await _apply(session, change, kind, gid)
        except GraphFailure as exc:
            return ApplyResult(False, str(exc))
        except ConnectorError as exc:
            return ApplyResult(False, str(exc))


def refusal(change: Change) -> str | None:
    """Why this connector cannot make ``change`` at all (before any request), or None."""
    connector, kind, _gid = split_id(change.community_id)
    if connector != "m365" or kind not in _GROUP_KINDS:
        return f"{change.community_id}: only Microsoft 365 groups can change"
    if change.action is ChangeAction.ARCHIVE and kind != "team":
        return f"{change.community_id}: only a team can be archived"
    return None


async def _apply(session: Session, change: Change, kind: str, gid: str) -> ApplyResult:
    action = change.action
    if action in (ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT):
        if not change.principal_id or change.role is None:
            return ApplyResult(
                False, f"change {change.id}: a grant change needs principal and role"
            )
        _, _, uid = split_id(change.principal_id)
        owner = change.role is Role.OWNER
        if action is ChangeAction.ADD_GRANT:
            return await _add(session, gid, uid, owner)
        return await _remove(session, gid, uid, owner)
    if action is ChangeAction.SET_VISIBILITY:
        return await _visibility(session, gid, change.value)
    if action is ChangeAction.ARCHIVE:
        return await _archive(session, gid)
    return ApplyResult(False, f"the m365 connector cannot {action.value}")


def _relation(session: Session, gid: str, owner: bool) -> Any:
    group = session.client.groups.by_group_id(gid)
    return group.owners if owner else group.members


async def _ids(session: Session, gid: str, owner: bool) -> set[str]:
    rel = "owners" if owner else "members"
    url = f"{session.base}/groups/{gid}/{rel}?$select=id&$top=999"
    found: set[str] = set()
    feature = Feature.GROUP_WRITE
    async for page in session.pages(session.request_for_url(url), feature, f"read {rel}"):
        found.update(str(o["id"]) for o in page.get("value", []))
    return found


async def _add(session: Session, gid: str, uid: str, owner: bool) -> ApplyResult:
    from msgraph.generated.models.reference_create import ReferenceCreate

    rel = "owner" if owner else "member"
    feature = Feature.GROUP_WRITE if owner else Feature.MEMBERS_WRITE
    before = await _ids(session, gid, owner)
    if uid in before:
        return ApplyResult(True, f"already a {rel}", {rel: True}, {rel: True})
    body = ReferenceCreate(odata_id=f"{session.base}/directoryObjects/{uid}")
    info = _relation(session, gid, owner).ref.to_post_request_information(body)
    try:
        await session.send(info, feature, f"add {rel} {uid} to group {gid}")
    except GraphFailure as exc:
        # Graph answers 400 when the reference exists (added meanwhile): the goal is met.
        if exc.status == 400 and "already exist" in exc.graph_message:
            return ApplyResult(True, f"already a {rel}", {rel: False}, {rel: True})
        raise _explained(exc, feature) from None
    return ApplyResult(True, f"added as {rel}", {rel: False}, {rel: True})


async def _remove(session: Session, gid: str, uid: str, owner: bool) -> ApplyResult:
    rel = "owner" if owner else "member"
    feature = Feature.GROUP_WRITE if owner else Feature.MEMBERS_WRITE
    before = await _ids(session, gid, owner)
    if uid not in before:
        return ApplyResult(True, f"not a {rel}", {rel: False}, {rel: False})
    if owner and before == {uid}:
        return ApplyResult(
            False,
            f"group {gid}: {uid} is its last owner; add another owner first "
            f"(a group must never be left without an owner)",
            {rel: True},
            {rel: True},
        )
    group = session.client.groups.by_group_id(gid)
    item = (group.owners if owner else group.members).by_directory_object_id(uid)
    info = item.ref.to_delete_request_information()
    try:
        await session.send(info, feature, f"remove {rel} {uid} from group {gid}")
    except GraphFailure as exc:
        if exc.status == 404:
            return ApplyResult(True, f"not a {rel}", {rel: True}, {rel: False})
        raise _explained(exc, feature) from None
    return ApplyResult(True, f"removed as {rel}", {rel: True}, {rel: False})


async def _visibility(session: Session, gid: str, value: str | None) -> ApplyResult:
    try:
        target = _VISIBILITY[Visibility(str(value))]
    except (KeyError, ValueError):
        return ApplyResult(
            False,
            f"visibility {value!r}: Graph can set public or private (hidden only at creation)",
        )
    url = f"{session.base}/groups/{gid}?$select=visibility"
    now = await session.json(session.request_for_url(url), Feature.GROUP_WRITE, "read group")
    before = {"visibility": now.get("visibility")}
    if str(now.get("visibility", "")).lower() == target.lower():
        return ApplyResult(True, f"already {target}", before, before)
    info = session.request_for_url(f"{session.base}/groups/{gid}", "PATCH")
    info.headers.try_add("Content-Type", "application/json")
    info.content = json.dumps({"visibility": target}).encode()
    try:
        await session.send(info, Feature.GROUP_WRITE, f"set visibility of group {gid}")
    except GraphFailure as exc:
        raise _explained(exc, Feature.GROUP_WRITE) from None
    return ApplyResult(True, f"visibility set to {target}", before, {"visibility": target})


async def _archive(session: Session, gid: str) -> ApplyResult:
    await session.teams.wait(gid)
    url = f"{session.base}/groups/{gid}?$select=isArchived"
    now = await session.json(session.request_for_url(url), Feature.GROUP_WRITE, "read group")
    if now.get("isArchived"):
        return ApplyResult(True, "already archived", {"archived": True}, {"archived": True})
    from msgraph.generated.teams.item.archive.archive_post_request_body import (
        ArchivePostRequestBody,
    )

    archive = session.client.teams.by_team_id(gid).archive
    info = archive.to_post_request_information(ArchivePostRequestBody())
    try:
        await session.send(info, Feature.TEAM_ARCHIVE, f"archive team {gid}")
    except GraphFailure as exc:
        raise _explained(exc, Feature.TEAM_ARCHIVE) from None
    return ApplyResult(True, "archiving requested", {"archived": False}, {"archived": True})


def _explained(exc: GraphFailure, feature: Feature) -> GraphFailure:
    if exc.status == 403:
        need = NEEDS[feature]
        return GraphFailure(403, exc.code, exc.graph_message, str(exc).split(":")[0],
                            f"grant {need.permission} for {need.loses}")  # fmt: skip
    return exc
