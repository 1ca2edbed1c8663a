"""Reading the Slack side of a Slack-to-Teams plan through slack-sdk.

Users, channels and members, and every channel's history up to a cut-off (the time the source
was observed), counted per channel: posts, replies, authors, files, edits, reactions, and a
digest that apply checks before importing. Private and archived channels are set aside with
the reason they do not move.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govern.migrate.messages import ts_ms
from govern.migrate.model import Item

_BAD = re.compile(r"[~#%&*{}+/\\:<>?|'\",]+")


@dataclass
class ChannelRead:
    """What planning saw of one Slack channel."""

    id: str
    name: str
    target: str
    general: bool
    purpose: str
    created_ms: int
    posts: int = 0
    replies: int = 0
    first: str | None = None
    last: str | None = None
    files: int = 0
    file_bytes: int = 0
    edits: int = 0
    reactions: int = 0
    system: int = 0
    authors: Counter[str] = field(default_factory=Counter)
    digest: str = ""


@dataclass
class SlackSource:
    """Everything planning read of a Slack workspace or channel."""

    kind: str
    """``workspace`` or ``channel``."""
    team_id: str
    source_name: str
    cutoff: str
    users: dict[str, Any]
    chosen: list[Any]
    """The channels asked for: the workspace's every channel, or the one channel."""
    cannot: list[Item]
    """Channels asked for that do not move, with the reason."""
    reads: list[ChannelRead]
    """The channels that move, General first, in creation order."""
    member_ids: list[str]


def channel_name(name: str, taken: set[str]) -> str:
    """A valid, unique Teams channel name for a Slack channel name."""
    clean = _BAD.sub("-", name).strip(" .-_")[:50] or "channel"
    candidate, n = clean, 1
    while candidate.lower() in taken or candidate.lower() == "general":
        n += 1
        candidate = f"{clean[:46]}-{n}"
    taken.add(candidate.lower())
    return candidate


def read_channel(api: Any, channel: Any, target: str, cutoff: str) -> ChannelRead:
    """Read one channel's history up to ``cutoff``: counts, authors, dates and a digest."""
    from govern_slack import export

    read = ChannelRead(
        channel.id, channel.name, target, channel.general, channel.purpose, channel.created * 1000
    )
    digest = hashlib.sha256()
    # Threads are counted from their parents (reply_count, reply_users): reading every thread
    # costs one more request per thread, and apply reads them anyway.
    for m in export.history(api, channel.id, cutoff, with_replies=False):
        if not m.is_post:
            read.system += 1
            continue
        read.posts += 1
        digest.update(f"{m.ts}\x1f{m.user}\x1f{m.reply_count}\n".encode())
        read.authors[m.user] += 1
        for uid in m.reply_users:
            read.authors[uid] += 0  # writes replies: needs an account, counted without a number
        read.replies += m.reply_count
        read.files += len(m.files)
        read.file_bytes += sum(f.size or 0 for f in m.files)
        read.edits += int(m.edited)
        read.reactions += m.reactions
        read.first = read.first or m.ts
        read.last = m.ts
    read.digest = "sha256:" + digest.hexdigest()
    if read.first is not None:
        # Graph: every message must be later than its channel's createdDateTime.
        read.created_ms = min(read.created_ms, ts_ms(read.first) - 1000)
    return read


def read_source(slack: Any, kind: str, native: str, created_at: datetime) -> SlackSource:
    """Read a workspace (``kind`` ``workspace``, ``native`` T..) or one channel (C..)."""
    from govern_slack import export

    # Which workspace: a channel id is looked up through every token's workspaces.
    team_id = native if kind == "workspace" else team_of_channel(slack, native)
    api = export.open_api(slack, team_id)
    me = api.call("auth.test")
    users = export.users(api, team_id)
    every = export.channels(api, team_id)
    # The cut-off is the time the source was seen: apply moves nothing posted after it.
    observed = api.stats.observed or created_at
    cutoff = f"{observed.timestamp():.6f}"
    chosen = [c for c in every if kind == "workspace" or c.id == native]
    source_name = str(me.get("team") or team_id) if kind == "workspace" else f"#{chosen[0].name}"
    moving, cannot = _moving(chosen)
    reads = _read_channels(api, moving, kind, cutoff)
    if kind == "channel":
        member_ids = export.members(api, native)
    else:
        member_ids = [u.id for u in users.values() if not u.deleted and not u.bot]
    return SlackSource(kind, team_id, source_name, cutoff, users, chosen, cannot, reads, member_ids)


def _moving(chosen: list[Any]) -> tuple[list[Any], list[Item]]:
    """The channels that move, and the reasons the others do not."""
    cannot: list[Item] = []
    moving: list[Any] = []
    for c in chosen:
        if c.private:
            cannot.append(
                Item(
                    what=f"private channel #{c.name}",
                    detail="private channels are out of the Teams import's scope; recreate it "
                    "as a private channel without its history",
                )
            )
        elif c.archived:
            cannot.append(
                Item(what=f"archived channel #{c.name}", detail="archived in Slack: not moved")
            )
        else:
            moving.append(c)
    return moving, cannot


def _read_channels(api: Any, moving: list[Any], kind: str, cutoff: str) -> list[ChannelRead]:
    """Each moving channel read, General first; a lone channel becomes the team's General."""
    taken: set[str] = set()
    reads: list[ChannelRead] = []
    for c in sorted(moving, key=lambda c: (not c.general, c.created, c.name)):
        target = "General" if c.general or kind == "channel" else channel_name(c.name, taken)
        reads.append(read_channel(api, c, target, cutoff))
    return reads


def team_of_channel(slack: Any, channel_id: str) -> str:
    """The workspace of a channel, found through the first configured token that reads it."""
    from govern_slack.api import Api, SlackCallError, Stats

    for token in [slack.token, *slack.workspace_tokens]:
        api = Api(token.get_secret_value(), slack, Stats())
        try:
            info = api.call("conversations.info", channel=channel_id)
        except SlackCallError:
            continue
        team = (info.get("channel") or {}).get("context_team_id") or api.call("auth.test").get(
            "team_id"
        )
        return str(team)
    from govern.errors import ConnectorError

    raise ConnectorError(
        f"Slack channel {channel_id}: no configured token can read it; add the workspace's "
        "token to slack.workspace_tokens"
    )
