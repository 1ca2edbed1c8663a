"""Members added to an imported team in bulk, once its migration is complete."""

from __future__ import annotations

import re
from typing import Any

from govern.sandbox.entities import GroupKind
from govern.sandbox.errors import WriteRefused
from govern.sandbox.graph.core import Call, Reply
from govern.sandbox.graph.directory import group_index, person_index
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.migration_state import refuse_members_while_migrating

_BIND = re.compile(r"users\('([^']+)'\)")


def add_members(call: Call) -> Reply:
    """POST /teams/{id}/members/add (bulk)."""
    gid = call.params["tid"]
    gi = group_index(call, gid)
    if call.org.groups[gi].kind != GroupKind.TEAM:
        raise GraphError(404, "NotFound", f"No team found with Group Id {gid}")
    refuse_members_while_migrating(call, gi)
    body = call.json()
    values = body.get("values") if isinstance(body, dict) else None
    if not isinstance(values, list) or not values:
        raise bad_request("values is required.", "BadRequest")
    if len(values) > 200:
        raise bad_request("At most 200 members can be added in one request.", "BadRequest")
    results = [_add_one(call, gi, value) for value in values]
    failed = sum(1 for r in results if r["error"])
    call.state.writes += 1
    context = f"{call.root}/$metadata#Collection(microsoft.graph.aadUserConversationMemberResult)"
    return Reply({"@odata.context": context, "value": results}, status=207 if failed else 200)


def _add_one(call: Call, gi: int, value: Any) -> dict[str, Any]:
    """Add one ``values`` entry (an owner when its roles say so): its result, error or not."""
    bind = str((value or {}).get("user@odata.bind") or "")
    match = _BIND.search(bind)
    key = match.group(1) if match else bind.rstrip("/").rsplit("/", 1)[-1]
    error: dict[str, str] | None = None
    uid = key
    try:
        person = person_index(call, key)
        uid = call.org.user_id(person)
        owner = "owner" in (value.get("roles") or [])
        if person not in call.org.groups[gi].members:
            call.org.add_member(gi, person)
        if owner and person not in call.org.groups[gi].owners:
            call.org.add_owner(gi, person)
    except GraphError:
        error = {"code": "NotFound", "message": ""}
    except WriteRefused as refused:
        error = {"code": "BadRequest", "message": str(refused)}
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMemberResult",
        "userId": uid,
        "error": error,
    }
