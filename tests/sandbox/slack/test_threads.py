"""Threads and files in the sandbox's Slack history, and ``conversations.replies``."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from govern.sandbox.slack.server import SlackServer
from tests.sandbox.slack.test_fidelity import example, shape_errors


def _history(server: SlackServer) -> tuple[WebClient, str, list[dict[str, Any]]]:
    client = WebClient(token="xoxb-free", base_url=server.url)
    data = server.state.data
    ws = next(w for w in data.workspaces if w.plan == "free")
    channel = data.channels[ws.general].id
    messages: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.conversations_history(channel=channel, limit=200, cursor=cursor)
        messages.extend(page["messages"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return client, channel, messages


def test_threads_files_and_replies(server: SlackServer) -> None:
    client, channel, messages = _history(server)
    threads = [m for m in messages if m.get("reply_count", 0) >= 2]
    assert threads and any(m.get("files") for m in messages)
    parent = threads[0]
    assert parent["thread_ts"] == parent["ts"] and parent["latest_reply"]
    got = client.conversations_replies(channel=channel, ts=parent["ts"], limit=2).data
    assert shape_errors(example("conversations.replies.json"), got) == []
    thread = list(got["messages"])
    cursor = got["response_metadata"]["next_cursor"]
    while cursor:
        more = client.conversations_replies(channel=channel, ts=parent["ts"], cursor=cursor).data
        thread.extend(more["messages"])
        cursor = more["response_metadata"]["next_cursor"]
    assert thread[0]["ts"] == parent["ts"]
    replies = thread[1:]
    assert len(replies) == parent["reply_count"]
    assert all(r["thread_ts"] == parent["ts"] and r["parent_user_id"] == parent["user"]
               for r in replies)  # fmt: skip
    assert [r["ts"] for r in replies] == sorted(r["ts"] for r in replies)
    assert replies[-1]["ts"] == parent["latest_reply"]
    assert {r["user"] for r in replies} == set(parent["reply_users"])


def test_replies_of_a_plain_message_is_the_message_alone(server: SlackServer) -> None:
    client, channel, messages = _history(server)
    plain = next(m for m in messages if "subtype" not in m and not m.get("reply_count"))
    got = client.conversations_replies(channel=channel, ts=plain["ts"]).data
    assert [m["ts"] for m in got["messages"]] == [plain["ts"]] and got["has_more"] is False
