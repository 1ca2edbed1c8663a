"""Planning a Slack workspace or channel into Microsoft Teams, history included.

Reads the source whole through slack-sdk (users, channels, members, every message and thread up
to a cut-off), the tenant's directory through msgraph-sdk, and writes the review and the steps:
one team in migration mode; one channel per public channel (``#general`` is the team's General
channel); one import step per channel; completion of every channel and then of the team; the
members, in bulk, only after that (Graph's order). What cannot move is listed with the reason
Graph's import guide gives (private channels, reactions, edits' history, at-mentions, files'
content), and so are the people who do not match and the guests.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govern.migrate.messages import ts_ms
from govern.migrate.model import (
    Check,
    Endpoint,
    Item,
    MatchStatus,
    MigrationPlan,
    Person,
    Review,
    Step,
    StepKind,
    make_step,
)
from govern.migrate.people import Account, Directory
from govern.migrate.planfile import new_id, seal

TEAMS_CHANNEL_LIMIT = 1000
"""Channels per team, deleted ones included (Teams limits and specifications)."""
TEAMS_MEMBER_LIMIT = 25_000
TEAMS_OWNER_LIMIT = 100
TEAMS_PER_USER_LIMIT = 1000
"""Teams a user can be a member of."""
IMPORT_RPS = 5.0
"""Graph's import throttling: 5 requests per second per channel."""
_BAD = re.compile(r"[~#%&*{}+/\\:<>?|'\",]+")

PERMISSIONS = [
    "Microsoft Graph: Teamwork.Migrate.All (create the team and channels, import, complete)",
    "Microsoft Graph: TeamMember.ReadWrite.All (add the members after completion)",
    "Microsoft Graph: User.Read.All, GroupMember.Read.All (match people, check the name)",
    "Slack: channels:read, channels:history, users:read, users:read.email",
]


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


@dataclass(frozen=True)
class Request:
    """What ``govern migrate`` was asked."""

    community_id: str
    target_name: str | None = None
    fallback_author: str | None = None
    owners: tuple[str, ...] = ()
    import_rps: float = IMPORT_RPS


def channel_name(name: str, taken: set[str]) -> str:
    """A valid, unique Teams channel name for a Slack channel name."""
    clean = _BAD.sub("-", name).strip(" .-_")[:50] or "channel"
    candidate, n = clean, 1
    while candidate.lower() in taken or candidate.lower() == "general":
        n += 1
        candidate = f"{clean[:46]}-{n}"
    taken.add(candidate.lower())
    return candidate


def _date(ts: str | None) -> str:
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d") if ts else "-"


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
    from govern_slack import export

    created_at = now or datetime.now(UTC)
    _, kind, native = request.community_id.split(":", 2)
    if kind not in ("workspace", "channel"):
        from govern.errors import PlanError

        raise PlanError(
            f"{request.community_id}: only a Slack workspace or channel moves to Teams; "
            "`govern inventory list --connector slack` shows them"
        )
    # Which workspace: a channel id is looked up through every token's workspaces.
    team_id = native if kind == "workspace" else _team_of_channel(slack, native)
    api = export.open_api(slack, team_id)
    me = api.call("auth.test")
    users = export.users(api, team_id)
    every = export.channels(api, team_id)
    observed = api.stats.observed or created_at
    cutoff = f"{observed.timestamp():.6f}"
    chosen = [c for c in every if kind == "workspace" or c.id == native]
    source_name = str(me.get("team") or team_id) if kind == "workspace" else f"#{chosen[0].name}"
    target_name = request.target_name or (
        source_name if kind == "workspace" else chosen[0].name.replace("-", " ").title()
    )
    plan_id = new_id(created_at)
    marker = f"[govern migration {plan_id}]"

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
    taken: set[str] = set()
    reads: list[ChannelRead] = []
    for c in sorted(moving, key=lambda c: (not c.general, c.created, c.name)):
        target = "General" if c.general or kind == "channel" else channel_name(c.name, taken)
        reads.append(read_channel(api, c, target, cutoff))
    member_ids: list[str] = []
    if kind == "channel":
        member_ids = export.members(api, native)
    else:
        member_ids = [u.id for u in users.values() if not u.deleted and not u.bot]

    accounts, name_taken = asyncio.run(_tenant(m365, target_name))
    directory = Directory(accounts)
    posts = Counter[str]()
    for r in reads:
        posts.update(r.authors)
    people, authors, checks = _people(
        request, users, member_ids, posts, directory, chosen, kind, teams_of or {}
    )
    fallback: tuple[str, str] | None = None
    if request.fallback_author:
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
        else:
            fallback = (fb.account.id, fb.account.name)
    strangers = [uid for uid in posts if uid not in authors]
    if strangers and fallback is None and not any(c.id == "fallback-author" for c in checks):
        n = sum(posts[uid] for uid in strangers)
        checks.append(
            Check(
                id="unmatched-authors",
                blocking=True,
                message=f"{len(strangers)} people with no account in the tenant wrote {n} "
                "messages and some replies; Graph imports a message only under a tenant user: "
                "pass --fallback-author EMAIL (each message then names its Slack author)",
            )
        )
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

    steps = _steps(reads, people, target_name, source_name, marker, request, cutoff)
    review = _review(reads, people, cannot, checks, target_name, source_name)
    names = {u.id: u.name for u in users.values()}
    plan = MigrationPlan(
        migration="slack-to-teams",
        id=plan_id,
        created_at=created_at,
        source=Endpoint(
            tool="slack",
            kind=kind,
            name=source_name,
            id=request.community_id,
            path=source_path,
        ),
        target=Endpoint(tool="m365", kind="team", name=target_name),
        options={
            "team_id": team_id,
            "cutoff": cutoff,
            "import_rps": request.import_rps,
            "marker": marker,
            "authors": {uid: list(acc) for uid, acc in sorted(authors.items())},
            "fallback_author": list(fallback) if fallback else None,
            "names": dict(sorted(names.items())),
            "emails": {u.id: u.email for u in users.values() if u.email},
        },
        review=review,
        steps=steps,
    )
    return seal(plan)


def _team_of_channel(slack: Any, channel_id: str) -> str:
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


def _people(
    request: Request,
    users: dict[str, Any],
    member_ids: list[str],
    posts: Counter[str],
    directory: Directory,
    channels: list[Any],
    kind: str,
    teams_of: dict[str, int],
) -> tuple[list[Person], dict[str, tuple[str, str]], list[Check]]:
    """Everyone involved, matched; authors' tenant accounts; checks on people."""
    checks: list[Check] = []
    creators = {c.creator for c in channels} if kind == "channel" else set()
    involved = list(dict.fromkeys([*member_ids, *posts]))
    people: list[Person] = []
    authors: dict[str, tuple[str, str]] = {}
    extra_owners = {e.lower() for e in request.owners}
    for uid in involved:
        u = users.get(uid)
        if u is None:
            people.append(
                Person(
                    source_id=uid,
                    name=uid,
                    status=MatchStatus.UNMATCHED,
                    guest="external",
                    posts=posts.get(uid, 0),
                    needs="partner decision: a member of another organisation (Slack Connect); "
                    "invite as a guest or leave out",
                )
            )
            continue
        if u.bot:
            continue
        m = directory.match(u.email)
        owner = (u.owner or u.admin) if kind == "workspace" else uid in creators
        if u.email and u.email.lower() in extra_owners:
            owner = True
        needs = ""
        if u.guest in ("single-channel", "multi-channel"):
            needs = "a guest invitation (Entra B2B) before they can be added"
        elif u.guest == "external":
            needs = "partner decision: invite as a guest or leave out"
        elif m.status is MatchStatus.UNMATCHED:
            needs = "an account in the tenant, or their Slack email changed to their work email"
        elif m.status is MatchStatus.DISABLED:
            needs = "their account is disabled: not added; messages keep their name"
        elif m.status is MatchStatus.AMBIGUOUS:
            needs = "two accounts carry this email: fix the directory, then plan again"
        elif m.status is MatchStatus.NO_EMAIL:
            needs = "Slack shows no email (users:read.email scope?)"
        person = Person(
            source_id=uid,
            name=u.name,
            email=u.email,
            status=m.status,
            target_id=m.account.id if m.account else None,
            target_name=m.account.name if m.account else None,
            role="owner" if owner else "member",
            guest=u.guest,
            posts=posts.get(uid, 0),
            needs=needs,
        )
        people.append(person)
        if m.account is not None and m.status in (MatchStatus.MATCHED, MatchStatus.DISABLED):
            authors[uid] = (m.account.id, m.account.name)
        if m.account is not None and teams_of.get(m.account.id, 0) >= TEAMS_PER_USER_LIMIT:
            checks.append(
                Check(
                    id=f"team-limit-{uid}",
                    blocking=True,
                    message=f"{u.email} is already in {teams_of[m.account.id]} teams, Teams' "
                    f"limit is {TEAMS_PER_USER_LIMIT}: remove them from a team or leave them out",
                )
            )
    joining = [p for p in people if _joins(p)]
    owners = [p for p in joining if p.role == "owner"]
    missing_owners = extra_owners - {p.email for p in people if p.email}
    for email in sorted(missing_owners):
        m = directory.match(email)
        if m.account is not None and m.status is MatchStatus.MATCHED:
            people.append(
                Person(
                    source_id=f"owner:{email}",
                    name=m.account.name,
                    email=email,
                    status=MatchStatus.MATCHED,
                    target_id=m.account.id,
                    target_name=m.account.name,
                    role="owner",
                )
            )
            owners.append(people[-1])
        else:
            checks.append(
                Check(
                    id=f"owner-{email}",
                    blocking=True,
                    message=f"--owner {email} is {m.status.value} in the tenant",
                )
            )
    if not owners:
        checks.append(
            Check(
                id="no-owner",
                blocking=True,
                message="no Slack owner or admin matches an enabled account: name the team's "
                "owners with --owner EMAIL (two is the safe number)",
            )
        )
    elif len(owners) < 2:
        checks.append(
            Check(
                id="one-owner",
                blocking=False,
                message="the team will have one owner; add a second with --owner EMAIL",
            )
        )
    if len(joining) > TEAMS_MEMBER_LIMIT:
        checks.append(
            Check(
                id="member-limit",
                blocking=True,
                message=f"{len(joining)} members exceed Teams' {TEAMS_MEMBER_LIMIT} per team",
            )
        )
    if len(owners) > TEAMS_OWNER_LIMIT:
        checks.append(
            Check(
                id="owner-limit",
                blocking=True,
                message=f"{len(owners)} owners exceed Teams' {TEAMS_OWNER_LIMIT} per team",
            )
        )
    return people, authors, checks


def _joins(p: Person) -> bool:
    return p.status is MatchStatus.MATCHED and p.guest is None and p.target_id is not None


def _steps(
    reads: list[ChannelRead],
    people: list[Person],
    target_name: str,
    source_name: str,
    marker: str,
    request: Request,
    cutoff: str,
) -> list[Step]:
    src = request.community_id
    team_created = min([r.created_ms for r in reads], default=0)
    steps = [
        make_step(
            StepKind.CREATE_TEAM,
            f"{src}/team",
            f"create team '{target_name}' in migration mode",
            name=target_name,
            description=f"Moved from Slack {source_name}.",
            created_ms=team_created,
        )
    ]
    for r in reads:
        steps.append(
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
        )
    for r in reads:
        steps.append(
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
        )
    for r in reads:
        steps.append(
            make_step(
                StepKind.COMPLETE_CHANNEL,
                f"{src}/complete/{r.id}",
                f"complete the migration of '{r.target}'",
                name=r.target,
            )
        )
    steps.append(
        make_step(StepKind.COMPLETE_TEAM, f"{src}/complete-team", "complete the team's migration")
    )
    joining = [p for p in people if _joins(p)]
    members = sorted(
        {p.target_id: [p.target_id, p.role == "owner", p.email or ""] for p in joining}.values()
    )
    steps.append(
        make_step(
            StepKind.ADD_MEMBERS,
            f"{src}/members",
            f"add {len(members)} members in bulk ({sum(1 for m in members if m[1])} owners)",
            changes=len(members),
            members=members,
        )
    )
    return steps


def _review(
    reads: list[ChannelRead],
    people: list[Person],
    cannot: list[Item],
    checks: list[Check],
    target_name: str,
    source_name: str,
) -> Review:
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
    joining = [p for p in people if _joins(p)]
    moves.append(
        Item(
            what="members matched by email",
            count=len(joining),
            detail=f"{sum(1 for p in joining if p.role == 'owner')} owners; added in bulk after "
            "the migration completes",
        )
    )
    total = Counter[str]()
    for r in reads:
        total.update(
            files=r.files, edits=r.edits, reactions=r.reactions, system=r.system, bytes=r.file_bytes
        )
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
    notes = [
        "apply reads each channel again up to the plan's cut-off: messages posted after the "
        "plan stay in Slack for a later plan",
        "members can be added only after the migration completes (Graph's rule); the team is "
        "invisible to them until then",
    ]
    return Review(
        moves=moves,
        cannot_move=cannot,
        people=people,
        checks=checks,
        permissions=list(PERMISSIONS),
        notes=notes,
    )
