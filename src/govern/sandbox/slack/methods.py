"""The Web API methods that read: auth, teams, conversations, history and users.

Each handler takes a :class:`Call` and returns the body of a successful response (without
``ok``), or raises :class:`SlackError`. Lists page with cursors as documented: ``limit`` (at most
1000), ``cursor`` from ``response_metadata.next_cursor``, which is ``""`` on the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from govern.sandbox.slack import history, render
from govern.sandbox.slack.auth import Caller, SlackError
from govern.sandbox.slack.data import (
    Channel,
    SlackData,
    Workspace,
    decode_cursor,
    encode_cursor,
    parse_ts,
    ts_key,
    unix,
)

_T = TypeVar("_T")


@dataclass
class Call:
    """One request: the data, the caller and its parameters (query, form or JSON, merged)."""

    data: SlackData
    caller: Caller
    params: dict[str, str]

    def arg(self, name: str, required: bool = False) -> str:
        """A parameter, or ``""``; a missing required one is ``invalid_arguments``."""
        value = str(self.params.get(name, "") or "")
        if required and not value:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value

    @property
    def app(self) -> int:
        """The user govern's app acts as for this token."""
        return self.data.app_for(self.caller.workspace)

    def flag(self, name: str) -> bool:
        """A boolean parameter (``true``/``1``)."""
        return self.arg(name).lower() in ("true", "1")

    def limit(self, default: int, maximum: int = 1000) -> int:
        """The ``limit`` parameter; Slack refuses what is not a positive integer."""
        raw = self.arg("limit")
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < 1:
            raise SlackError("invalid_limit")
        return min(int(raw), maximum)


def paged(
    call: Call, items: Sequence[_T], kind: str, default: int
) -> tuple[Sequence[_T], dict[str, Any]]:
    """A page of ``items`` from the cursor, and the ``response_metadata`` to send with it."""
    start = 0
    cursor = call.arg("cursor")
    if cursor:
        value = decode_cursor(cursor, kind)
        if value is None or not value.isdigit():
            raise SlackError("invalid_cursor")
        start = int(value)
    end = start + call.limit(default)
    nxt = encode_cursor(kind, end) if end < len(items) else ""
    return items[start:end], {"next_cursor": nxt}


def workspace_of(call: Call, team_id: str = "") -> Workspace:
    """The workspace a call is about: its ``team_id`` (org-wide tokens) or the token's own."""
    data, caller = call.data, call.caller
    team_id = team_id or call.arg("team_id")
    if caller.org_wide:
        if not team_id:
            raise SlackError(
                "missing_argument",
                response_metadata={"messages": ["[ERROR] team_id is required for org-wide tokens"]},
            )
        idx = data.workspace(team_id)
        if idx is None or not data.workspaces[idx].grid:
            raise SlackError("team_not_found")
        return data.workspaces[idx]
    ws = data.workspaces[caller.workspace]
    if team_id and team_id != ws.id:
        raise SlackError("team_access_not_granted")
    return ws


def channel_of(call: Call, param: str = "channel") -> Channel:
    """The channel a call names, if the token can see it; else ``channel_not_found``."""
    data = call.data
    idx = data.channel(call.arg(param, required=True))
    if idx is None:
        raise SlackError("channel_not_found")
    c = data.channels[idx]
    ws = data.workspaces[c.workspace]
    visible = ws.grid if call.caller.org_wide else c.workspace == call.caller.workspace
    if not visible or c.created > data.now:
        raise SlackError("channel_not_found")
    return c


def is_private(data: SlackData, c: Channel) -> bool:
    """Whether a channel is private now (created so, or converted by an admin)."""
    return bool(render.channel(data, c, -1)["is_private"])


def auth_test(call: Call) -> dict[str, Any]:
    """``auth.test``: who the token is."""
    data, caller = call.data, call.caller
    app = data.users[call.app]
    if caller.org_wide:
        return {
            "url": f"https://{data.enterprise_domain}.enterprise.slack.com/",
            "team": data.enterprise_name,
            "user": app.name,
            "team_id": data.enterprise_id,
            "user_id": app.id,
            "bot_id": "B" + app.id[1:],
            "enterprise_id": data.enterprise_id,
            "is_enterprise_install": True,
        }
    ws = data.workspaces[caller.workspace]
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.name,
        "user": app.name,
        "team_id": ws.id,
        "user_id": app.id,
        "bot_id": "B" + app.id[1:],
        "is_enterprise_install": False,
    }


def admin_teams_list(call: Call) -> dict[str, Any]:
    """``admin.teams.list``: the workspaces of the Enterprise Grid organisation."""
    call.caller.need("admin.teams:read")
    if not call.caller.org_wide:
        raise SlackError("not_allowed_token_type")
    teams = [w for w in call.data.workspaces if w.grid and w.created <= call.data.now]
    page, meta = paged(call, teams, "team", 100)
    return {"teams": [render.admin_team(call.data, w) for w in page], "response_metadata": meta}


def team_info(call: Call) -> dict[str, Any]:
    """``team.info``: a workspace of the caller, or an organisation it shares channels with."""
    call.caller.need("team:read")
    data = call.data
    team = call.arg("team")
    ext = data.external(team) if team else None
    if ext is not None:
        return {
            "team": {
                "id": ext.id,
                "name": ext.name,
                "domain": ext.domain,
                "url": f"https://{ext.domain}.slack.com/",
                "is_verified": False,
            }
        }
    if call.caller.org_wide and not team:
        team = data.workspaces[0].id
    try:
        return {"team": render.team(data, workspace_of(call, team))}
    except SlackError as exc:
        raise SlackError("team_not_found") from exc


def _readable(call: Call, c: Channel, private_scope: str, public_scope: str) -> None:
    # The conversations.* methods accept the scope of any conversation type.
    kind = public_scope.partition(":")[2]
    accepted = (public_scope, private_scope, f"mpim:{kind}", f"im:{kind}")
    call.caller.need_for(accepted, private_scope if is_private(call.data, c) else public_scope)


def conversations_list(call: Call) -> dict[str, Any]:
    """``conversations.list`` with ``types``, ``exclude_archived`` and ``team_id``."""
    data = call.data
    types = [t.strip() for t in (call.arg("types") or "public_channel").split(",") if t.strip()]
    for t in types:
        if t not in ("public_channel", "private_channel", "im", "mpim"):
            raise SlackError("invalid_types")
    if "public_channel" in types:
        call.caller.need("channels:read")
    if "private_channel" in types:
        call.caller.need("groups:read")
    ws = workspace_of(call)
    exclude = call.flag("exclude_archived")
    chosen = [
        c
        for c in data.visible_channels(ws)
        if ("private_channel" if is_private(data, c) else "public_channel") in types
        and not (exclude and c.archived(data.now))
    ]
    page, meta = paged(call, chosen, "channel", 100)
    return {
        "channels": [render.channel(data, c, call.app) for c in page],
        "response_metadata": meta,
    }


def conversations_info(call: Call) -> dict[str, Any]:
    """``conversations.info``."""
    c = channel_of(call)
    _readable(call, c, "groups:read", "channels:read")
    return {"channel": render.channel(call.data, c, call.app)}


def conversations_members(call: Call) -> dict[str, Any]:
    """``conversations.members``: user ids, in join order."""
    c = channel_of(call)
    _readable(call, c, "groups:read", "channels:read")
    ids = [call.data.users[u].id for u in call.data.channel_members(c)]
    page, meta = paged(call, ids, "member", 100)
    return {"members": list(page), "response_metadata": meta}


def conversations_history(call: Call) -> dict[str, Any]:
    """``conversations.history``: ``oldest``, ``latest``, ``inclusive``, ``limit``, ``cursor``."""
    c = channel_of(call)
    _readable(call, c, "groups:history", "channels:history")
    data = call.data
    oldest = parse_ts(call.arg("oldest") or "0")
    latest = (
        parse_ts(call.arg("latest")) if call.arg("latest") else ts_key(data.now, 999_999) + 10**6
    )
    if oldest is None or latest is None:
        raise SlackError("invalid_ts_oldest" if oldest is None else "invalid_ts_latest")
    cursor = call.arg("cursor")
    if cursor:
        value = decode_cursor(cursor, "next_ts")
        if value is None or not value.isdigit():
            raise SlackError("invalid_cursor")
        latest = min(latest, int(value))
    limit = call.limit(100, 999)
    messages, more = history.page(data, c, oldest, latest, limit, call.flag("inclusive"))
    nxt = ""
    if more and messages:
        last = parse_ts(messages[-1]["ts"])
        nxt = encode_cursor("next_ts", last or 0)
    return {
        "messages": messages,
        "has_more": more,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": {"next_cursor": nxt},
    }


def users_list(call: Call) -> dict[str, Any]:
    """``users.list``: every account of a workspace, deactivated ones included."""
    call.caller.need("users:read")
    data = call.data
    ws = workspace_of(call)
    members = sorted(data.workspace_members(ws))
    # Bots (and govern's app) belong to a workspace without having joined it as people do.
    members += [u.idx for u in data.users if u.bot and u.team == ws.idx]
    page, meta = paged(call, members, "user", 100)
    email = "users:read.email" in call.caller.scopes
    return {
        "members": [render.user(data, data.users[u], email) for u in page],
        "cache_ts": unix(data.now),
        "response_metadata": meta,
    }


def users_lookup_by_email(call: Call) -> dict[str, Any]:
    """``users.lookupByEmail``."""
    call.caller.need("users:read.email")
    data = call.data
    email = call.arg("email", required=True).lower()
    teams = {
        w.idx
        for w in data.workspaces
        if (w.grid if call.caller.org_wide else w.idx == call.caller.workspace)
    }
    for u in data.users:
        if u.team in teams and (u.email or "").lower() == email and u.created <= data.now:
            return {"user": render.user(data, u, True)}
    raise SlackError("users_not_found")


READS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "auth.test": auth_test,
    "admin.teams.list": admin_teams_list,
    "team.info": team_info,
    "conversations.list": conversations_list,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "conversations.history": conversations_history,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
}
