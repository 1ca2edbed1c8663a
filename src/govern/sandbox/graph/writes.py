"""The writes govern applies: member and owner references, group visibility, team archive.

Each answers as Graph does (group-post-members.md, group-delete-owners.md, group-update.md,
team-archive.md): 204 on success; adding an existing reference is Graph's 400 "One or more
added object references already exist for the following modified properties: 'members'.";
removing an absent one is the matching "removed object references do not exist" 400; removing
a group's last owner is refused with "The group must have at least one owner, hence this owner
cannot be removed."; archiving answers 202 with the ``Location`` of a teamsAsyncOperation.
Changes go through the organisation's write methods (``govern.sandbox.writes``), so they land in
the change log (the next delta round reports them) and in the state directory's journal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from govern.sandbox import ids
from govern.sandbox.entities import GroupKind
from govern.sandbox.errors import NotFound, WriteRefused
from govern.sandbox.graph import auth, teams_migration
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.directory import group_index, person_index
from govern.sandbox.graph.errors import GraphError, bad_request


def _reference(call: Call) -> int:
    body = call.json()
    ref = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(ref, str) or not ref:
        raise bad_request("Invalid object identifier '@odata.id'.")
    return person_index(call, ref.rstrip("/").rsplit("/", 1)[-1])


def _apply(call: Call, rel: str, write: Callable[[], None]) -> Reply:
    """Run one organisation write; its refusal becomes Graph's error for that rule."""
    try:
        write()
    except NotFound:
        raise bad_request(
            "One or more removed object references do not exist for the following modified "
            f"properties: '{rel}'."
        ) from None
    except WriteRefused as refused:
        if refused.code == "already_exists":
            raise bad_request(
                "One or more added object references already exist for the following modified "
                f"properties: '{rel}'."
            ) from None
        if refused.code == "last_owner":
            raise bad_request(
                "The group must have at least one owner, hence this owner cannot be removed."
            ) from None
        if refused.code in ("hidden_membership", "invalid_value"):
            raise bad_request(
                "Invalid value specified for property 'visibility' of resource 'Group'."
            ) from None
        raise bad_request(str(refused)) from None
    call.state.writes += 1
    return Reply(status=204)


def add_member(call: Call) -> Reply:
    """POST /groups/{id}/members/$ref."""
    gi, pi = group_index(call, call.params["gid"]), _reference(call)
    teams_migration.refuse_members_while_migrating(call, gi)
    return _apply(call, "members", lambda: call.org.add_member(gi, pi))


def remove_member(call: Call) -> Reply:
    """DELETE /groups/{id}/members/{memberId}/$ref."""
    gi, pi = group_index(call, call.params["gid"]), person_index(call, call.params["uid"])
    return _apply(call, "members", lambda: call.org.remove_member(gi, pi))


def add_owner(call: Call) -> Reply:
    """POST /groups/{id}/owners/$ref."""
    gi, pi = group_index(call, call.params["gid"]), _reference(call)
    teams_migration.refuse_members_while_migrating(call, gi)
    return _apply(call, "owners", lambda: call.org.add_owner(gi, pi))


def remove_owner(call: Call) -> Reply:
    """DELETE /groups/{id}/owners/{ownerId}/$ref (never the last owner)."""
    gi, pi = group_index(call, call.params["gid"]), person_index(call, call.params["uid"])
    return _apply(call, "owners", lambda: call.org.remove_owner(gi, pi))


def update_group(call: Call) -> Reply:
    """PATCH /groups/{id}: the sandbox applies ``visibility`` (what govern changes)."""
    gi = group_index(call, call.params["gid"])
    body = call.json()
    if not isinstance(body, dict) or not body:
        raise bad_request("Empty Payload. JSON content expected.")
    # The SDK adds "@odata.type" to the body; annotations are not properties.
    other = sorted(k for k in body if k != "visibility" and not k.startswith("@"))
    if other:
        raise bad_request(f"The sandbox does not apply property '{other[0]}' of a group update.")
    return _apply(call, "visibility", lambda: call.org.set_visibility(gi, str(body["visibility"])))


def _team(call: Call) -> int:
    org = call.org
    gi = org.group_index(call.params["tid"])
    if gi is None or org.groups[gi].deleted != -1 or org.groups[gi].kind != GroupKind.TEAM:
        raise GraphError(404, "NotFound", f"No team found with Group Id {call.params['tid']}")
    return gi


def _set_archived(call: Call, archived: bool) -> Reply:
    gi = _team(call)
    if not len(call.org.groups[gi].owners):
        # team-archive.md: "the team and group must have an owner".
        raise bad_request("A team must have an owner to be archived.", "BadRequest")
    _apply(call, "isArchived", lambda: call.org.archive_team(gi, archived))
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
    Endpoint(
        "GET",
        "/teams('{tid}')/operations('{opid}')",
        get_operation,
        auth.TEAM_READ,
        service="teams",
    ),
    Endpoint(
        "GET", "/teams/{tid}/operations/{opid}", get_operation, auth.TEAM_READ, service="teams"
    ),
)
