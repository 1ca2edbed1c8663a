"""Threads, files and edits in a channel's history, and ``conversations.replies``.

Like messages, replies are not stored: whether a message starts a thread, carries a file or was
edited, and what its replies are, come from a ``random.Random`` seeded by (seed, channel, ts),
so every process sees the same thread. Shapes follow Slack's documentation
(docs.slack.dev/reference/methods/conversations.replies and the message and file objects): a
thread's parent has ``thread_ts`` (its own ts), ``reply_count``, ``reply_users``,
``reply_users_count`` and ``latest_reply``; a reply has ``thread_ts`` and ``parent_user_id``;
``conversations.replies`` answers the parent first, then the replies oldest first, paged with
``has_more`` and ``response_metadata.next_cursor``. A reply dated after the organisation's clock
does not exist yet.
"""

from __future__ import annotations

import random
from typing import Any

from govern.sandbox.slack import history
from govern.sandbox.slack.auth import SlackError
from govern.sandbox.slack.data import (
    EPOCH_UNIX,
    Channel,
    SlackData,
    decode_cursor,
    encode_cursor,
    message_ts,
    parse_ts,
    slack_id,
)
from govern.sandbox.slack.methods import Call, channel_of, conversations_history, is_private

THREAD_SHARE = 0.2
FILE_SHARE = 0.06
EDIT_SHARE = 0.05
_REPLIES = ("Agreed.", "Done, see the doc.", "Thanks!", "I can take this.", "Let's discuss Monday.")
_FILES = (
    ("roadmap.pdf", "application/pdf", "pdf", "PDF"),
    ("mockup.png", "image/png", "png", "PNG"),
    ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "docx", "Word Document"),
)  # fmt: skip


def _rng(data: SlackData, channel: Channel, ts: str) -> random.Random:
    return random.Random(f"{data.org.seed}/slack/thread/{channel.id}/{ts}")


def _split(ts: str) -> tuple[int, int]:
    """A message ts as (sandbox seconds, microseconds)."""
    whole, _, frac = ts.partition(".")
    return int(whole) - EPOCH_UNIX, int((frac + "000000")[:6])


def _replies(data: SlackData, channel: Channel, parent: dict[str, Any]) -> list[dict[str, Any]]:
    """The replies of a thread's parent that exist by now, oldest first."""
    ts = str(parent["ts"])
    rng = _rng(data, channel, ts)
    if rng.random() >= THREAD_SHARE:
        return []
    start, _ = _split(ts)
    count = 1 + int(rng.random() * 4)
    members = channel.members
    out: list[dict[str, Any]] = []
    at = start
    for _ in range(count):
        at += 60 + int(rng.random() * 6 * 3600)
        micro = int(rng.random() * 999_999)
        n = members.visible(at)
        user = data.users[members.users[int(rng.random() * n)]] if n else None
        text = _REPLIES[int(rng.random() * len(_REPLIES))]
        if user is None or at >= data.now:
            continue
        out.append(
            {
                "type": "message",
                "user": user.id,
                "text": text,
                "ts": message_ts(at, micro),
                "thread_ts": ts,
                "parent_user_id": parent.get("user", ""),
                "team": data.workspaces[channel.workspace].id,
            }
        )
    return out


def _file(
    data: SlackData, channel: Channel, msg: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    name, mimetype, filetype, pretty = _FILES[int(rng.random() * len(_FILES))]
    fid = slack_id(data.org.seed, "F", f"{channel.id}/{msg['ts']}")
    created = int(float(str(msg["ts"])))
    team = data.workspaces[channel.workspace]
    return {
        "id": fid,
        "created": created,
        "timestamp": created,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": pretty,
        "user": msg.get("user", ""),
        "mode": "hosted",
        "is_external": False,
        "is_public": True,
        "size": 20_000 + int(rng.random() * 2_000_000),
        "url_private": f"https://files.slack.com/files-pri/{team.id}-{fid}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/{team.id}-{fid}/download/{name}",
        "permalink": f"https://{team.domain}.slack.com/files/{msg.get('user', '')}/{fid}/{name}",
    }


def decorate(data: SlackData, channel: Channel, msg: dict[str, Any]) -> dict[str, Any]:
    """Add what a message carries beyond its text: a thread, a file, an edit."""
    rng = _rng(data, channel, str(msg["ts"]))
    rng.random()  # the thread draw, made again in _replies
    extra = random.Random(f"{data.org.seed}/slack/extra/{channel.id}/{msg['ts']}")
    if extra.random() < FILE_SHARE:
        msg["files"] = [_file(data, channel, msg, extra)]
        msg["upload"] = False
    if extra.random() < EDIT_SHARE:
        edited = int(float(str(msg["ts"]))) + 60 + int(extra.random() * 3600)
        if edited - EPOCH_UNIX < data.now:
            msg["edited"] = {"user": msg.get("user", ""), "ts": f"{edited}.000000"}
    replies = _replies(data, channel, msg)
    if replies:
        users = list(dict.fromkeys(r["user"] for r in replies))
        msg["thread_ts"] = msg["ts"]
        msg["reply_count"] = len(replies)
        msg["reply_users_count"] = len(users)
        msg["reply_users"] = users
        msg["latest_reply"] = replies[-1]["ts"]
        msg["subscribed"] = False
    return msg


def _parent(data: SlackData, channel: Channel, ts: str) -> dict[str, Any] | None:
    key = parse_ts(ts)
    if key is None:
        return None
    found, _ = history.page(data, channel, key, key, 1, True)
    if not found or found[0].get("ts") != ts or "subtype" in found[0]:
        return None
    return decorate(data, channel, found[0])


def history_with_threads(call: Call) -> dict[str, Any]:
    """``conversations.history`` whose messages carry their threads, files and edits."""
    body = conversations_history(call)
    c = channel_of(call)
    for msg in body["messages"]:
        if "subtype" not in msg:
            decorate(call.data, c, msg)
    return body


def conversations_replies(call: Call) -> dict[str, Any]:
    """``conversations.replies``: a thread, parent first, with ``cursor`` and ``limit``."""
    c = channel_of(call)
    call.caller.need("groups:history" if is_private(call.data, c) else "channels:history")
    ts = call.arg("ts", required=True)
    parent = _parent(call.data, c, ts)
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [parent, *(_replies(call.data, c, parent) if "thread_ts" in parent else [])]
    start = 0
    cursor = call.arg("cursor")
    if cursor:
        value = decode_cursor(cursor, "next_ts")
        if value is None or not value.isdigit():
            raise SlackError("invalid_cursor")
        start = int(value)
    limit = call.limit(10, 1000)
    page = thread[start : start + limit]
    more = start + limit < len(thread)
    return {
        "messages": page,
        "has_more": more,
        "response_metadata": {
            "next_cursor": encode_cursor("next_ts", start + limit) if more else ""
        },
    }


METHODS = {
    "conversations.history": history_with_threads,
    "conversations.replies": conversations_replies,
}
"""Served over the read methods of the same name (``server.METHODS`` merges them last)."""
TIERS = {"conversations.replies": 3}
