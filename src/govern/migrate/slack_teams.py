"""Planning a Slack workspace or channel into Microsoft Teams, history included.

Reads the source whole through slack-sdk (``slack_source``: users, channels, members, every
message and thread up to a cut-off), the tenant's directory through msgraph-sdk, matches the
people (``slack_people``) and writes the review (``slack_review``) and the steps
(``slack_steps``): one team in migration mode; one channel per public channel (``#general`` is
the team's General channel); one import step per channel; completion of every channel and then
of the team; the members, in bulk, only after that (Graph's order). What cannot move is listed
with the reason Graph's import guide gives, and so are the people who do not match and the
guests. This module asks, checks what concerns the whole plan, and assembles it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from govern.migrate import slack_review, slack_steps
from govern.migrate.model import Check, Endpoint, MatchStatus, MigrationPlan, Person
from govern.migrate.people import Account, Directory
from govern.migrate.planfile import new_id, seal
from govern.migrate.slack_people import Authors, match_people
from govern.migrate.slack_review import PERMISSIONS
from govern.migrate.slack_source import (
    ChannelRead,
    SlackSource,
    channel_name,
    read_channel,
    read_source,
)
from govern.migrate.teams_limits import (
    IMPORT_RPS,
    TEAMS_CHANNEL_LIMIT,
    TEAMS_MEMBER_LIMIT,
    TEAMS_OWNER_LIMIT,
    TEAMS_PER_USER_LIMIT,
)

__all__ = [
    "IMPORT_RPS",
    "PERMISSIONS",
    "TEAMS_CHANNEL_LIMIT",
    "TEAMS_MEMBER_LIMIT",
    "TEAMS_OWNER_LIMIT",
    "TEAMS_PER_USER_LIMIT",
    "ChannelRead",
    "Request",
    "channel_name",
    "plan_slack_to_teams",
    "read_channel",
]


@dataclass(frozen=True)
class Request:
    """What ``govern migrate`` was asked."""

    community_id: str
    target_name: str | None = None
    fallback_author: str | None = None
    owners: tuple[str, ...] = ()
    import_rps: float = IMPORT_RPS


async def _tenant(m365: Any, name: str) -> tuple[list[Account], list[dict[str, Any]]]:
    from govern_m365 import migration
    from govern_m365.session import Session

    async with Session(m365) as session:
        users = await migration.tenant_users(session)
        taken = await migration.groups_named(session, name)
    accounts = [Account(u.id, u.name, u.mail, u.upn, u.enabled) for u in users]
    return accounts, taken


def plan_slack_to_teams(
    request: Request,
    slack: Any,
    m365: Any,
    *,
    source_path: str | None = None,
    teams_of: dict[str, int] | None = None,
    now: datetime | None = None,
) -> MigrationPlan:
    """The migration plan of a Slack workspace (``slack:workspace:T..``) or channel."""
    created_at = now or datetime.now(UTC)
    kind, native = _source_of(request.community_id)
    source = read_source(slack, kind, native, created_at)
    target_name = request.target_name or (
        source.source_name
        if kind == "workspace"
        else source.chosen[0].name.replace("-", " ").title()
    )
    plan_id = new_id(created_at)
    marker = f"[govern migration {plan_id}]"

    accounts, name_taken = asyncio.run(_tenant(m365, target_name))
    directory = Directory(accounts)
    people, authors, fallback, checks = _match(request, source, directory, teams_of or {})
    checks += _plan_checks(request, source.reads, target_name, bool(name_taken))

    steps = slack_steps.steps(
        source.reads, people, target_name, source.source_name, request.community_id, source.cutoff
    )
    review = slack_review.review(
        source.reads, people, source.cannot, checks, target_name, source.source_name
    )
    plan = MigrationPlan(
        migration="slack-to-teams",
        id=plan_id,
        created_at=created_at,
        source=Endpoint(
            tool="slack",
            kind=kind,
            name=source.source_name,
            id=request.community_id,
            path=source_path,
        ),
        target=Endpoint(tool="m365", kind="team", name=target_name),
        options=_options(request, source, marker, authors, fallback),
        review=review,
        steps=steps,
    )
    return seal(plan)


def _source_of(community_id: str) -> tuple[str, str]:
    """``(kind, native id)`` of a Slack workspace or channel; anything else is refused."""
    _, kind, native = community_id.split(":", 2)
    if kind not in ("workspace", "channel"):
        from govern.errors import PlanError

        raise PlanError(
            f"{community_id}: only a Slack workspace or channel moves to Teams; "
            "`govern inventory list --connector slack` shows them"
        )
    return kind, native


def _match(
    request: Request, source: SlackSource, directory: Directory, teams_of: dict[str, int]
) -> tuple[list[Person], Authors, tuple[str, str] | None, list[Check]]:
    """People matched, authors' accounts, the fallback author, and the checks on them."""
    posts = Counter[str]()
    for r in source.reads:
        posts.update(r.authors)
    people, authors, checks = match_people(
        source.users,
        source.member_ids,
        posts,
        directory,
        source.chosen,
        source.kind,
        request.owners,
        teams_of,
    )
    fallback = _fallback(request, directory, checks)
    checks += _authors_check(posts, authors, fallback, checks)
    return people, authors, fallback, checks


def _fallback(
    request: Request, directory: Directory, checks: list[Check]
) -> tuple[str, str] | None:
    """The ``--fallback-author``'s (account id, name), or None with a blocking check added."""
    if not request.fallback_author:
        return None
    fb = directory.match(request.fallback_author)
    if fb.account is None or fb.status is not MatchStatus.MATCHED:
        checks.append(
            Check(
                id="fallback-author",
                blocking=True,
                message=f"--fallback-author {request.fallback_author} is {fb.status.value} "
                "in the tenant; name an enabled account",
            )
        )
        return None
    return fb.account.id, fb.account.name


def _authors_check(
    posts: Counter[str],
    authors: Authors,
    fallback: tuple[str, str] | None,
    checks: list[Check],
) -> list[Check]:
    """Blocks when people without an account wrote messages and no fallback author stands in.

    Said once: a refused ``--fallback-author`` already says what to do.
    """
    strangers = [uid for uid in posts if uid not in authors]
    if not strangers or fallback is not None or any(c.id == "fallback-author" for c in checks):
        return []
    n = sum(posts[uid] for uid in strangers)
    return [
        Check(
            id="unmatched-authors",
            blocking=True,
            message=f"{len(strangers)} people with no account in the tenant wrote {n} "
            "messages and some replies; Graph imports a message only under a tenant user: "
            "pass --fallback-author EMAIL (each message then names its Slack author)",
        )
    ]


def _plan_checks(
    request: Request, reads: list[ChannelRead], target_name: str, name_taken: bool
) -> list[Check]:
    """The target's name, the channel count, something to move, and the import rate."""
    checks: list[Check] = []
    if name_taken:
        checks.append(
            Check(
                id="target-name-taken",
                blocking=True,
                message=f"a group or team named '{target_name}' already exists in the tenant; "
                "choose another name with --to",
            )
        )
    if len(reads) > TEAMS_CHANNEL_LIMIT:
        checks.append(
            Check(
                id="channel-limit",
                blocking=True,
                message=f"{len(reads)} channels exceed Teams' {TEAMS_CHANNEL_LIMIT} per team",
            )
        )
    if not reads:
        checks.append(
            Check(id="nothing-to-move", blocking=True, message="no public channel to move")
        )
    if request.import_rps > IMPORT_RPS:
        checks.append(
            Check(
                id="import-rate",
                blocking=False,
                message=f"--import-rps {request.import_rps:g} is over Graph's {IMPORT_RPS:g} "
                "requests per second per channel: expect throttling (429) and retries",
            )
        )
    return checks


def _options(
    request: Request,
    source: SlackSource,
    marker: str,
    authors: Authors,
    fallback: tuple[str, str] | None,
) -> dict[str, Any]:
    """What apply needs beyond the steps: the cut-off, the rate, who wrote what, names."""
    users = source.users.values()
    return {
        "team_id": source.team_id,
        "cutoff": source.cutoff,
        "import_rps": request.import_rps,
        "marker": marker,
        "authors": {uid: list(acc) for uid, acc in sorted(authors.items())},
        "fallback_author": list(fallback) if fallback else None,
        "names": dict(sorted({u.id: u.name for u in users}.items())),
        "emails": {u.id: u.email for u in users if u.email},
    }
