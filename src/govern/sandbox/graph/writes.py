"""The writes govern applies: member and owner references, group visibility, team archive.

Each answers as Graph does (group-post-members.md, group-delete-owners.md, group-update.md,
team-archive.md): 204 on success; adding an existing reference is Graph's 400 "One or more
added object references already exist for the following modified properties: 'members'.";
removing an absent one is the matching "removed object references do not exist" 400; removing
a group's last owner is refused with "The group must have at least one owner, hence this owner
cannot be removed."; archiving answers 202 with the ``Location`` of a teamsAsyncOperation.
Changes go through the organisation's primitives, so they land in the change log and the next
delta round reports them.
"""

from __future__ import annotations

import uuid
from typing import Any

from govern.sandbox import ids
from govern.sandbox.changelog import Op
from govern.sandbox.entities import ADDED_BY_SYSTEM, GroupKind, Visibility
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.directory import group_index, person_index
from govern.sandbox.graph.errors import GraphError, bad_request

_UPDATABLE = {"visibility", "displayName", "description"}


def _reference(call: Call) -> int:
    body = call.json()
    ref = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(ref, str) or not ref:
        raise bad_request("Invalid object identifier '@odata.id'.")
    return person_index(call, ref.rstrip("/").rsplit("/", 1)[-1])


def _updated(call: Call, group: int) -> None:
    org = call.org
    if org.recording:
        org.log.record(org.now, Op.GROUP_UPDATED, group)
    call.state.writes += 1


def _add(call: Call, rel: str) -> Reply:
    gi = group_index(call, call.params["gid"])
    pi = _reference(call)
    org = call.org
    link = org.link_member if rel == "members" else org.link_owner
    if not link(gi, pi, org.now, ADDED_BY_SYSTEM):
        raise bad_request(
            "One or more added object references already exist for the following modified "
            f"properties: '{rel}'."
        )
    call.state.writes += 1
    return Reply(status=204)


def _remove(call: Call, rel: str) -> Reply:
    gi = group_index(call, call.params["gid"])
    pi = person_index(call, call.params["uid"])
    org = call.org
    group = org.groups[gi]
    if rel == "owners" and pi in group.owners and len(group.owners) == 1:
        raise bad_request("The group must have at least one owner, hence this owner cannot be removed.")
    unlink = org.unlink_member if rel == "members" else org.unlink_owner
    if not unlink(gi, pi):
        raise bad_request(
            "One or more removed object references do not exist for the following modified "
            f"properties: '{rel}'."
        )
    call.state.writes += 1
    return Reply(status=204)


def add_member(call: Call) -> Reply:
    """POST /groups/{id}/members/$ref."""
    return _add(call, "members")


def remove_member(call: Call) -> Reply:
    """DELETE /groups/{id}/members/{memberId}/$ref."""
    return _remove(call, "members")


def add_owner(call: Call) -> Reply:
    """POST /groups/{id}/owners/$ref."""
    return _add(call, "owners")


def remove_owner(call: Call) -> Reply:
    """DELETE /groups/{id}/owners/{ownerId}/$ref."""
    return _remove(call, "owners")


def update_group(call: Call) -> Reply:
    """PATCH /groups/{id}: visibility, displayName, description."""
    gi = group_index(call, call.params["gid"])
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.")
    unknown = set(body) - _UPDATABLE
    if unknown:
        name = sorted(unknown)[0]
        raise bad_request(f"Property '{name}' is read-only and cannot be set.")
    group = call.org.groups[gi]
    if "visibility" in body:
        wanted = {"public": Visibility.PUBLIC, "private": Visibility.PRIVATE}.get(
            str(body["visibility"]).lower()
        )
        if wanted is None or group.kind == GroupKind.SECURITY:
            # HiddenMembership can only be set when a group is created (group-update.md).
            raise bad_request(f"Invalid value specified for property 'visibility' of resource 'Group'.")
        group.visibility = wanted
    if "displayName" in body:
        group.name = str(body["displayName"])
    if "description" in body:
        group.description = str(body["description"] or "")
    _updated(call, gi)
    return Reply(status=204)


def _team(call: Call) -> int:
    org = call.org
    gi = org.group_index(call.params["tid"])
    if gi is None or org.groups[gi].deleted != -1 or org.groups[gi].kind != GroupKind.TEAM:
        raise GraphError(404, "NotFound", f"No team found with Group Id {call.params['tid']}")
    return gi


def _set_archived(call: Call, archived: bool) -> Reply:
    gi = _team(call)
    group = call.org.groups[gi]
    if not len(group.owners):
        # team-archive.md: "the team and group must have an owner".
        raise bad_request("The team has no owner; a team must have an owner to be archived.", "BadRequest")
    group.archived = archived
    _updated(call, gi)
    op = str(uuid.uuid4())
    call.state.operations[op] = call.params["tid"]
    location = f"/teams('{call.params['tid']}')/operations('{op}')"
    return Reply(status=202, content=b"", media_type="text/plain", headers={"Location": location})


def archive_team(call: Call) -> Reply:
    """POST /teams/{id}/archive."""
    return _set_archived(call, True)


def unarchive_team(call: Call) -> Reply:
    """POST /teams/{id}/unarchive."""
    return _set_archived(call, False)


def get_operation(call: Call) -> Reply:
    """GET /teams/{id}/operations/{opId}: archiving completes at once in the sandbox."""
    op = call.params["opid"]
    if call.state.operations.get(op) != call.params["tid"]:
        raise GraphError(404, "NotFound", f"Operation {op} not found.")
    when = ids.iso(call.org.now)
    body: dict[str, Any] = {
        "@odata.context": f"{call.root}/$metadata#teams('{call.params['tid']}')/operations/$entity",
        "id": op,
        "operationType": "archiveTeam",
        "createdDateTime": when,
        "status": "succeeded",
        "lastActionDateTime": when,
        "attemptsCount": 1,
        "targetResourceId": call.params["tid"],
        "targetResourceLocation": f"/groups('{call.params['tid']}')/team",
        "error": None,
    }
    return Reply(body)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/groups/{gid}/members/$ref", add_member, auth.MEMBER_WRITE),
    Endpoint("DELETE", "/groups/{gid}/members/{uid}/$ref", remove_member, auth.MEMBER_WRITE),
    Endpoint("POST", "/groups/{gid}/owners/$ref", add_owner, auth.GROUP_WRITE),
    Endpoint("DELETE", "/groups/{gid}/owners/{uid}/$ref", remove_owner, auth.GROUP_WRITE),
    Endpoint("PATCH", "/groups/{gid}", update_group, auth.GROUP_WRITE),
    Endpoint("POST", "/teams/{tid}/archive", archive_team, auth.TEAM_ARCHIVE, service="teams"),
    Endpoint("POST", "/teams/{tid}/unarchive", unarchive_team, auth.TEAM_ARCHIVE, service="teams"),
    Endpoint("GET", "/teams('{tid}')/operations('{opid}')", get_operation, auth.TEAM_READ, service="teams"),
    Endpoint("GET", "/teams/{tid}/operations/{opid}", get_operation, auth.TEAM_READ, service="teams"),
)  # fmt: skip
