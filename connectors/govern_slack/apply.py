"""Applying changes in Slack: invite, remove, archive, convert to private; idempotently.

Each change reads the channel first (``conversations.info``: the ``before`` of the journal), makes
the call, and treats Slack's "already so" answers (``already_in_channel``, ``not_in_channel`` on a
kick, ``already_archived``, an already private channel) as success. A refusal names Slack's error
code and what to do about it.
"""

from __future__ import annotations

from typing import Any

from govern.connector import ApplyResult
from govern.model import Change, ChangeAction, split_id
from govern_slack.api import Api, SlackCallError
from govern_slack.permissions import advice

ADVICE: dict[str, str] = {
    "channel_not_found": "the channel is gone or the token cannot see it; run discovery again",
    "user_not_found": "the account is deactivated or unknown; run discovery again",
    "cant_invite": "the person is not in this channel's workspace; add them to it first",
    "ura_max_channels": "a single-channel guest is already in another channel; make them a "
    "multi-channel guest first",
    "is_archived": "the channel is archived; unarchive it in Slack first",
    "cant_kick_from_general": "nobody leaves #general; deactivate the account instead",
    "cant_kick_self": "govern's app cannot remove itself",
    "cant_archive_general": "#general cannot be archived",
    "not_allowed_token_type": "this needs an org-wide Enterprise Grid install of govern's app",
    "restricted_action": "the workspace's settings forbid it; ask a Slack org admin",
    "could_not_convert_channel": "Slack could not convert the channel; convert it in Slack's admin",
    "ratelimited": "Slack is rate limiting; run apply again later (it resumes)",
}
DONE_ALREADY = {
    "conversations.invite": "already_in_channel",
    "conversations.kick": "not_in_channel",
    "conversations.archive": "already_archived",
}


def _state(info: dict[str, Any]) -> dict[str, Any]:
    c = info.get("channel") or {}
    return {k: c.get(k) for k in ("is_private", "is_archived", "num_members")}


def _refused(change: Change, exc: SlackCallError) -> ApplyResult:
    if exc.error == "missing_scope":
        what = advice(exc.needed)
    else:
        what = ADVICE.get(exc.error, "see Slack's documentation of the method")
    return ApplyResult(False, f"{exc.method} on {change.community_id}: '{exc.error}': {what}")


def apply_change(apis: list[Api], change: Change) -> ApplyResult:
    """Make ``change`` with the first token that can see its channel."""
    kind, native = split_id(change.community_id)[1:]
    if kind != "channel":
        return ApplyResult(False, f"the slack connector changes channels, not {kind}s")
    last: SlackCallError | None = None
    for api in apis:
        try:
            before = _state(api.call("conversations.info", channel=native))
        except SlackCallError as exc:
            last = exc
            if exc.error == "channel_not_found":
                continue
            return _refused(change, exc)
        try:
            done = _make(api, change, native, before)
            after = _state(api.call("conversations.info", channel=native))
        except SlackCallError as exc:
            return _refused(change, exc)
        return ApplyResult(True, done, before=before, after=after)
    assert last is not None
    return _refused(change, last)


def _make(api: Api, change: Change, channel: str, before: dict[str, Any]) -> str:
    action = change.action
    user = split_id(change.principal_id)[2] if change.principal_id else ""
    if action is ChangeAction.SET_VISIBILITY:
        if (change.value or "").lower() != "private":
            raise SlackCallError("conversations.info", "method_not_supported_for_channel_type")
        if before.get("is_private"):
            return "already private"
        api.call("admin.conversations.convertToPrivate", channel_id=channel)
        return "converted to private"
    method, params = {
        ChangeAction.ADD_GRANT: ("conversations.invite", {"channel": channel, "users": user}),
        ChangeAction.REMOVE_GRANT: ("conversations.kick", {"channel": channel, "user": user}),
        ChangeAction.ARCHIVE: ("conversations.archive", {"channel": channel}),
    }[action]
    try:
        api.call(method, **params)
    except SlackCallError as exc:
        if exc.error == DONE_ALREADY.get(method):
            return f"nothing to do ({exc.error})"
        raise
    return f"{method} done"
