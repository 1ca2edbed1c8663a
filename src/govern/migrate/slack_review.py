"""The review of a Slack-to-Teams plan: what moves, what cannot and why, people, checks.

What cannot move is named with the reason Graph's import guide gives (private channels,
reactions, edits' history, at-mentions, files' content).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from govern.migrate.model import Check, Item, Person, Review
from govern.migrate.slack_people import joins
from govern.migrate.slack_source import ChannelRead

PERMISSIONS = [
    "Microsoft Graph: Teamwork.Migrate.All (create the team and channels, import, complete)",
    "Microsoft Graph: TeamMember.ReadWrite.All (add the members after completion)",
    "Microsoft Graph: User.Read.All, GroupMember.Read.All (match people, check the name)",
    "Slack: channels:read, channels:history, users:read, users:read.email",
]

NOTES = [
    "apply reads each channel again up to the plan's cut-off: messages posted after the "
    "plan stay in Slack for a later plan",
    "members can be added only after the migration completes (Graph's rule); the team is "
    "invisible to them until then",
]


def review(
    reads: list[ChannelRead],
    people: list[Person],
    cannot: list[Item],
    checks: list[Check],
    target_name: str,
    source_name: str,
) -> Review:
    """The review: ``cannot`` (channels that stay) followed by what no channel carries."""
    return Review(
        moves=_moves(reads, people, target_name, source_name),
        cannot_move=[*cannot, *_left_behind(reads)],
        people=people,
        checks=checks,
        permissions=list(PERMISSIONS),
        notes=list(NOTES),
    )


def _date(ts: str | None) -> str:
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d") if ts else "-"


def _moves(
    reads: list[ChannelRead], people: list[Person], target_name: str, source_name: str
) -> list[Item]:
    """The team, each channel with its counts and dates, and the members who join."""
    moves = [Item(what=f"team '{target_name}' from Slack {source_name}", count=len(reads))]
    for r in reads:
        moves.append(
            Item(
                what=f"#{r.name} -> {r.target}",
                count=r.posts + r.replies,
                detail=f"{r.posts} messages and {r.replies} replies, {_date(r.first)} to "
                f"{_date(r.last)}, original times and authors",
            )
        )
    joining = [p for p in people if joins(p)]
    moves.append(
        Item(
            what="members matched by email",
            count=len(joining),
            detail=f"{sum(1 for p in joining if p.role == 'owner')} owners; added in bulk after "
            "the migration completes",
        )
    )
    return moves


def _left_behind(reads: list[ChannelRead]) -> list[Item]:
    """What the moving channels hold that the import does not carry, counted."""
    total = Counter[str]()
    for r in reads:
        total.update(
            files=r.files, edits=r.edits, reactions=r.reactions, system=r.system, bytes=r.file_bytes
        )
    cannot: list[Item] = []
    if total["files"]:
        cannot.append(
            Item(
                what="files",
                count=total["files"],
                detail=f"{total['bytes'] / 1e6:.1f} MB stay in Slack: each is listed with its "
                "link under its message (the import carries inline images only)",
            )
        )
    if total["reactions"]:
        cannot.append(
            Item(what="reactions", count=total["reactions"], detail="out of the import's scope")
        )
    if total["edits"]:
        cannot.append(
            Item(
                what="edited messages' earlier versions",
                count=total["edits"],
                detail="the final text moves, the edit history does not",
            )
        )
    if total["system"]:
        cannot.append(
            Item(
                what="join and leave events",
                count=total["system"],
                detail="system messages, not posts: Teams records its own membership",
            )
        )
    cannot.append(
        Item(what="at-mentions", detail="become the person's name as text (out of scope)")
    )
    return cannot
