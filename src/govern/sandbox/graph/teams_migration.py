"""Teams' documented import path for third-party messages, with its rules enforced.

From "Import third-party platform messages to Teams using Microsoft Graph" (msteams-docs,
graph-api/import-messages) and the v1.0 API pages it links (team-post, channel-post,
team-completemigration, channel-completemigration, conversationmembers-add):

* ``POST /teams`` with ``@microsoft.graph.teamCreationMode: migration`` and a back-in-time
  ``createdDateTime`` answers 202 with ``Location`` (the operation) and ``Content-Location``
  (the team). 400 when ``createdDateTime`` is in the future, or given without the migration
  creation mode. The team's General channel is created in migration mode with it.
* ``POST /teams/{id}/channels`` with ``@microsoft.graph.channelCreationMode: migration``
  answers 201 with the channel (Example 3 of channel-post). Same 400s. Only standard channels:
  private channels are out of the import's scope. Two channels cannot share a name.
* ``POST .../messages`` and ``POST .../messages/{id}/replies`` import a message while the
  channel is in migration mode: ``from`` must name a user of the tenant; ``createdDateTime``
  must be later than the channel's, not in the future, and unique to the millisecond in the
  channel (else 409 Conflict). Imports are limited to 5 requests per second per channel.
* ``completeMigration`` on a channel, then on the team: 204; 400 when not in migration mode.
  After it, no message can be imported; before it, no member can be added (``members/add``
  and ``POST /groups/{id}/members/$ref`` both refuse).
* ``POST /teams/{id}/members/add`` adds members in bulk: 200, or 207 when some failed, with
  one ``aadUserConversationMemberResult`` per member.
* ``GET`` the channels, messages (``$top`` up to 50, ``$expand=replies``) and replies, so an
  importer can see what it already imported.

The sandbox creates teams in migration mode only (creating a team with members, the other
documented path, is not served). Imported teams live beside the organisation for the server's
lifetime; their group, owners and members are the organisation's, so discovery sees them.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govern.sandbox import ids
from govern.sandbox.entities import GroupKind, Origin, Visibility
from govern.sandbox.errors import WriteRefused
from govern.sandbox.graph.core import Call, Endpoint, GraphState, Reply
from govern.sandbox.graph.directory import group_index, person_index
from govern.sandbox.graph.errors import GraphError, bad_request

MIGRATE = ("Teamwork.Migrate.All",)
CHANNEL_CREATE = ("Channel.Create", "Teamwork.Migrate.All", "Group.ReadWrite.All")
CHANNEL_READ = ("ChannelSettings.Read.All", "Channel.ReadBasic.All", "Group.Read.All")
MESSAGES_READ = ("ChannelMessage.Read.All", "Group.Read.All")
TEAM_MEMBERS = ("TeamMember.ReadWrite.All",)

IMPORT_RPS = 5
"""Messages import at 5 requests per second per channel (the import guide's throttling)."""
MAX_TOP = 50
_BAD_NAME = re.compile(r"[~#%&*{}+/\\:<>?|'\",]|\.\.")


@dataclass
class Message:
    """One imported message (or reply)."""

    id: str
    created_ms: int
    user_id: str
    user_name: str
    content_type: str
    content: str
    reply_to: str | None
    attachments: list[dict[str, Any]]


@dataclass
class MigChannel:
    """A channel of an imported team."""

    id: str
    name: str
    description: str
    created_ms: int
    migrating: bool
    app: str
    general: bool = False
    messages: dict[str, Message] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    stamps: set[int] = field(default_factory=set)
    replies: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class MigTeam:
    """A team created in migration mode."""

    gid: str
    group: int
    created_ms: int
    migrating: bool
    app: str
    channels: dict[str, MigChannel] = field(default_factory=dict)


@dataclass
class Imports:
    """Every imported team of one server, and the per-channel import buckets."""

    teams: dict[str, MigTeam] = field(default_factory=dict)
    buckets: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    imported: int = 0
    throttled: int = 0
    """Imports refused with 429 for going over 5 per second in one channel."""


_IMPORTS: weakref.WeakKeyDictionary[GraphState, Imports] = weakref.WeakKeyDictionary()


def imports(state: GraphState) -> Imports:
    """The imported teams of a server (created on first use)."""
    found = _IMPORTS.get(state)
    if found is None:
        found = _IMPORTS[state] = Imports()
    return found


def in_migration(state: GraphState, group: int) -> bool:
    """Whether a group's team is still in migration mode (no members may be added yet)."""
    for team in imports(state).teams.values():
        if team.group == group:
            return team.migrating
    return False


def refuse_members_while_migrating(call: Call, group: int) -> None:
    """The 400 for a membership change on a team in migration mode."""
    if in_migration(call.state, group):
        raise bad_request(
            "Members cannot be added to a team in migration mode; complete the migration "
            "first (POST /teams/{id}/completeMigration).",
            "BadRequest",
        )


# --- parsing ---------------------------------------------------------------------------------
def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{ms % 1000:03d}Z"
    )


def _created(call: Call, body: dict[str, Any], mode_key: str, required: bool) -> int | None:
    """``createdDateTime`` in ms, checked against the creation mode and the clock."""
    raw = body.get("createdDateTime")
    mode = body.get(mode_key)
    if raw is not None and mode != "migration":
        raise bad_request(
            f"createdDateTime can only be set with {mode_key} 'migration'.", "BadRequest"
        )
    if mode is not None and mode != "migration":
        raise bad_request(f"Invalid value '{mode}' for {mode_key}.", "BadRequest")
    if raw is None:
        if required:
            raise bad_request("createdDateTime is required in migration mode.", "BadRequest")
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Invalid createdDateTime '{raw}'.", "BadRequest") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ms = _millis(when)
    if ms > _now_ms(call):
        raise bad_request("createdDateTime cannot be in the future.", "BadRequest")
    return ms


def _now_ms(call: Call) -> int:
    return _millis(ids.to_datetime(call.org.now))


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


# --- teams and channels ---------------------------------------------------------------------
def create_team(call: Call) -> Reply:
    """POST /teams (migration mode)."""
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    if body.get("@microsoft.graph.teamCreationMode") != "migration":
        if "@microsoft.graph.teamCreationMode" in body or "createdDateTime" in body:
            _created(call, body, "@microsoft.graph.teamCreationMode", True)
        raise bad_request(
            "The sandbox creates teams in migration mode only "
            "(@microsoft.graph.teamCreationMode: migration).",
            "BadRequest",
        )
    created = _created(call, body, "@microsoft.graph.teamCreationMode", True)
    assert created is not None
    name = str(body.get("displayName") or "").strip()
    if not name:
        raise bad_request("displayName is required.", "BadRequest")
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


def _team(call: Call) -> MigTeam:
    team = imports(call.state).teams.get(call.params["tid"])
    if team is None:
        group_index(call, call.params["tid"])  # 404 for an unknown id
        raise GraphError(
            404, "NotFound", f"No imported team with id {call.params['tid']} in the sandbox."
        )
    return team


def _channel(call: Call, team: MigTeam) -> MigChannel:
    channel = team.channels.get(call.params["cid"])
    if channel is None:
        raise GraphError(404, "NotFound", f"Channel {call.params['cid']} not found.")
    return channel


def _render_channel(call: Call, team: MigTeam, c: MigChannel) -> dict[str, Any]:
    return {
        "id": c.id,
        "createdDateTime": _iso_ms(c.created_ms),
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
    team = _team(call)
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    created = _created(call, body, "@microsoft.graph.channelCreationMode", False)
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
        created if created is not None else _now_ms(call),
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
    team = _team(call)
    rows = [_render_channel(call, team, c) for c in team.channels.values()]
    return Reply(
        {"@odata.context": f"{call.root}/$metadata#teams('{team.gid}')/channels", "value": rows}
    )


def complete_channel(call: Call) -> Reply:
    """POST /teams/{id}/channels/{id}/completeMigration."""
    team = _team(call)
    channel = _channel(call, team)
    if not channel.migrating:
        raise bad_request("The channel is not in migration mode.", "BadRequest")
    channel.migrating = False
    call.state.writes += 1
    return Reply(status=204)


def complete_team(call: Call) -> Reply:
    """POST /teams/{id}/completeMigration (its channels are completed with it)."""
    team = _team(call)
    if not team.migrating:
        raise bad_request("The team is not in migration mode.", "BadRequest")
    team.migrating = False
    for channel in team.channels.values():
        channel.migrating = False
    call.state.writes += 1
    return Reply(status=204)


# --- messages --------------------------------------------------------------------------------
def _throttle(call: Call, channel: MigChannel) -> None:
    if call.state.settings.limits.team_rps is None:
        return
    box = imports(call.state)
    key = (call.caller.app, channel.id)
    now = time.monotonic()
    with box.lock:
        tokens, stamp = box.buckets.get(key, (float(IMPORT_RPS), now))
        tokens = min(float(IMPORT_RPS), tokens + (now - stamp) * IMPORT_RPS)
        if tokens < 1:
            box.buckets[key] = (tokens, now)
            box.throttled += 1
            raise GraphError(
                429,
                "TooManyRequests",
                "Please retry again later.",
                {"Retry-After": "1", "x-ms-throttle-information": "ImportRequestLimitExceeded"},
            )
        box.buckets[key] = (tokens - 1, now)


def _render_message(call: Call, team: MigTeam, c: MigChannel, m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "replyToId": m.reply_to,
        "etag": m.id,
        "messageType": "message",
        "createdDateTime": _iso_ms(m.created_ms),
        "lastModifiedDateTime": _iso_ms(m.created_ms),
        "deletedDateTime": None,
        "deleted": False,  # in the import guide's documented response
        "subject": None,
        "summary": None,
        "importance": "normal",
        "locale": "en-us",
        "webUrl": f"https://teams.microsoft.com/l/message/{c.id}/{m.id}?groupId={team.gid}",
        "policyViolation": None,
        "channelIdentity": {"teamId": team.gid, "channelId": c.id},
        "from": {
            "application": None,
            "device": None,
            "conversation": None,
            "user": {
                "id": m.user_id,
                "displayName": m.user_name,
                "userIdentityType": "aadUser",
            },
        },
        "body": {"contentType": m.content_type, "content": m.content},
        "attachments": m.attachments,
        "mentions": [],
        "reactions": [],
    }


def _import(call: Call, reply_to: str | None) -> Reply:
    team = _team(call)
    channel = _channel(call, team)
    if not channel.migrating:
        raise GraphError(
            403,
            "Forbidden",
            "Messages can be imported only while the channel is in migration mode; the "
            "migration of this channel was completed.",
        )
    if channel.app != call.caller.app:
        raise GraphError(
            403, "Forbidden", "Only the application that started the migration can import."
        )
    if reply_to is not None and reply_to not in channel.messages:
        raise GraphError(404, "NotFound", f"Message {reply_to} not found.")
    _throttle(call, channel)
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    user = (
        ((body.get("from") or {}).get("user") or {}) if isinstance(body.get("from"), dict) else {}
    )
    uid = str(user.get("id") or "")
    if not uid:
        raise bad_request("An imported message needs from.user.id.", "BadRequest")
    try:
        person = person_index(call, uid)
    except GraphError:
        raise bad_request(
            f"from.user.id '{uid}' is not a user of this tenant.", "BadRequest"
        ) from None
    raw = body.get("createdDateTime")
    if raw is None:
        created = _now_ms(call)
    else:
        try:
            when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"Invalid createdDateTime '{raw}'.", "BadRequest") from None
        created = _millis(when if when.tzinfo else when.replace(tzinfo=UTC))
    if created > _now_ms(call):
        raise bad_request("createdDateTime cannot be in the future.", "BadRequest")
    if created <= channel.created_ms:
        raise bad_request(
            "createdDateTime must be later than the channel's createdDateTime.", "BadRequest"
        )
    if created in channel.stamps:
        raise GraphError(
            409,
            "Conflict",
            "A message with the same createdDateTime exists in this channel; adjust the value.",
        )
    content = body.get("body") or {}
    message = Message(
        id=str(created),
        created_ms=created,
        user_id=uid,
        user_name=str(user.get("displayName") or call.org.people[person].display_name),
        content_type=str(content.get("contentType") or "text"),
        content=str(content.get("content") or ""),
        reply_to=reply_to,
        attachments=list(body.get("attachments") or []),
    )
    channel.messages[message.id] = message
    channel.stamps.add(created)
    if reply_to is None:
        channel.order.append(message.id)
    else:
        channel.replies.setdefault(reply_to, []).append(message.id)
    box = imports(call.state)
    box.imported += 1
    out = {
        "@odata.context": (
            f"{call.root}/$metadata#teams('{team.gid}')/channels('{channel.id}')/messages/$entity"
        ),
        **_render_message(call, team, channel, message),
    }
    return Reply(out, status=201 if call.version == "v1.0" else 200)


def import_message(call: Call) -> Reply:
    """POST /teams/{id}/channels/{id}/messages (import while in migration mode)."""
    return _import(call, None)


def import_reply(call: Call) -> Reply:
    """POST /teams/{id}/channels/{id}/messages/{id}/replies."""
    return _import(call, call.params["mid"])


def _page(call: Call, ids_: list[str], render: Any, context: str) -> Reply:
    top_text = call.query.get("$top", "")
    top = min(int(top_text), MAX_TOP) if top_text.isdigit() and int(top_text) > 0 else 20
    skip_text = call.query.get("$skiptoken", "0")
    start = int(skip_text) if skip_text.isdigit() else 0
    rows = [render(i) for i in ids_[start : start + top]]
    body: dict[str, Any] = {"@odata.context": context}
    if start + top < len(ids_):
        body["@odata.nextLink"] = call.next_link(str(start + top))
    body["value"] = rows
    return Reply(body)


def list_messages(call: Call) -> Reply:
    """GET /teams/{id}/channels/{id}/messages (``$top``, ``$expand=replies``)."""
    team = _team(call)
    channel = _channel(call, team)
    expand = "replies" in call.query.get("$expand", "")

    def render(mid: str) -> dict[str, Any]:
        row = _render_message(call, team, channel, channel.messages[mid])
        if expand:
            row["replies"] = [
                _render_message(call, team, channel, channel.messages[r])
                for r in channel.replies.get(mid, [])
            ]
        return row

    # Teams lists a channel's messages newest first (by their createdDateTime).
    newest_first = sorted(channel.order, key=lambda m: channel.messages[m].created_ms, reverse=True)
    context = f"{call.root}/$metadata#teams('{team.gid}')/channels('{channel.id}')/messages"
    return _page(call, newest_first, render, context)


def list_replies(call: Call) -> Reply:
    """GET /teams/{id}/channels/{id}/messages/{id}/replies."""
    team = _team(call)
    channel = _channel(call, team)
    mid = call.params["mid"]
    if mid not in channel.messages:
        raise GraphError(404, "NotFound", f"Message {mid} not found.")
    ordered = sorted(
        channel.replies.get(mid, []), key=lambda r: channel.messages[r].created_ms, reverse=True
    )
    context = (
        f"{call.root}/$metadata#teams('{team.gid}')/channels('{channel.id}')"
        f"/messages('{mid}')/replies"
    )
    return _page(
        call, ordered, lambda r: _render_message(call, team, channel, channel.messages[r]), context
    )


# --- members ---------------------------------------------------------------------------------
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
    results: list[dict[str, Any]] = []
    failed = 0
    for value in values:
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
        if error:
            failed += 1
        results.append(
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMemberResult",
                "userId": uid,
                "error": error,
            }
        )
    call.state.writes += 1
    context = f"{call.root}/$metadata#Collection(microsoft.graph.aadUserConversationMemberResult)"
    return Reply({"@odata.context": context, "value": results}, status=207 if failed else 200)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/teams", create_team, MIGRATE, service="other"),
    Endpoint("GET", "/teams/{tid}/channels", list_channels, CHANNEL_READ, service="teams"),
    Endpoint("POST", "/teams/{tid}/channels", create_channel, CHANNEL_CREATE, service="teams"),
    Endpoint(
        "POST",
        "/teams/{tid}/channels/{cid}/completeMigration",
        complete_channel,
        MIGRATE,
        service="teams",
    ),
    Endpoint("POST", "/teams/{tid}/completeMigration", complete_team, MIGRATE, service="teams"),
    Endpoint(
        "POST", "/teams/{tid}/channels/{cid}/messages", import_message, MIGRATE, service="other"
    ),
    Endpoint(
        "POST",
        "/teams/{tid}/channels/{cid}/messages/{mid}/replies",
        import_reply,
        MIGRATE,
        service="other",
    ),
    Endpoint(
        "GET", "/teams/{tid}/channels/{cid}/messages", list_messages, MESSAGES_READ, service="teams"
    ),
    Endpoint(
        "GET",
        "/teams/{tid}/channels/{cid}/messages/{mid}/replies",
        list_replies,
        MESSAGES_READ,
        service="teams",
    ),
    Endpoint("POST", "/teams/{tid}/members/add", add_members, TEAM_MEMBERS, service="teams"),
)
