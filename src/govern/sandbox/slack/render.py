"""Slack's objects as the Web API returns them: user, conversation (channel) and team.

Field names, nesting and types follow the documented examples kept under
``tests/sandbox/slack/examples/`` (the fidelity tests compare shapes with them).
"""

from __future__ import annotations

import hashlib
from typing import Any

from govern.sandbox.slack.data import Channel, SlackData, SlackUser, Workspace, unix

_AVATAR = "https://avatars.slack-edge.com/sandbox/{h}_{size}.png"


def _avatar(user: SlackUser) -> dict[str, str]:
    h = hashlib.blake2b(user.id.encode(), digest_size=6).hexdigest()
    sizes = {f"image_{n}": _AVATAR.format(h=h, size=n) for n in (24, 32, 48, 72, 192, 512)}
    return {"avatar_hash": h, **sizes}


def user(data: SlackData, u: SlackUser, email: bool) -> dict[str, Any]:
    """A user object; ``email`` only with the ``users:read.email`` scope, as Slack does."""
    team = data.workspaces[u.team].id if u.team >= 0 else u.external_team
    first, _, last = u.real_name.partition(" ")
    profile: dict[str, Any] = {
        "title": u.title,
        "phone": "",
        "skype": "",
        "real_name": u.real_name,
        "real_name_normalized": u.real_name,
        "display_name": u.name,
        "display_name_normalized": u.name,
        "status_text": "",
        "status_emoji": "",
        "first_name": first,
        "last_name": last,
        **_avatar(u),
        "team": team,
    }
    if email and u.email and not u.bot:
        profile["email"] = u.email
    obj: dict[str, Any] = {
        "id": u.id,
        "team_id": team,
        "name": u.name,
        "deleted": data.deleted(u),
        "color": hashlib.blake2b(u.id.encode(), digest_size=3).hexdigest(),
        # Slack's own users.list example has the handle here and the full name only in
        # profile.real_name ("real_name": "spengler" beside "Egon Spengler").
        "real_name": u.name,
        "tz": "Europe/London",
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": profile,
        "is_admin": u.admin,
        "is_owner": u.owner,
        "is_primary_owner": u.primary_owner,
        "is_restricted": u.restricted or u.ultra_restricted,
        "is_ultra_restricted": u.ultra_restricted,
        "is_bot": u.bot,
        "is_app_user": False,
        "has_2fa": False,
        "updated": unix(u.created),
        "is_email_confirmed": not u.bot,
    }
    if u.grid:
        teams = [w.id for w in data.workspaces if w.grid and u.idx in w.members.users]
        obj["enterprise_user"] = {
            "id": u.id,
            "enterprise_id": data.enterprise_id,
            "enterprise_name": data.enterprise_name,
            "is_admin": u.admin,
            "is_owner": u.owner,
            "teams": teams,
        }
    return obj


def channel(data: SlackData, c: Channel, caller_user: int) -> dict[str, Any]:
    """A conversation object for a public or private channel."""
    ws = data.workspaces[c.workspace]
    now = data.now
    members = data.channel_members(c)
    creator = data.users[c.creator].id if c.creator >= 0 else ""
    shared = [ws.id, *c.shared_with]
    return {
        "id": c.id,
        "name": c.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": c.private or (c.converted_at != -1 and c.converted_at <= now),
        "created": unix(c.created),
        "is_archived": c.archived(now),
        "is_general": c.general,
        "is_read_only": False,
        "unlinked": 0,
        "name_normalized": c.name,
        "is_shared": bool(c.shared_with),
        "is_org_shared": False,
        "is_ext_shared": bool(c.shared_with),
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "pending_connected_team_ids": [],
        "shared_team_ids": shared,
        "context_team_id": ws.id,
        "conversation_host_id": ws.id,
        "updated": unix(c.updated()) * 1000,
        "parent_conversation": None,
        "creator": creator,
        "is_member": caller_user in members,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {
            "value": c.purpose,
            "creator": creator if c.purpose else "",
            "last_set": unix(c.created) if c.purpose else 0,
        },
        "previous_names": [],
        "num_members": len(members),
    }


def team(data: SlackData, ws: Workspace) -> dict[str, Any]:
    """A team object as ``team.info`` returns it."""
    obj: dict[str, Any] = {
        "id": ws.id,
        "name": ws.name,
        "url": f"https://{ws.domain}.slack.com/",
        "domain": ws.domain,
        "email_domain": ws.email_domain,
        "icon": {
            f"image_{n}": f"https://a.slack-edge.com/sandbox/{ws.domain}_{n}.png"
            for n in (34, 44, 68, 88, 102, 132)
        }
        | {"image_default": True},
        "avatar_base_url": "https://ca.slack-edge.com/",
        "is_verified": False,
    }
    if ws.grid:
        obj["enterprise_id"] = data.enterprise_id
        obj["enterprise_name"] = data.enterprise_name
        obj["enterprise_domain"] = data.enterprise_domain
    return obj


def admin_team(data: SlackData, ws: Workspace) -> dict[str, Any]:
    """A team object as ``admin.teams.list`` returns it."""
    owner = next((data.users[u] for u in ws.members.users if data.users[u].primary_owner), None)
    return {
        "id": ws.id,
        "name": ws.name,
        "discoverability": ws.discoverability,
        "primary_owner": {
            "user_id": owner.id if owner else "",
            "email": owner.email or "" if owner else "",
        },
        "team_url": f"https://{ws.domain}.slack.com/",
    }
