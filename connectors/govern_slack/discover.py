"""Discovery: workspaces, people, channels, members and activity into the sink.

Per token: ``auth.test`` (who, which scopes), the workspaces (``admin.teams.list`` on an org-wide
Grid install, else the token's own), then per workspace ``team.info``, ``users.list``,
``conversations.list`` and, for each channel in a bounded thread pool, ``conversations.members``
and a bounded slice of ``conversations.history``.

Incremental runs (Slack has no delta API) re-list channels and users, which is cheap, and read
each channel's history only after where the previous run stopped. A channel whose member count
matches the previous count plus the joins and minus the leaves seen since is not re-read: its new
members come from their ``channel_join`` (with when and who invited them), its leavers are removed.
Any mismatch (a deactivated account, a truncated history) re-reads the channel's members in full.
The state this needs is one delta token per workspace.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from govern.connector import DiscoveryRequest, DiscoverySink
from govern.model import Activity, Grant, Role
from govern_slack import mapping
from govern_slack.api import Api, SlackCallError, Stats
from govern_slack.mapping import Workspace, user_id, when
from govern_slack.permissions import advice
from govern_slack.reading import DAY, ChannelRead, read_history, read_members
from govern_slack.settings import SlackSettings

TOKEN_VERSION = 1


@dataclass
class Run:
    """One discovery run: settings, request, sink and the run's counters."""

    settings: SlackSettings
    request: DiscoveryRequest
    sink: DiscoverySink
    stats: Stats
    started: float

    def missing(self, part: str, exc: SlackCallError) -> None:
        """Record a part not read because Slack refused it, and go on."""
        if exc.error == "missing_scope":
            self.sink.incomplete(part, advice(exc.needed))
        else:
            self.sink.incomplete(part, f"Slack refused {exc.method} with '{exc.error}'")


def discover(settings: SlackSettings, request: DiscoveryRequest, sink: DiscoverySink) -> None:
    """Discover every workspace the configured tokens reach."""
    run = Run(settings, request, sink, Stats(), time.perf_counter())
    seen: set[str] = set()
    for token in [settings.token, *settings.workspace_tokens]:
        api = Api(token.get_secret_value(), settings, run.stats)
        for ws in _workspaces(run, api):
            if ws.id not in seen:
                seen.add(ws.id)
                _workspace(run, api, ws)
    if run.stats.observed is not None:
        sink.observed_at(run.stats.observed)
    sink.stat("requests", run.stats.requests)
    sink.stat("retries", run.stats.retries)
    sink.stat("requests_per_method", dict(sorted(run.stats.per_method.items())))
    sink.stat("seconds", round(time.perf_counter() - run.started, 3))


def _sanctioned(settings: SlackSettings, team_id: str, domain: str) -> bool:
    wanted = {s.lower() for s in settings.sanctioned_workspaces}
    return team_id.lower() in wanted or domain.lower() in wanted


def _domain(url: str) -> str:
    return url.split("//", 1)[-1].split(".", 1)[0]


def _workspaces(run: Run, api: Api) -> list[Workspace]:
    auth = api.call("auth.test")
    api.org_wide = bool(auth.get("is_enterprise_install"))
    scopes = api.scopes or frozenset()
    for scope in ("users:read.email", "channels:history", "groups:history"):
        if scope not in scopes:
            run.sink.incomplete(f"slack {auth.get('team', '')}: {scope}", advice(scope))
    if not auth.get("is_enterprise_install"):
        domain = _domain(str(auth.get("url", "")))
        team_id = str(auth["team_id"])
        return [
            Workspace(
                team_id,
                str(auth.get("team", domain)),
                domain,
                bool(auth.get("enterprise_id")),
                _sanctioned(run.settings, team_id, domain),
            )
        ]
    try:
        teams = [t for page in api.pages("admin.teams.list", "teams") for t in page]
    except SlackCallError as exc:
        run.missing("slack workspaces of the Enterprise Grid", exc)
        return []
    return [
        Workspace(
            str(t["id"]),
            str(t["name"]),
            _domain(str(t.get("team_url", ""))),
            True,
            _sanctioned(run.settings, str(t["id"]), _domain(str(t.get("team_url", "")))),
            discoverability=str(t.get("discoverability", "")),
        )
        for t in teams
    ]


def _state(run: Run, ws: Workspace) -> dict[str, Any]:
    if run.request.full:
        return {}
    raw = run.request.delta_tokens.get(f"workspace:{ws.id}")
    try:
        state = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return state if state.get("v") == TOKEN_VERSION else {}


def _workspace(run: Run, api: Api, ws: Workspace) -> None:
    sink = run.sink
    # An org-wide install names the workspace in every workspace-scoped call.
    team_arg = {"team_id": ws.id} if api.org_wide else {}
    try:
        team = api.call("team.info", team=ws.id)["team"]
        ws.name, ws.domain = str(team.get("name", ws.name)), str(team.get("domain", ws.domain))
        ws.email_domain = str(team.get("email_domain", ""))
    except SlackCallError as exc:
        run.missing(f"slack {ws.name}: workspace details", exc)
    try:
        for page in api.pages("users.list", "members", **team_arg):
            for u in page:
                if u.get("id") != "USLACKBOT":
                    ws.users[str(u["id"])] = u
    except SlackCallError as exc:
        run.missing(f"slack {ws.name}: people", exc)
    for u in ws.users.values():
        sink.principal(mapping.principal(u, ws))
    channels = _channels(run, api, ws, team_arg)
    state = _state(run, ws)
    reads = _read_channels(run, api, channels, state)
    _partners(run, api, ws, reads)
    new_state: dict[str, Any] = {"v": TOKEN_VERSION, "channels": {}}
    general: ChannelRead | None = None
    for read in reads:
        _emit_channel(run, ws, read, state.get("channels", {}).get(read.channel["id"]), new_state)
        if read.channel.get("is_general"):
            general = read
    _emit_workspace(run, ws, general, new_state, state)
    sink.delta_token(f"workspace:{ws.id}", json.dumps(new_state, separators=(",", ":")))


def _channels(run: Run, api: Api, ws: Workspace, team_arg: dict[str, str]) -> list[dict[str, Any]]:
    for types in ("public_channel,private_channel", "public_channel"):
        try:
            return [
                c
                for page in api.pages("conversations.list", "channels", types=types, **team_arg)
                for c in page
            ]
        except SlackCallError as exc:
            run.missing(f"slack {ws.name}: {'private ' if ',' in types else ''}channels", exc)
    return []


def _read_channels(
    run: Run, api: Api, channels: list[dict[str, Any]], state: dict[str, Any]
) -> list[ChannelRead]:
    now = run.stats.observed.timestamp() if run.stats.observed else time.time()
    settings = run.settings
    previous: dict[str, Any] = state.get("channels", {})

    def one(channel: dict[str, Any]) -> ChannelRead:
        read = ChannelRead(channel)
        prev = previous.get(channel["id"])
        try:
            if settings.history_max_messages > 0:
                oldest = now - settings.history_days * DAY
                if prev and prev[0]:
                    oldest = float(prev[0])  # incremental: only what came after the last run
                read_history(api, read, oldest, now, settings.history_max_messages)
        except SlackCallError as exc:
            read.problem = exc
        if not prev or not _consistent(read, prev):
            try:
                read.members = read_members(api, channel["id"])
            except SlackCallError as exc:
                read.problem = read.problem or exc
        return read

    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        return list(pool.map(one, channels))


def _consistent(read: ChannelRead, prev: list[Any]) -> bool:
    """Whether the joins and leaves since the last run explain the new member count."""
    if not read.history_read or not read.complete_window:
        return False
    expected = int(prev[2]) + len(read.joins) - len(read.leaves)
    return expected == int(read.channel.get("num_members", -1))


def _partners(run: Run, api: Api, ws: Workspace, reads: list[ChannelRead]) -> None:
    for team in sorted(
        {t for r in reads for t in r.channel.get("shared_team_ids") or [] if t != ws.id}
    ):
        try:
            ws.external_orgs[team] = str(api.call("team.info", team=team)["team"].get("name", team))
        except SlackCallError as exc:
            run.missing(f"slack {ws.name}: partner organisation {team}", exc)


def _emit_channel(
    run: Run, ws: Workspace, read: ChannelRead, prev: list[Any] | None, new_state: dict[str, Any]
) -> None:
    sink, channel = run.sink, read.channel
    cid = f"slack:channel:{channel['id']}"
    if read.problem is not None:
        run.missing(f"slack {ws.name} #{channel['name']}", read.problem)
    last = read.newest_message or (float(prev[1]) if prev and prev[1] else None)
    sink.community(mapping.channel_community(ws, channel, read.members, when(last)))
    joins = {j.user: (j.ts, j.inviter) for j in read.joins}
    ext = bool(channel.get("is_ext_shared"))
    for m in read.members or []:
        if m not in ws.users and ext and ws.users:
            team = next((t for t in channel.get("shared_team_ids") or [] if t != ws.id), "")
            sink.principal(mapping.external_principal(m, ws, team))
    creator = channel.get("creator")
    if read.members is not None:
        for g in mapping.grants(cid, ws, read.members, creator, joins, ext):
            sink.grant(g)
        sink.restate(cid)
    else:
        # Unchanged but for the joins and leaves history shows: apply exactly those.
        for g in mapping.grants(cid, ws, [j.user for j in read.joins], creator, joins, ext):
            sink.grant(g)
        for leaver in read.leaves:
            for role in (Role.MEMBER, Role.GUEST, Role.OWNER):
                sink.remove_grant(cid, user_id(leaver), role.value)
    if read.history_read and read.complete_window and run.request.full:
        for days in (30, 90):
            sink.activity(
                Activity(
                    community_id=cid,
                    period=f"D{days}",
                    posts=read.posts[days],
                    active_users=len(read.posters[days]),
                    last_activity_at=when(last),
                    attributes=_people_activity(read) if days == 90 else {},
                )
            )
    newest = read.newest or (prev[0] if prev else None)
    new_state["channels"][channel["id"]] = [newest, last, channel.get("num_members", 0)]


def _people_activity(read: ChannelRead) -> dict[str, Any]:
    """Posts per author (``[messages, newest ts]``) and distinct posters per week, oldest first.

    Kept on the 90-day report only: the champions report ranks posters, and rollout health
    tells who never came back after being added. Slack offers no per-person figures elsewhere.
    """
    return {
        "authors": {user_id(u): [int(n), round(ts, 3)] for u, (n, ts) in read.authors.items()},
        "weekly_posters": [len(s) for s in reversed(read.weekly)],
    }


def _emit_workspace(
    run: Run,
    ws: Workspace,
    general: ChannelRead | None,
    new_state: dict[str, Any],
    state: dict[str, Any],
) -> None:
    sink = run.sink
    last = max((v[1] for v in new_state["channels"].values() if v[1]), default=None)
    sink.community(
        mapping.workspace_community(ws, general.channel if general else None, when(last))
    )
    joins = {j.user: (j.ts, j.inviter) for j in (general.joins if general else [])}
    full = run.request.full or not state
    for uid, u in ws.users.items():
        if u.get("is_bot") or u.get("is_app_user"):
            continue
        role = (
            Role.GUEST if ws.guest_kind(uid) else (Role.OWNER if u.get("is_owner") else Role.MEMBER)
        )
        if u.get("deleted"):
            if not full:
                sink.remove_grant(ws.community_id, user_id(uid), role.value)
            continue
        if full or uid in joins:
            ts, inviter = joins.get(uid, (0.0, None))
            sink.grant(
                Grant(
                    community_id=ws.community_id,
                    principal_id=user_id(uid),
                    role=role,
                    since=when(ts),
                    added_by=user_id(inviter) if inviter else None,
                    source="workspace " + role.value,
                )
            )
    if full and ws.users:
        sink.restate(ws.community_id)
