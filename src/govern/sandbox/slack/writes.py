"""The Web API methods that write: invite, kick, archive, convert to private.

Writes act as govern's app user and happen at the organisation's current time, so they show up in
``conversations.history`` (``channel_join`` with ``inviter``, ``channel_leave``,
``channel_archive``) and in every listing from then on. Errors are the documented ones:
``already_in_channel``, ``not_in_channel``, ``already_archived``, ``cant_kick_from_general``,
``is_archived``, ``user_not_found``, ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govern.sandbox.slack import render
from govern.sandbox.slack.auth import SlackError
from govern.sandbox.slack.methods import Call, channel_of, is_private


def _user(call: Call, user_id: str) -> int:
    data = call.data
    idx = data.user(user_id.strip())
    if idx is None or data.users[idx].created > data.now or data.deleted(data.users[idx]):
        raise SlackError("user_not_found")
    return idx


def conversations_invite(call: Call) -> dict[str, Any]:
    """``conversations.invite``: 1-1000 users, comma-separated."""
    data = call.data
    c = channel_of(call)
    call.caller.need("groups:write.invites" if is_private(data, c) else "channels:write.invites")
    if c.archived(data.now):
        raise SlackError("is_archived")
    wanted = [u for u in call.arg("users", required=True).split(",") if u.strip()]
    if len(wanted) > 1000:
        raise SlackError("too_many_users")
    users = [_user(call, u) for u in wanted]
    ws = data.workspaces[c.workspace]
    current = set(data.channel_members(c))
    for u in users:
        account = data.users[u]
        home_ok = account.team == c.workspace or (
            ws.grid and account.grid and u in ws.members.users
        )
        if not home_ok:
            raise SlackError("cant_invite")
        if account.ultra_restricted and any(
            u in data.channel_members(o) for o in data.channels if o is not c
        ):
            raise SlackError("ura_max_channels")
    fresh = [u for u in users if u not in current]
    if not fresh:
        raise SlackError("already_in_channel")
    for u in fresh:
        c.members.add(u, data.now, data.next_micro(), call.app)
    return {"channel": render.channel(data, c, call.app)}


def conversations_kick(call: Call) -> dict[str, Any]:
    """``conversations.kick``: remove one user."""
    data = call.data
    c = channel_of(call)
    call.caller.need("groups:write" if is_private(data, c) else "channels:manage")
    u = _user(call, call.arg("user", required=True))
    if c.general:
        raise SlackError("cant_kick_from_general")
    if u == call.app:
        raise SlackError("cant_kick_self")
    if u not in data.channel_members(c):
        raise SlackError("not_in_channel")
    c.members.remove(u, data.now, data.next_micro(), call.app)
    return {}


def conversations_archive(call: Call) -> dict[str, Any]:
    """``conversations.archive``."""
    data = call.data
    c = channel_of(call)
    call.caller.need("groups:write" if is_private(data, c) else "channels:manage")
    if c.general:
        raise SlackError("cant_archive_general")
    if c.archived(data.now):
        raise SlackError("already_archived")
    c.archived_at, c.archived_by = data.now, call.app
    return {}


def admin_conversations_convert_to_private(call: Call) -> dict[str, Any]:
    """``admin.conversations.convertToPrivate``: Enterprise Grid org admins only."""
    data = call.data
    call.caller.need("admin.conversations:write")
    if not call.caller.org_wide:
        raise SlackError("not_allowed_token_type")
    c = channel_of(call, "channel_id")
    if c.general:
        raise SlackError("restricted_action")
    if is_private(data, c):
        raise SlackError(
            "could_not_convert_channel",
            response_metadata={"messages": ["[ERROR] the channel is already private"]},
        )
    c.converted_at = data.now
    return {}


WRITES: dict[str, Callable[[Call], dict[str, Any]]] = {
    "conversations.invite": conversations_invite,
    "conversations.kick": conversations_kick,
    "conversations.archive": conversations_archive,
    "admin.conversations.convertToPrivate": admin_conversations_convert_to_private,
}
