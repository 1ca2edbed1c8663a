"""Reading one channel: its members and a bounded slice of its history.

Runs in worker threads and returns plain data; only the discovery thread writes to the sink
(the store's writer is not thread-safe). History is read newest first from ``oldest`` (the
window's start, or where the previous run stopped) and never beyond ``history_max_messages``,
so a channel costs at most ``1 + max / page_size`` history requests whatever its age.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern_slack.api import Api, SlackCallError

DAY = 86_400
WEEKS = 13
"""Weeks of distinct posters kept per channel (the 90-day window)."""

PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message", "huddle_thread"})
"""Message subtypes that are a person's activity, decided per Slack's documented subtypes.

A plain message (no subtype), a thread reply broadcast to the channel, a shared file, a
``/me`` message and a huddle held in the channel are people at work. A ``bot_message`` has no
person behind it (Slack: "like a normal user message, except it has no associated user");
joins and leaves are membership, read above; topic, purpose, name and archive notices are
housekeeping, and edits or deletions are not new activity.
"""


@dataclass
class Join:
    """A ``channel_join`` seen in history: who, when (Unix seconds), invited by whom."""

    user: str
    ts: float
    inviter: str | None


@dataclass
class ChannelRead:
    """What was read of one channel in this run."""

    channel: dict[str, Any]
    members: list[str] | None = None  # None: not read (unchanged, or not readable)
    history_read: bool = False
    complete_window: bool = False  # the whole window was read (no truncation)
    newest: str | None = None  # newest event ts seen (the next run reads after it)
    newest_message: float | None = None  # newest real message (activity)
    joins: list[Join] = field(default_factory=list)
    leaves: list[str] = field(default_factory=list)
    posts: dict[int, int] = field(default_factory=dict)  # days -> messages in the last N days
    posters: dict[int, set[str]] = field(default_factory=dict)
    authors: dict[str, list[float]] = field(default_factory=dict)
    """Per poster in the last 90 days: [messages, newest message ts] (champions, rollouts)."""
    weekly: list[set[str]] = field(default_factory=list)
    """Distinct posters per week, newest week first, over the last 13 weeks."""
    problem: SlackCallError | None = None


def read_members(api: Api, channel_id: str) -> list[str]:
    """Every member id of a channel (``conversations.members``, paged)."""
    members: list[str] = []
    for page in api.pages("conversations.members", "members", channel=channel_id):
        members.extend(str(m) for m in page)
    return members


def read_history(api: Api, read: ChannelRead, oldest: float, now: float, limit: int) -> None:
    """Read history after ``oldest`` into ``read``: activity per 30/90 days, joins and leaves."""
    read.history_read = True
    read.posts = {30: 0, 90: 0}
    read.posters = {30: set(), 90: set()}
    read.authors = {}
    read.weekly = [set() for _ in range(WEEKS)]
    seen = 0
    cursor: str | None = None
    oldest_arg = f"{oldest:.6f}" if oldest > 0 else None
    while True:
        page = min(api.settings.page_size, max(limit - seen, 1))
        body = api.call(
            "conversations.history",
            channel=read.channel["id"],
            oldest=oldest_arg,
            limit=page,
            cursor=cursor,
        )
        for msg in body.get("messages") or []:
            seen += 1
            _take(read, msg, now)
        cursor = (body.get("response_metadata") or {}).get("next_cursor") or None
        more = bool(body.get("has_more")) and cursor is not None
        if not more:
            read.complete_window = True
            return
        if seen >= limit:
            return


def _take(read: ChannelRead, msg: dict[str, Any], now: float) -> None:
    ts = str(msg.get("ts", "0"))
    if read.newest is None or float(ts) > float(read.newest):
        read.newest = ts
    subtype = msg.get("subtype")
    user = str(msg.get("user", ""))
    if subtype == "channel_join":
        read.joins.append(Join(user, float(ts), msg.get("inviter")))
        return
    if subtype == "channel_leave":
        read.leaves.append(user)
        return
    if subtype not in PERSON_SUBTYPES or not user or msg.get("bot_id"):
        return  # a bot's post, a topic change, an archive notice: not a person's activity
    when = float(ts)
    if read.newest_message is None or when > read.newest_message:
        read.newest_message = when
    for days in (30, 90):
        if when >= now - days * DAY:
            read.posts[days] += 1
            if user:
                read.posters[days].add(user)
    if user and when >= now - 90 * DAY:
        # Per-person activity: who posts, how much and how recently; read by the champions
        # and rollout-health reports (people-level figures, pseudonymised by default there).
        seen = read.authors.setdefault(user, [0, when])
        seen[0] += 1
        seen[1] = max(seen[1], when)
        week = int((now - when) // (7 * DAY))
        if week < WEEKS:
            read.weekly[week].add(user)
