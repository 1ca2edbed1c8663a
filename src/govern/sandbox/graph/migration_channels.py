"""Teams and channels created in migration mode, listed, and their migrations completed."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from govern.sandbox.entities import GroupKind, Origin, Visibility
from govern.sandbox.graph.core import Call, Reply
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.migration_state import (
    MigChannel,
    MigTeam,
    channel_of,
    created_ms,
    imports,
    iso_ms,
    now_ms,
    team_of,
)

_BAD_NAME = re.compile(r"[~#%&*{}+/\\:<>?|'\",]|\.\.")


def _channel_id(seed: str) -> str:
    digest = hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()
    return f"19:{digest}@thread.tacv2"


def _nickname(call: Call, name: str) -> str:
    base = re.sub(r"[^a-z0-9]", "", name.lower())[:40] or "team"
    taken = call.org.nicknames_taken
    nick, n = base, 1
    while nick in taken:
        n += 1
        nick = f"{base}{n}"
    taken[nick] = 1
    return nick


def create_team(call: Call) -> Reply:
    """POST /teams (migration mode)."""
    body = call.json()
    created, name = _team_request(call, body)
    visibility = (
        Visibility.PUBLIC
        if str(body.get("visibility", "")).lower() == "public"
        else Visibility.PRIVATE
    )
    org = call.org
    group = org.new_group(
        GroupKind.TEAM, name, _nickname(call, name), org.now, -1, visibility, Origin.IT_PROVISIONED
    )
    group.description = str(body.get("description") or "")
    gid = org.group_id(group.idx)
    team = MigTeam(gid, group.idx, created, True, call.caller.app)
    general = MigChannel(
        _channel_id(f"{gid}/general"), "General", "", created, True, call.caller.app, general=True
    )
    team.channels[general.id] = general
    imports(call.state).teams[gid] = team
    call.state.writes += 1
    op = hashlib.blake2b(f"{gid}/create".encode(), digest_size=16).hexdigest()
    return Reply(
        status=202,
        content=b"",
        media_type="text/plain",
        headers={
            "Location": f"/teams('{gid}')/operations('{op}')",
            "Content-Location": f"/teams('{gid}')",
        },
    )


def _team_request(call: Call, body: Any) -> tuple[int, str]:
    """The new team's ``createdDateTime`` (ms) and name; 400 unless in migration mode."""
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    if body.get("@microsoft.graph.teamCreationMode") != "migration":
        if "@microsoft.graph.teamCreationMode" in body or "createdDateTime" in body:
            created_ms(call, body, "@microsoft.graph.teamCreationMode", True)
        raise bad_request(
            "The sandbox creates teams in migration mode only "
            "(@microsoft.graph.teamCreationMode: migration).",
            "BadRequest",
        )
    created = created_ms(call, body, "@microsoft.graph.teamCreationMode", True)
    assert created is not None
    name = str(body.get("displayName") or "").strip()
    if not name:
        raise bad_request("displayName is required.", "BadRequest")
    return created, name


def _render_channel(call: Call, team: MigTeam, c: MigChannel) -> dict[str, Any]:
    return {
        "id": c.id,
        "createdDateTime": iso_ms(c.created_ms),
        "displayName": c.name,
        "description": c.description or None,
        "isFavoriteByDefault": None,
        "email": None,
        "webUrl": f"https://teams.microsoft.com/l/channel/{c.id}?groupId={team.gid}",
        "membershipType": "standard",
        "moderationSettings": None,
        "migrationMode": "inProgress" if c.migrating else "completed",
    }


def create_channel(call: Call) -> Reply:
    """POST /teams/{id}/channels (migration mode, standard channels)."""
    team = team_of(call)
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    created = created_ms(call, body, "@microsoft.graph.channelCreationMode", False)
    name = str(body.get("displayName") or "").strip()
    if not name or len(name) > 50 or _BAD_NAME.search(name) or name[0] in "_.":
        raise bad_request(f"Channel name '{name}' is not valid.", "BadRequest")
    if str(body.get("membershipType") or "standard") != "standard" and created is not None:
        raise bad_request("Only standard channels can be created in migration mode.", "BadRequest")
    if any(c.name.lower() == name.lower() for c in team.channels.values()):
        raise GraphError(
            409, "NameAlreadyExists", "Channel name already existed, please use other name."
        )
    if created is not None and created < team.created_ms:
        raise bad_request(
            "The channel's createdDateTime cannot be earlier than the team's.", "BadRequest"
        )
    channel = MigChannel(
        _channel_id(f"{team.gid}/{name.lower()}"),
        name,
        str(body.get("description") or ""),
        created if created is not None else now_ms(call),
        created is not None,
        call.caller.app,
    )
    team.channels[channel.id] = channel
    call.state.writes += 1
    out = {
        "@odata.context": f"{call.root}/$metadata#teams('{team.gid}')/channels/$entity",
        **_render_channel(call, team, channel),
    }
    location = f"/teams('{team.gid}')/channels('{channel.id}')"
    return Reply(out, status=201, headers={"Location": location})


def list_channels(call: Call) -> Reply:
    """GET /teams/{id}/channels."""
    team = team_of(call)
    rows = [_render_channel(call, team, c) for c in team.channels.values()]
    return Reply(
        {"@odata.context": f"{call.root}/$metadata#teams('{team.gid}')/channels", "value": rows}
    )


def complete_channel(call: Call) -> Reply:
    """POST /teams/{id}/channels/{id}/completeMigration."""
    team = team_of(call)
    channel = channel_of(call, team)
    if not channel.migrating:
        raise bad_request("The channel is not in migration mode.", "BadRequest")
    channel.migrating = False
    call.state.writes += 1
    return Reply(status=204)


def complete_team(call: Call) -> Reply:
    """POST /teams/{id}/completeMigration (its channels are completed with it)."""
    team = team_of(call)
    if not team.migrating:
        raise bad_request("The team is not in migration mode.", "BadRequest")
    team.migrating = False
    for channel in team.channels.values():
        channel.migrating = False
    call.state.writes += 1
    return Reply(status=204)
