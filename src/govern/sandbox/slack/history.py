"""A channel's history: messages generated day by day, plus the events the records imply.

Messages are not stored: each day's messages of a channel come from a ``random.Random`` seeded
by (seed, channel, day), so a page costs the days it spans, and the same request gives the same
page in every process. Some messages carry Slack's subtypes: ``bot_message`` (integrations),
``thread_broadcast`` and ``file_share``. Joins, leaves and archiving are real records
(``Membership``), shown as ``channel_join`` (with ``inviter`` when someone added the member),
``channel_leave`` and ``channel_archive`` messages, as Slack shows them.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from govern.sandbox import ids
from govern.sandbox.entities import NEVER
from govern.sandbox.slack.data import EPOCH_UNIX, Channel, SlackData, message_ts, ts_key

Event = tuple[int, dict[str, Any]]
"""(Unix microseconds, message object)."""

_TEXTS = (
    "Has anyone tried this yet?",
    "Notes from today's sync are in the doc.",
    "Great demo, thanks!",
    "Can someone review my draft?",
    "Shipping this week :rocket:",
    "Any feedback before Friday?",
    "Link to the board is pinned.",
    "+1, let's do it",
)


def _messages(data: SlackData, channel: Channel, day: int) -> list[Event]:
    start = day * ids.DAY
    if start + ids.DAY <= channel.created:
        return []
    if channel.active_until != NEVER and start > channel.active_until:
        return []
    rng = random.Random(f"{data.org.seed}/slack/{channel.id}/{day}")
    expected = channel.rate * (0.3 + 1.4 * rng.random())
    count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
    members = channel.members
    events: list[Event] = []
    for _ in range(count):
        ts = start + int(ids.DAY * rng.random())
        micro = int(rng.random() * 999_999)
        text = _TEXTS[int(rng.random() * len(_TEXTS))]
        n = members.visible(ts)
        if ts < channel.created or n == 0 or ts >= data.now:
            continue
        user = data.users[members.users[int(rng.random() * n)]]
        msg = {
            "type": "message",
            "user": user.id,
            "text": text,
            "ts": message_ts(ts, micro),
            "team": _team(data, channel),
        }
        events.append((ts_key(ts, micro), _with_subtype(data, channel, msg, ts, micro)))
    return events


BOTS = (("B01GITHUB00", "github"), ("B02JIRA0000", "jira"), ("B03PAGER000", "pagerduty"))
"""Integrations posting in channels (``bot_message``: no person behind them)."""


def _with_subtype(
    data: SlackData, channel: Channel, msg: dict[str, Any], ts: int, micro: int
) -> dict[str, Any]:
    """Some messages are bot posts, thread replies broadcast to the channel or file shares.

    Shapes follow Slack's documented subtype examples (``bot_message``, ``thread_broadcast``,
    ``file_share``). The choice hangs on a hash of the message, not on the day's generator, so
    the plain messages around it stay exactly what they were.
    """
    digest = hashlib.blake2b(f"{data.org.seed}/{channel.id}/{ts}/{micro}".encode(), digest_size=4)
    u = int.from_bytes(digest.digest(), "big") / 2**32
    if u < 0.06:
        bot_id, name = BOTS[int(u * 1000) % len(BOTS)]
        return {"type": "message", "subtype": "bot_message", "ts": msg["ts"], "text": msg["text"],
                "bot_id": bot_id, "username": name, "icons": {}}  # fmt: skip
    if u < 0.10:
        root_ts = message_ts(max(ts - 3_600, channel.created), micro)
        root = {"type": "message", "text": "Thread started here", "user": msg["user"],
                "ts": root_ts, "team": msg["team"], "thread_ts": root_ts, "reply_count": 1,
                "reply_users_count": 1, "latest_reply": msg["ts"], "reply_users": [msg["user"]],
                "is_locked": False}  # fmt: skip
        return {**msg, "subtype": "thread_broadcast", "thread_ts": root_ts, "root": root}
    if u < 0.16:
        file_id = "F" + digest.hexdigest().upper()[:10]
        shared = {"id": file_id, "created": ts + EPOCH_UNIX, "timestamp": ts + EPOCH_UNIX,
                  "name": "notes.pdf", "title": "notes", "mimetype": "application/pdf",
                  "filetype": "pdf", "user": msg["user"], "size": 48_213}  # fmt: skip
        return {**msg, "subtype": "file_share", "files": [shared], "upload": True,
                "display_as_bot": False}  # fmt: skip
    return msg


def _team(data: SlackData, channel: Channel) -> str:
    return data.workspaces[channel.workspace].id


def _records(data: SlackData, channel: Channel, day: int) -> list[Event]:
    start, end = day * ids.DAY, (day + 1) * ids.DAY
    end = min(end, data.now + 1)
    members = channel.members
    events: list[Event] = []
    for i in members.joins_between(start, end):
        user = data.users[members.users[i]]
        ts, micro = members.joined[i], members.micro[i]
        msg: dict[str, Any] = {
            "type": "message",
            "subtype": "channel_join",
            "user": user.id,
            "text": f"<@{user.id}> has joined the channel",
            "ts": message_ts(ts, micro),
        }
        if members.added_by[i] >= 0:
            msg["inviter"] = data.users[members.added_by[i]].id
        events.append((ts_key(ts, micro), msg))
    for ts, micro, u, by in members.left:
        if start <= ts < end:
            user = data.users[u]
            msg = {
                "type": "message",
                "subtype": "channel_leave",
                "user": user.id,
                "text": f"<@{user.id}> has left the channel",
                "ts": message_ts(ts, micro),
            }
            if by >= 0 and by != u:
                msg["remover"] = data.users[by].id
            events.append((ts_key(ts, micro), msg))
    if channel.archived_at != NEVER and start <= channel.archived_at < end:
        archiver = data.users[channel.archived_by].id if channel.archived_by >= 0 else ""
        events.append(
            (
                ts_key(channel.archived_at, 999_999),
                {
                    "type": "message",
                    "subtype": "channel_archive",
                    "user": archiver,
                    "text": "archived the channel",
                    "ts": message_ts(channel.archived_at, 999_999),
                },
            )
        )
    return events


def page(
    data: SlackData, channel: Channel, oldest: int, latest: int, limit: int, inclusive: bool
) -> tuple[list[dict[str, Any]], bool]:
    """Messages with ``oldest < ts < latest`` (Unix microseconds), newest first, and has_more."""
    now_key = ts_key(data.now, 999_999) + 1_000_000  # writes made "now" carry a suffix
    latest = min(latest, now_key)
    first_day = max(channel.created // ids.DAY, (oldest // 1_000_000 - EPOCH_UNIX) // ids.DAY)
    day = min(data.now // ids.DAY, (latest // 1_000_000 - EPOCH_UNIX) // ids.DAY)
    out: list[dict[str, Any]] = []
    while day >= first_day and len(out) <= limit:
        events = _messages(data, channel, day) + _records(data, channel, day)
        events.sort(key=lambda e: e[0], reverse=True)
        for key, msg in events:
            below = key < latest or (inclusive and key == latest)
            above = key > oldest or (inclusive and key == oldest)
            if below and above:
                out.append(msg)
        day -= 1
    return out[:limit], len(out) > limit
