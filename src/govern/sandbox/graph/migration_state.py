"""The sandbox's imported teams: their state, the clock, and the lookups every endpoint shares.

Imported teams live beside the organisation for the server's lifetime, one ``Imports`` per
server; ``teams_migration`` lists the endpoints and what Graph documents of them.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govern.sandbox import ids
from govern.sandbox.graph.core import Call, GraphState
from govern.sandbox.graph.directory import group_index
from govern.sandbox.graph.errors import GraphError, bad_request


@dataclass
class Message:
    """One imported message (or reply)."""

    id: str
    created_ms: int
    user_id: str
    user_name: str
    content_type: str
    content: str
    reply_to: str | None
    attachments: list[dict[str, Any]]


@dataclass
class MigChannel:
    """A channel of an imported team."""

    id: str
    name: str
    description: str
    created_ms: int
    migrating: bool
    app: str
    general: bool = False
    messages: dict[str, Message] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    stamps: set[int] = field(default_factory=set)
    replies: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class MigTeam:
    """A team created in migration mode."""

    gid: str
    group: int
    created_ms: int
    migrating: bool
    app: str
    channels: dict[str, MigChannel] = field(default_factory=dict)


@dataclass
class Imports:
    """Every imported team of one server, and the per-channel import buckets."""

    teams: dict[str, MigTeam] = field(default_factory=dict)
    buckets: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    imported: int = 0
    throttled: int = 0
    """Imports refused with 429 for going over 5 per second in one channel."""


_IMPORTS: weakref.WeakKeyDictionary[GraphState, Imports] = weakref.WeakKeyDictionary()


def imports(state: GraphState) -> Imports:
    """The imported teams of a server (created on first use)."""
    found = _IMPORTS.get(state)
    if found is None:
        found = _IMPORTS[state] = Imports()
    return found


def in_migration(state: GraphState, group: int) -> bool:
    """Whether a group's team is still in migration mode (no members may be added yet)."""
    for team in imports(state).teams.values():
        if team.group == group:
            return team.migrating
    return False


def refuse_members_while_migrating(call: Call, group: int) -> None:
    """The 400 for a membership change on a team in migration mode."""
    if in_migration(call.state, group):
        raise bad_request(
            "Members cannot be added to a team in migration mode; complete the migration "
            "first (POST /teams/{id}/completeMigration).",
            "BadRequest",
        )


def millis(moment: datetime) -> int:
    """A moment in milliseconds since the epoch."""
    return int(moment.timestamp() * 1000)


def iso_ms(ms: int) -> str:
    """Milliseconds as Graph writes a dateTime: ISO 8601, milliseconds, ``Z``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{ms % 1000:03d}Z"
    )


def created_ms(call: Call, body: dict[str, Any], mode_key: str, required: bool) -> int | None:
    """``createdDateTime`` in ms, checked against the creation mode and the clock."""
    raw = body.get("createdDateTime")
    mode = body.get(mode_key)
    if raw is not None and mode != "migration":
        raise bad_request(
            f"createdDateTime can only be set with {mode_key} 'migration'.", "BadRequest"
        )
    if mode is not None and mode != "migration":
        raise bad_request(f"Invalid value '{mode}' for {mode_key}.", "BadRequest")
    if raw is None:
        if required:
            raise bad_request("createdDateTime is required in migration mode.", "BadRequest")
        return None
    try:
        when = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Invalid createdDateTime '{raw}'.", "BadRequest") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ms = millis(when)
    if ms > now_ms(call):
        raise bad_request("createdDateTime cannot be in the future.", "BadRequest")
    return ms


def now_ms(call: Call) -> int:
    """The organisation's clock, in milliseconds."""
    return millis(ids.to_datetime(call.org.now))


def team_of(call: Call) -> MigTeam:
    """The imported team of the path's ``{tid}``, or 404."""
    team = imports(call.state).teams.get(call.params["tid"])
    if team is None:
        group_index(call, call.params["tid"])  # 404 for an unknown id
        raise GraphError(
            404, "NotFound", f"No imported team with id {call.params['tid']} in the sandbox."
        )
    return team


def channel_of(call: Call, team: MigTeam) -> MigChannel:
    """The channel of the path's ``{cid}`` in ``team``, or 404."""
    channel = team.channels.get(call.params["cid"])
    if channel is None:
        raise GraphError(404, "NotFound", f"Channel {call.params['cid']} not found.")
    return channel
