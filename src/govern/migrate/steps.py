"""The executor of each Slack-to-Teams step: idempotent, so a resumed run never duplicates.

Each executor takes the run's :class:`Context` and its step, does the step through the
connectors' migration modules, and returns what the journal records after it (ids created,
counts). A step finds what an earlier attempt already did before doing anything: the team by
its name and the plan's marker, a channel by name, messages by their ``createdDateTime`` (unique
to the millisecond in a channel), completion by Graph's "not in migration mode".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from govern.errors import ConnectorError
from govern.migrate.messages import to_html, ts_ms, unique_times
from govern.migrate.model import MigrationPlan, Step, StepKind

Progress = Callable[[str, str], None]
"""(step id, message): how far a long step got, journaled."""


@dataclass
class Context:
    """What the steps of one run share: the plan, earlier results, the open sessions."""

    plan: MigrationPlan
    results: dict[str, dict[str, Any]]
    """``after`` of every step done so far (this attempt and earlier ones), by step id."""
    session: Any
    slack: Any
    progress: Progress
    concurrency: int = 8
    sent: dict[str, int] = field(default_factory=dict)

    @property
    def source(self) -> Any:
        """The source tool's client: Slack's API, or a Confluence ``SpaceMover``."""
        return self.slack

    def after(self, kind: StepKind, **match: Any) -> dict[str, Any]:
        """The result of the done step of ``kind`` whose params match."""
        for step in self.plan.steps:
            if step.kind is kind and all(step.params.get(k) == v for k, v in match.items()):
                found = self.results.get(step.id)
                if found is not None:
                    return found
        raise ConnectorError(f"step {kind.value} {match} has not run; apply the plan again")

    @property
    def team_id(self) -> str:
        """The id of the team the first step created."""
        return str(self.after(StepKind.CREATE_TEAM)["team_id"])

    def channel_id(self, slack_channel: str) -> str:
        """The Teams channel made for a Slack channel."""
        return str(self.after(StepKind.CREATE_CHANNEL, slack_channel=slack_channel)["channel_id"])


async def create_team(ctx: Context, step: Step) -> dict[str, Any]:
    """Create the team in migration mode, or find the one an earlier attempt created."""
    from govern_m365 import migration

    p = step.params
    marker = str(ctx.plan.options["marker"])
    team_id = await migration.create_team(
        ctx.session, p["name"], p["description"], marker, int(p["created_ms"])
    )
    return {"team_id": team_id}


async def create_channel(ctx: Context, step: Step) -> dict[str, Any]:
    """Create a channel in migration mode (General exists with the team)."""
    from govern_m365 import migration

    p = step.params
    if p.get("general"):
        found = await migration.channels(ctx.session, ctx.team_id)
        if "general" not in found:
            raise ConnectorError(f"team {ctx.team_id} has no General channel")
        return {"channel_id": found["general"]}
    channel_id = await migration.create_channel(
        ctx.session, ctx.team_id, p["name"], p["description"], int(p["created_ms"])
    )
    return {"channel_id": channel_id}


def _author(ctx: Context, uid: str) -> tuple[tuple[str, str], str | None]:
    """The tenant account a message is imported under, and who to name when it is a stand-in."""
    opts = ctx.plan.options
    found = opts["authors"].get(uid)
    if found:
        return (str(found[0]), str(found[1])), None
    fallback = opts.get("fallback_author")
    if not fallback:
        raise ConnectorError(f"Slack user {uid} has no tenant account and the plan names no "
                             "fallback author; plan again with --fallback-author")  # fmt: skip
    name = opts["names"].get(uid, uid)
    email = opts.get("emails", {}).get(uid)
    return (str(fallback[0]), str(fallback[1])), f"{name} ({email})" if email else name


async def import_messages(ctx: Context, step: Step) -> dict[str, Any]:
    """Import a channel's messages and replies that are not there yet, in time order."""
    from govern_m365 import migration
    from govern_slack import export

    p = step.params
    team_id, channel_id = ctx.team_id, ctx.channel_id(p["slack_channel"])
    opts = ctx.plan.options
    names: dict[str, str] = opts["names"]
    posts = await asyncio.to_thread(  # slack-sdk is synchronous: other channels go on meanwhile
        lambda: [m for m in export.history(ctx.slack, p["slack_channel"], p["cutoff"]) if m.is_post]
    )
    flat = sorted(
        [(m.ts, m, None) for m in posts] + [(r.ts, r, m.ts) for m in posts for r in m.replies],
        key=lambda t: float(t[0]),
    )
    times = dict(zip((t[0] for t in flat), unique_times(ts_ms(t[0]) for t in flat), strict=True))
    existing = await migration.imported(ctx.session, team_id, channel_id)
    ids: dict[str, str] = {}
    for ts, _, _ in flat:
        if times[ts] in existing:
            ids[ts] = existing[times[ts]].id
    importer = migration.Importer(ctx.session, float(opts.get("import_rps", 5.0)))
    total, done = len(flat), len(ids)

    async def one(msg: Any, parent: str | None) -> None:
        author, stand_in = _author(ctx, msg.user)
        html = to_html(
            msg.text,
            lambda uid: names.get(uid, uid),
            [(f.name, f.permalink) for f in msg.files],
            stand_in,
        )
        new = await importer.message(
            team_id, channel_id, times[msg.ts], author, html, ids[parent] if parent else None
        )
        if new is not None:
            ids[msg.ts] = new

    async def wave(batch: list[tuple[Any, str | None]]) -> None:
        nonlocal done
        for start in range(0, len(batch), ctx.concurrency):
            chunk = batch[start : start + ctx.concurrency]
            await asyncio.gather(*(one(m, parent) for m, parent in chunk))
            done += len(chunk)
            if done // 500 != (done - len(chunk)) // 500:
                ctx.progress(step.id, f"'{p['name']}': imported {done} of {total}")

    await wave([(m, None) for ts, m, parent in flat if parent is None and ts not in ids])
    missing = [ts for ts, _, parent in flat if parent is None and ts not in ids]
    if missing:  # 409: imported by an attempt that died before recording it; read the ids
        existing = await migration.imported(ctx.session, team_id, channel_id)
        for ts in missing:
            if times[ts] in existing:
                ids[ts] = existing[times[ts]].id
    await wave([(m, parent) for ts, m, parent in flat if parent is not None and ts not in ids])
    after = {
        "team_id": team_id,
        "channel_id": channel_id,
        "messages": len(posts),
        "replies": total - len(posts),
        "already_there": len(existing) if existing else 0,
        "requests": importer.sent,
    }
    if len(posts) != p["posts"] or total - len(posts) != p["replies"]:
        after["note"] = (
            f"the plan saw {p['posts']} messages and {p['replies']} replies up to its cut-off; "
            f"Slack now shows {len(posts)} and {total - len(posts)} (deleted since)"
        )
    return after


async def complete_channel(ctx: Context, step: Step) -> dict[str, Any]:
    """Complete one channel's migration (done before is done)."""
    from govern_m365 import migration

    slack_channel = next(
        s.params["slack_channel"]
        for s in ctx.plan.steps
        if s.kind is StepKind.CREATE_CHANNEL and s.params["name"] == step.params["name"]
    )
    channel_id = ctx.channel_id(slack_channel)
    changed = await migration.complete_channel(ctx.session, ctx.team_id, channel_id)
    return {"channel_id": channel_id, "completed_now": changed}


async def complete_team(ctx: Context, step: Step) -> dict[str, Any]:
    """Complete the team's migration (done before is done)."""
    from govern_m365 import migration

    changed = await migration.complete_team(ctx.session, ctx.team_id)
    return {"team_id": ctx.team_id, "completed_now": changed}


async def add_members(ctx: Context, step: Step) -> dict[str, Any]:
    """Add the matched members and owners in bulk (adding a member twice is harmless)."""
    from govern_m365 import migration

    people = [(str(uid), bool(owner)) for uid, owner, _ in step.params["members"]]
    refused = await migration.add_members(ctx.session, ctx.team_id, people)
    if refused:
        emails = {str(uid): email for uid, _, email in step.params["members"]}
        names = ", ".join(f"{emails.get(u, u)} ({why})" for u, why in sorted(refused.items()))
        raise ConnectorError(f"Graph refused {len(refused)} members: {names}")
    return {"team_id": ctx.team_id, "added": len(people)}


async def revoke_consents(ctx: Context, step: Step) -> dict[str, Any]:
    """Revoke the planned consents of people who are in the target now, never of others."""
    from govern_m365 import migration

    p = step.params
    members = await migration.group_member_ids(ctx.session, str(p["group_id"]))
    revoked: list[dict[str, str]] = []
    kept: list[str] = []
    gone = 0
    for grant_id, principal, email, scope in p["grants"]:
        if principal not in members:
            kept.append(email or principal)  # left the target since the plan: keeps the app
            continue
        if await migration.revoke_consent(ctx.session, grant_id):
            revoked.append(
                {
                    "grant": grant_id,
                    "clientId": p["client_id"],
                    "principalId": principal,
                    "email": email,
                    "scope": scope,
                    "undo": f"{email or principal} consents to {p['app']} again, or an admin "
                    "POSTs this grant back to /oauth2PermissionGrants",
                }
            )
        else:
            gone += 1
    after: dict[str, Any] = {"revoked": revoked, "already_gone": gone, "kept": kept}
    if kept:
        after["note"] = f"{len(kept)} people left the target since the plan and keep the app"
    return after


Executor = Callable[[Context, Step], Awaitable[dict[str, Any]]]

EXECUTORS: dict[StepKind, Executor] = {
    StepKind.CREATE_TEAM: create_team,
    StepKind.CREATE_CHANNEL: create_channel,
    StepKind.IMPORT_MESSAGES: import_messages,
    StepKind.COMPLETE_CHANNEL: complete_channel,
    StepKind.COMPLETE_TEAM: complete_team,
    StepKind.ADD_MEMBERS: add_members,
    StepKind.REVOKE_CONSENTS: revoke_consents,
}
