"""One discovery run, part by part, in the order the parts depend on each other.

People first (guests are known before grants are written), then the origin rules' inputs,
groups with owners and members, their sites, apps and Engage ids, then the communities, then
activity, then what has no delta (consents, standalone sites). A first load by listing
needs no guests before its grants (member pages carry userType), so there the parts that wait on
other budgets than the directory's resource units overlap the members (``_first_listing``),
and records are still written in this order. Each part that Graph refuses with a 403 is
recorded as incomplete and the run goes on. The run ends with its cost.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from govern.connector import DiscoveryRequest, DiscoverySink
from govern.model import utcnow
from govern_m365 import (
    activity,
    apps,
    auditlog,
    communities,
    engage_token,
    group_delta,
    groups,
    origin_groups,
    people,
)
from govern_m365.cost import Cost
from govern_m365.directory_groups import TOKEN as DIRECTORY_TOKEN
from govern_m365.directory_groups import read_directory_groups
from govern_m365.mapping import OriginJudge
from govern_m365.permissions import Feature
from govern_m365.run import Run, together
from govern_m365.session import Session
from govern_m365.settings import FirstLoad, M365Settings

REFRESHED = "refreshed_at"
"""Delta token holding Graph's clock at the last read of the parts that have no delta."""


def _incremental(request: DiscoveryRequest) -> bool:
    tokens = request.delta_tokens
    needed = (people.TOKEN, groups.TOKEN, groups.PROPS_TOKEN)
    return not request.full and all(name in tokens for name in needed)


def _refresh_due(request: DiscoveryRequest, now: datetime, hours: float) -> bool:
    last = request.delta_tokens.get(REFRESHED)
    if last is None:
        return True
    try:
        return now - datetime.fromisoformat(last) >= timedelta(hours=hours)
    except ValueError:
        return True


async def discover(settings: M365Settings, request: DiscoveryRequest, sink: DiscoverySink) -> None:
    """Read the tenant into ``sink``: everything, or what changed since the delta tokens."""
    cost = Cost()
    incremental = _incremental(request)
    facts = auditlog.AuditFacts()
    # Grants written anywhere in the run are stamped with the audit log's join facts, also
    # those written while the log is still being read (settled once it is).
    stamping = auditlog.StampingSink(sink, facts, ready=False) if settings.audit_log else None
    async with Session(settings, cost) as session:
        judge = OriginJudge(settings.origin)
        run = Run(session, stamping or sink, settings, full=not incremental, judge=judge)
        sink.log(f"m365: {'incremental' if incremental else 'full'} discovery of {run.tenant}")
        try:
            await _parts(run, request, facts, stamping)
        finally:
            if session.first_date is not None:
                sink.observed_at(session.first_date)
            for name, value in cost.figures().items():
                sink.stat(name, value)
    figures = cost.figures()
    sink.log(
        f"m365: {figures['requests']} requests ({figures['batched_requests']} in $batch), "
        f"{figures['resource_units']} resource units, {figures['retries']} retries, "
        f"{figures['seconds']} s"
    )


async def _read_audit_log(run: Run, request: DiscoveryRequest, facts: auditlog.AuditFacts) -> None:
    tokens = request.delta_tokens
    mark = await run.guard(Feature.AUDIT, auditlog.read(run, tokens.get(auditlog.TOKEN), facts))
    if mark is not None:
        run.sink.delta_token(auditlog.TOKEN, mark.dump())
    elif auditlog.TOKEN in tokens:
        run.sink.delta_token(auditlog.TOKEN, tokens[auditlog.TOKEN])  # the gap stays known


async def _parts(
    run: Run,
    request: DiscoveryRequest,
    facts: auditlog.AuditFacts,
    stamping: auditlog.StampingSink | None,
) -> None:
    tokens = request.delta_tokens
    delta_first = run.settings.first_load is FirstLoad.DELTA
    overlapped = run.full and not delta_first
    if overlapped:
        # A first load by listing needs nobody's guests before its grants (member pages say
        # userType): its first answer here gives Graph's clock, the rest overlaps.
        await run.guard(Feature.GROUPS, communities.prepare_origin(run))
    elif run.full:
        await run.guard(Feature.PEOPLE, people.user_changes(run, None))
    else:
        run.guest_book = people.load_guests(tokens.get(people.GUESTS_TOKEN))
        await run.guard(Feature.PEOPLE, people.user_changes(run, tokens[people.TOKEN]))
    audit: asyncio.Task[None] | None = None
    if stamping is not None:
        # After the first answer gave Graph's clock, and alongside everything else: the log
        # has its own limit (5 requests per 10 s), so reading it costs no resource units and,
        # overlapped, no wall time; the grants written meanwhile are stamped when it is read.
        audit = asyncio.create_task(_read_audit_log(run, request, facts))
    try:
        if overlapped:
            await _first_listing(run, request, tokens)
        else:
            await _after_people(run, request, tokens, delta_first)
        if audit is not None:
            await audit
            auditlog.write_apps(run, facts)
    finally:
        if audit is not None and not audit.done():
            audit.cancel()
            await asyncio.gather(audit, return_exceptions=True)
    if run.it_groups and Feature.GROUPS not in run.disabled:
        run.sink.delta_token(origin_groups.TOKEN, origin_groups.dump(run))
    guests = people.guests_token(run)
    if guests is not None:
        run.sink.delta_token(people.GUESTS_TOKEN, guests)
    if stamping is not None:
        stamping.settle()
        run.sink.stat("audit_log_grants_restamped", stamping.restamped)
        if Feature.AUDIT not in run.disabled:
            auditlog.report(run, facts)


async def _first_listing(run: Run, request: DiscoveryRequest, tokens: Mapping[str, str]) -> None:
    """A first load by listing, its parts overlapped where they wait on different budgets.

    Members and owners spend nearly all of the run's resource units, paced at the tenant's
    budget; meanwhile people and consents (a few hundred pages, read one after another),
    group sites and team apps (SharePoint's and Teams' limits) and the usage reports (their
    own limit) are read. What needs them all (the communities' origin, standalone sites' owners)
    comes after.
    """
    tally = activity.ReportTally()
    side_done = False

    async def alongside() -> None:
        nonlocal side_done
        await _sites_and_reports(run, tokens, tally)
        side_done = True

    async def group_part() -> None:
        listed = await run.guard(Feature.GROUPS, groups.list_groups(run, alongside))
        if listed is False:
            # Graph refused `$deltatoken=latest`: walk the delta, whose members carry no
            # userType, so the guests must be known first.
            await users
            await run.guard(Feature.GROUPS, group_delta.walk(run))
        run.sink.log(f"m365: {len(run.groups)} communities found")
        if not side_done:  # the listing was refused before the groups were known
            await _sites_and_reports(run, tokens, tally)

    users = asyncio.ensure_future(run.guard(Feature.PEOPLE, people.list_users(run)))
    consents = asyncio.ensure_future(apps.read_consents(run))
    await together(users, consents, group_part())
    # Written in the order a sequential run writes them: the store keeps records in the order
    # they arrive, and listings without a sort show them so.
    if request.directory_groups:  # the groups the policies name (a steward pool, ...)
        previous = tokens.get(DIRECTORY_TOKEN)
        await run.guard(
            Feature.GROUPS, read_directory_groups(run, request.directory_groups, previous)
        )
    communities.write_communities(run)
    write_consents = consents.result()
    if write_consents is not None:
        write_consents()
    await apps.read_standalone_sites(run, tally, run.upns)
    run.sink.delta_token(REFRESHED, (run.session.first_date or utcnow()).isoformat())


async def _sites_and_reports(
    run: Run, tokens: Mapping[str, str], tally: activity.ReportTally
) -> None:
    """Group sites and team apps, Engage ids, then the usage reports (which match by site URL)."""
    await communities.read_sites_and_apps(run)
    await run.guard(Feature.ENGAGE, communities.read_engage(run))
    await _reports(run, tokens, tally)


async def _after_people(
    run: Run, request: DiscoveryRequest, tokens: Mapping[str, str], delta_first: bool
) -> None:
    it_token = tokens.get(origin_groups.TOKEN)
    await run.guard(Feature.GROUPS, communities.prepare_origin(run, it_token))
    if request.directory_groups:  # the groups the policies name (a steward pool, ...)
        previous = tokens.get(DIRECTORY_TOKEN)
        await run.guard(
            Feature.GROUPS, read_directory_groups(run, request.directory_groups, previous)
        )
    refresh = run.full or _refresh_due(
        request, run.session.first_date or utcnow(), run.settings.refresh_hours
    )
    previous = None if run.full else tokens.get(engage_token.ENGAGE_TOKEN)
    if not run.full:
        await run.guard(Feature.GROUPS, group_delta.changes(run, tokens))
        pending = engage_token.engage_pending(previous) - run.groups.keys() - run.removed
        if refresh and pending:
            # Engage communities whose ids an earlier run left for now: written again with them.
            await run.guard(Feature.GROUPS, group_delta.reread(run, sorted(pending)))
    else:
        listed = False if delta_first else await run.guard(Feature.GROUPS, groups.list_groups(run))
        # False: Graph refused `$deltatoken=latest`, so walk the delta; None: a 403, recorded.
        if listed is False:
            await run.guard(Feature.GROUPS, group_delta.walk(run))
    # Incremental runs hold only the groups written again (properties or owners changed);
    # joins and leaves elsewhere went straight to grants.
    run.sink.log(f"m365: {len(run.groups)} communities {'found' if run.full else 'written again'}")
    await communities.read_sites_and_apps(run)
    known = engage_token.engage_communities(previous)
    await run.guard(Feature.ENGAGE, communities.read_engage(run, known, defer=not refresh))
    communities.write_communities(run)
    tally = activity.ReportTally()
    await _reports(run, tokens, tally)

    now = run.session.first_date or utcnow()
    if refresh:
        await apps.read_apps(run)
        if run.full:
            await apps.read_standalone_sites(run, tally, run.upns)
        run.sink.delta_token(REFRESHED, now.isoformat())
    else:
        run.sink.delta_token(REFRESHED, tokens[REFRESHED])


async def _reports(run: Run, tokens: Mapping[str, str], tally: activity.ReportTally) -> None:
    """The usage reports this run reads, and the tokens that say which were read."""
    periods = run.settings.report_periods if run.full else run.settings.incremental_report_periods
    previous = None if run.full else tokens.get(engage_token.ENGAGE_TOKEN)
    engage = engage_token.engage_ids(run, previous)
    if Feature.GROUPS not in run.disabled:
        token = engage_token.engage_token(run, engage, previous)
        run.sink.delta_token(engage_token.ENGAGE_TOKEN, token)
    refreshed = await activity.read_reports(
        run,
        periods,
        tally,
        engage - run.groups.keys(),
        activity.load_refreshed(tokens.get(activity.REFRESH_TOKEN)),
    )
    if refreshed is not None:
        run.sink.delta_token(activity.REFRESH_TOKEN, json.dumps(refreshed, sort_keys=True))
    elif activity.REFRESH_TOKEN in tokens:
        run.sink.delta_token(activity.REFRESH_TOKEN, tokens[activity.REFRESH_TOKEN])
    run.sink.stat("report_rows_matched", tally.matched)
    run.sink.stat("report_rows_unmatched", tally.unmatched + tally.concealed)
