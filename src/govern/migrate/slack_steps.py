"""The steps of a Slack-to-Teams plan, in Graph's order.

One team in migration mode; one channel per moving Slack channel; one import per channel;
completion of every channel, then of the team; then the members in bulk (Graph adds members
only after the migration completes).
"""

from __future__ import annotations

from govern.migrate.model import Person, Step, StepKind, make_step
from govern.migrate.slack_people import joins
from govern.migrate.slack_source import ChannelRead


def steps(
    reads: list[ChannelRead],
    people: list[Person],
    target_name: str,
    source_name: str,
    src: str,
    cutoff: str,
) -> list[Step]:
    """Every step of the plan of community ``src``, in the order apply runs them."""
    team_created = min([r.created_ms for r in reads], default=0)
    out = [
        make_step(
            StepKind.CREATE_TEAM,
            f"{src}/team",
            f"create team '{target_name}' in migration mode",
            name=target_name,
            description=f"Moved from Slack {source_name}.",
            created_ms=team_created,
        )
    ]
    out += _channel_steps(reads, src, team_created, cutoff)
    out.append(
        make_step(StepKind.COMPLETE_TEAM, f"{src}/complete-team", "complete the team's migration")
    )
    out.append(_members_step(people, src))
    return out


def _channel_steps(
    reads: list[ChannelRead], src: str, team_created: int, cutoff: str
) -> list[Step]:
    """Every channel created, then every channel imported, then every channel completed."""
    created = [
        make_step(
            StepKind.CREATE_CHANNEL,
            f"{src}/channel/{r.id}",
            f"create channel '{r.target}' for #{r.name}",
            slack_channel=r.id,
            name=r.target,
            general=r.target == "General",
            description=r.purpose[:1024],
            created_ms=max(r.created_ms, team_created),
        )
        for r in reads
    ]
    imported = [
        make_step(
            StepKind.IMPORT_MESSAGES,
            f"{src}/import/{r.id}",
            f"import #{r.name} into '{r.target}': {r.posts} messages, {r.replies} replies",
            slack_channel=r.id,
            name=r.target,
            posts=r.posts,
            replies=r.replies,
            digest=r.digest,
            cutoff=cutoff,
        )
        for r in reads
    ]
    completed = [
        make_step(
            StepKind.COMPLETE_CHANNEL,
            f"{src}/complete/{r.id}",
            f"complete the migration of '{r.target}'",
            name=r.target,
        )
        for r in reads
    ]
    return [*created, *imported, *completed]


def _members_step(people: list[Person], src: str) -> Step:
    """The members who join, owners marked, added in one bulk step."""
    joining = [p for p in people if joins(p)]
    members = sorted(
        {p.target_id: [p.target_id, p.role == "owner", p.email or ""] for p in joining}.values()
    )
    return make_step(
        StepKind.ADD_MEMBERS,
        f"{src}/members",
        f"add {len(members)} members in bulk ({sum(1 for m in members if m[1])} owners)",
        changes=len(members),
        members=members,
    )
