"""Reading a workspace or channel whole, for a migration: users, channels, members, history.

Everything goes through slack-sdk (:class:`~govern_slack.api.Api`): ``users.list``,
``conversations.list``, ``conversations.members``, ``conversations.history`` (every page) and
``conversations.replies`` for each thread. History is read up to a cut-off ``ts`` so that a plan
and the apply that carries it out see the same messages; what was posted after the plan is left
for a later plan, never imported half.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from govern_slack.api import Api, SlackCallError, Stats
from govern_slack.settings import SlackSettings


@dataclass(frozen=True)
class SlackFile:
    """A file attached to a message (its content stays in Slack)."""

    id: str
    name: str
    size: int | None
    permalink: str


@dataclass
class SlackMessage:
    """One message with what a migration must know of it; replies hang off their parent."""

    ts: str
    user: str
    text: str
    subtype: str | None = None
    thread_ts: str | None = None
    edited: bool = False
    reactions: int = 0
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    files: list[SlackFile] = field(default_factory=list)
    replies: list[SlackMessage] = field(default_factory=list)

    @property
    def is_post(self) -> bool:
        """A message people wrote (not a join, leave or other system event)."""
        return self.subtype in (None, "thread_broadcast", "file_share")


@dataclass
class SlackChannel:
    """A channel as a migration sees it."""

    id: str
    name: str
    created: int
    creator: str
    private: bool
    archived: bool
    general: bool
    shared: bool
    purpose: str


@dataclass
class SlackUser:
    """A user with what matching and the review need."""

    id: str
    name: str
    email: str | None
    guest: str | None
    """``single-channel``, ``multi-channel``, ``external`` (Slack Connect) or None."""
    bot: bool
    deleted: bool
    owner: bool
    admin: bool


def open_api(settings: SlackSettings, team_id: str) -> Api:
    """The API of the token that can read workspace ``team_id`` (the app's or a workspace's)."""
    stats = Stats()
    tried: list[str] = []
    grid: Api | None = None
    for token in [*settings.workspace_tokens, settings.token]:
        api = Api(token.get_secret_value(), settings, stats)
        try:
            me = api.call("auth.test")
        except SlackCallError as exc:
            tried.append(exc.error)
            continue
        if me.get("team_id") == team_id:
            return api
        if me.get("is_enterprise_install") and grid is None:
            api.org_wide = True
            grid = api
    if grid is not None:
        # An org-wide install reads every Grid workspace; the calls name the team.
        return grid
    raise SlackCallError(
        "auth.test",
        f"no configured token reads workspace {team_id}"
        + (f" ({', '.join(tried)})" if tried else ""),
        "a token installed in that workspace (slack.workspace_tokens)",
    )


def _user(u: dict[str, Any], team_id: str) -> SlackUser:
    profile = u.get("profile") or {}
    email = profile.get("email")
    guest = None
    if u.get("is_ultra_restricted"):
        guest = "single-channel"
    elif u.get("is_restricted"):
        guest = "multi-channel"
    elif u.get("team_id") and u["team_id"] != team_id and not u.get("enterprise_user"):
        guest = "external"
    return SlackUser(
        id=str(u["id"]),
        name=str(u.get("real_name") or profile.get("real_name") or u.get("name") or u["id"]),
        email=str(email).lower() if email else None,
        guest=guest,
        bot=bool(u.get("is_bot") or u.get("is_app_user") or u.get("id") == "USLACKBOT"),
        deleted=bool(u.get("deleted")),
        owner=bool(u.get("is_owner") or u.get("is_primary_owner")),
        admin=bool(u.get("is_admin")),
    )


def users(api: Api, team_id: str) -> dict[str, SlackUser]:
    """Every user of the workspace by id."""
    out: dict[str, SlackUser] = {}
    team = team_id if api.org_wide else None
    for page in api.pages("users.list", "members", team_id=team):
        for u in page:
            user = _user(u, team_id)
            out[user.id] = user
    return out


def channels(api: Api, team_id: str) -> list[SlackChannel]:
    """Every channel the token sees, public and private, archived included."""
    out: list[SlackChannel] = []
    team = team_id if api.org_wide else None
    for page in api.pages(
        "conversations.list", "channels", types="public_channel,private_channel", team_id=team
    ):
        for c in page:
            out.append(
                SlackChannel(
                    id=str(c["id"]),
                    name=str(c.get("name") or c["id"]),
                    created=int(c.get("created") or 0),
                    creator=str(c.get("creator") or ""),
                    private=bool(c.get("is_private")),
                    archived=bool(c.get("is_archived")),
                    general=bool(c.get("is_general")),
                    shared=bool(c.get("is_ext_shared") or c.get("is_shared")),
                    purpose=str((c.get("purpose") or {}).get("value") or ""),
                )
            )
    return out


def members(api: Api, channel_id: str) -> list[str]:
    """Member ids of a channel."""
    out: list[str] = []
    for page in api.pages("conversations.members", "members", channel=channel_id):
        out.extend(str(m) for m in page)
    return out


def _message(m: dict[str, Any]) -> SlackMessage:
    return SlackMessage(
        ts=str(m["ts"]),
        user=str(m.get("user") or m.get("bot_id") or ""),
        text=str(m.get("text") or ""),
        subtype=m.get("subtype"),
        thread_ts=m.get("thread_ts"),
        edited="edited" in m,
        reply_count=int(m.get("reply_count") or 0),
        reply_users=[str(u) for u in m.get("reply_users") or []],
        reactions=sum(int(r.get("count", 1)) for r in m.get("reactions") or []),
        files=[
            SlackFile(
                str(f.get("id", "")),
                str(f.get("name") or f.get("title") or f.get("id", "")),
                int(f["size"]) if isinstance(f.get("size"), int) else None,
                str(f.get("permalink") or f.get("url_private") or ""),
            )
            for f in m.get("files") or []
        ],
    )


def replies(api: Api, channel_id: str, ts: str, cutoff: str) -> list[SlackMessage]:
    """The replies of one thread (not its parent), oldest first, before ``cutoff``."""
    out: list[SlackMessage] = []
    for page in api.pages("conversations.replies", "messages", channel=channel_id, ts=ts):
        for m in page:
            if str(m.get("ts")) != ts and float(m["ts"]) < float(cutoff):
                out.append(_message(m))
    return out


def history(
    api: Api, channel_id: str, cutoff: str, *, with_replies: bool = True
) -> Iterator[SlackMessage]:
    """Every message before ``cutoff``, oldest first, with its replies unless told not to.

    Without replies a thread's parent still says how many it has and who wrote them
    (``reply_count``, ``reply_users``): enough to plan, at one request per page instead of one
    more per thread.
    """
    newest_first: dict[str, SlackMessage] = {}
    for page in api.pages("conversations.history", "messages", channel=channel_id, latest=cutoff):
        for m in page:
            newest_first.setdefault(str(m["ts"]), _message(m))  # a page boundary may repeat one
    for msg in sorted(newest_first.values(), key=lambda m: float(m.ts)):
        if with_replies and msg.thread_ts == msg.ts and msg.reply_count:
            msg.replies = replies(api, channel_id, msg.ts, cutoff)
        yield msg
