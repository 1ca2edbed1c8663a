"""Messages and replies imported while a channel is in migration mode, and listed back."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from govern.sandbox.graph.core import Call, Reply
from govern.sandbox.graph.directory import person_index
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.migration_state import (
    Message,
    MigChannel,
    MigTeam,
    channel_of,
    imports,
    iso_ms,
    millis,
    now_ms,
    team_of,
)

IMPORT_RPS = 5
"""Messages import at 5 requests per second per channel (the import guide's throttling)."""
MAX_TOP = 50


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
        "createdDateTime": iso_ms(m.created_ms),
        "lastModifiedDateTime": iso_ms(m.created_ms),
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
    """Import one message, or a reply to ``reply_to``, into a channel in migration mode."""
    team = team_of(call)
    channel = channel_of(call, team)
    _check_importable(call, channel, reply_to)
    _throttle(call, channel)
    body = call.json()
    if not isinstance(body, dict):
        raise bad_request("Empty Payload. JSON content expected.", "BadRequest")
    uid, name = _author(call, body)
    created = _import_time(call, body, channel)
    content = body.get("body") or {}
    message = Message(
        id=str(created),
        created_ms=created,
        user_id=uid,
        user_name=name,
        content_type=str(content.get("contentType") or "text"),
        content=str(content.get("content") or ""),
        reply_to=reply_to,
        attachments=list(body.get("attachments") or []),
    )
    _keep(call, channel, message)
    out = {
        "@odata.context": (
            f"{call.root}/$metadata#teams('{team.gid}')/channels('{channel.id}')/messages/$entity"
        ),
        **_render_message(call, team, channel, message),
    }
    return Reply(out, status=201 if call.version == "v1.0" else 200)


def _check_importable(call: Call, channel: MigChannel, reply_to: str | None) -> None:
    """403 once the channel's migration is complete or for another app; 404 for the parent."""
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


def _author(call: Call, body: dict[str, Any]) -> tuple[str, str]:
    """``from.user``'s id and name: a user of the tenant, or 400."""
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
    return uid, str(user.get("displayName") or call.org.people[person].display_name)


def _import_time(call: Call, body: dict[str, Any], channel: MigChannel) -> int:
    """``createdDateTime`` in ms: not in the future, after the channel's, unique in it (409)."""
    raw = body.get("createdDateTime")
    if raw is None:
        created = now_ms(call)
    else:
        try:
            when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"Invalid createdDateTime '{raw}'.", "BadRequest") from None
        created = millis(when if when.tzinfo else when.replace(tzinfo=UTC))
    if created > now_ms(call):
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
    return created


def _keep(call: Call, channel: MigChannel, message: Message) -> None:
    """Store an imported message: a post in the channel's order, a reply under its parent."""
    channel.messages[message.id] = message
    channel.stamps.add(message.created_ms)
    if message.reply_to is None:
        channel.order.append(message.id)
    else:
        channel.replies.setdefault(message.reply_to, []).append(message.id)
    imports(call.state).imported += 1


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
    team = team_of(call)
    channel = channel_of(call, team)
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
    team = team_of(call)
    channel = channel_of(call, team)
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
