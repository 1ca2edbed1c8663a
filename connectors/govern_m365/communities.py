"""Writing the communities a run found: origin, site URL, Engage id, apps installed in teams.

The origin rules need the IT groups' members and the provisioning apps' service principals,
read first (a few requests). Site URLs and team apps are read per group through ``$batch``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from govern.model import Role, make_id
from govern_m365 import origin_groups
from govern_m365.batching import Job, run_batched
from govern_m365.mapping import CONNECTOR, community, community_id, kind_of
from govern_m365.permissions import Feature
from govern_m365.run import GroupInfo, Run
from govern_m365.session import Answer


async def prepare_origin(run: Run, it_token: str | None = None) -> None:
    """Read what the origin rules refer to: IT groups' members, provisioning apps.

    ``it_token``: the IT groups' members kept by the last run (incremental runs), then updated
    from the group delta instead of read again (see :mod:`govern_m365.origin_groups`).
    """
    rules = run.settings.origin
    s = run.session
    kept = not run.full and origin_groups.load(run, it_token)
    for name in [] if kept else rules.it_groups:
        gid = name
        if not _looks_like_guid(name):
            esc = name.replace("'", "''")
            url = f"{s.base}/groups?$filter=displayName eq '{quote(esc)}'&$select=id"
            found_page = await s.json(s.request_for_url(url), Feature.GROUPS, "find IT group")
            found = found_page.get("value") or []
            if not found:
                run.sink.log(f"m365: origin.it_groups: no group named {name!r}; rule skipped")
                continue
            gid = str(found[0]["id"])
        url = f"{s.base}/groups/{gid}/members?$select=id&$top=999"
        members: set[str] = set()
        async for page in s.pages(s.request_for_url(url), Feature.GROUPS, "IT group members"):
            members.update(str(m["id"]) for m in page.get("value", []))
        origin_groups.found(run, name, gid, members)
    for app_id in rules.provisioning_app_ids:
        url = f"{s.base}/servicePrincipals?$filter=appId eq '{app_id}'&$select=id"
        sps = await run.guard(
            Feature.SERVICE_PRINCIPALS,
            s.json(s.request_for_url(url), Feature.SERVICE_PRINCIPALS, "find provisioning app"),
        )
        for sp in (sps or {}).get("value", []):
            run.judge.provisioning_principals.add(make_id(CONNECTOR, "app", str(sp["id"])))


def _looks_like_guid(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 5 and all(
        p and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts
    )


async def read_sites_and_apps(run: Run) -> None:
    """Site URLs of groups and teams, and the apps installed in each team (batched)."""
    base = run.session.base
    site_jobs: list[Job] = []
    app_jobs: list[Job] = []
    for gid, info in run.groups.items():
        kind = kind_of(info.props)
        if kind != "engage" and Feature.SITES not in run.disabled:
            site_jobs.append(
                Job(f"{base}/groups/{gid}/sites/root?$select=webUrl", _site(run, info))
            )
        if kind == "team" and run.settings.installed_apps:
            url = f"{base}/teams/{gid}/installedApps?$expand=teamsApp"
            app_jobs.append(Job(url, _apps(run, info), rate_key=gid))
    await run_batched(run.session, site_jobs, Feature.SITES, "read group sites")
    await run_batched(run.session, app_jobs, Feature.TEAM_APPS, "read apps installed in teams")


def _site(run: Run, info: GroupInfo) -> Any:
    def handle(answer: Answer) -> str | None:
        if answer.ok:
            info.url = answer.body.get("webUrl")
        elif answer.status == 403:
            run.forbidden(Feature.SITES, answer.error()[1])
        return None  # 404: a group whose site was never provisioned

    return handle


def _apps(run: Run, info: GroupInfo) -> Any:
    found: list[dict[str, Any]] = info.extra.setdefault("apps", [])

    def handle(answer: Answer) -> str | None:
        if answer.status == 403:
            run.forbidden(Feature.TEAM_APPS, answer.error()[1])
            info.extra.pop("apps", None)
            return None
        if not answer.ok:
            info.extra.pop("apps", None)
            return None
        for inst in answer.body.get("value", []):
            app = inst.get("teamsApp") or {}
            found.append(
                {
                    "id": app.get("id"),
                    "name": app.get("displayName"),
                    "distribution": app.get("distributionMethod"),
                }
            )
        nxt = answer.body.get("@odata.nextLink")
        if not nxt:
            found.sort(key=lambda a: str(a.get("id")))
            info.extra["sideloaded_apps"] = [
                a["name"] for a in found if a.get("distribution") == "sideloaded"
            ]
        return str(nxt) if nxt else None

    return handle


async def read_engage(
    run: Run, known: dict[str, str] | None = None, *, defer: bool = False
) -> None:
    """Viva Engage community ids and privacy, by backing group (``employeeExperience``).

    ``known``: community ids by group id from an earlier run. When every Engage group of this
    run has one, those communities are read by id (batched) instead of listing them all: the
    list has no filter by group and comes 100 a page. ``defer``: a new community's id may wait
    for the next refresh run (``refresh_hours``), which lists them; until then its id and
    privacy are unknown, and the snapshot says so.
    """
    engage = {gid: i for gid, i in run.groups.items() if kind_of(i.props) == "engage"}
    if not engage:
        return
    new = engage.keys() - (known or {}).keys()
    if known and (not new or defer):
        mine = {known[gid]: info for gid, info in engage.items() if gid in known}
        await _read_engage_by_id(run, mine)
        if new:
            run.sink.stat("engage_ids_pending", len(new))
            run.sink.incomplete(
                "engage",
                f"{len(new)} new Viva Engage communities: id and privacy not read yet (the "
                f"communities list has no filter by group); read with the next refresh, "
                f"m365.refresh_hours={run.settings.refresh_hours:g}",
            )
        return
    s = run.session
    url = f"{s.base}/employeeExperience/communities?$select=id,displayName,privacy,groupId&$top=100"
    async for page in s.pages(s.request_for_url(url), Feature.ENGAGE, "Viva Engage communities"):
        for c in page.get("value", []):
            info = engage.get(str(c.get("groupId")))
            if info is not None:
                info.extra["engage_id"] = c.get("id")
                info.extra["engage_privacy"] = c.get("privacy")


async def _read_engage_by_id(run: Run, by_cid: dict[str, GroupInfo]) -> None:
    def handler(info: GroupInfo) -> Any:
        def handle(answer: Answer) -> str | None:
            if answer.ok:
                info.extra["engage_id"] = answer.body.get("id")
                info.extra["engage_privacy"] = answer.body.get("privacy")
            elif answer.status == 403:
                run.forbidden(Feature.ENGAGE, answer.error()[1])
            return None  # 404: no such community any more; its id and privacy stay unknown

        return handle

    url = f"{run.session.base}/employeeExperience/communities/{{}}?$select=id,privacy,groupId"
    jobs = [Job(url.format(cid), handler(info)) for cid, info in by_cid.items()]
    await run_batched(run.session, jobs, Feature.ENGAGE, "read Viva Engage communities by id")


def write_communities(run: Run) -> None:
    """Every community held by the run, with its owners' grants."""
    for info in run.groups.values():
        origin = run.judge.judge(info.props, info.owners)
        c = community(info.props, run.tenant, origin, info.extra, info.url)
        run.sink.community(c)
        run.sink.grants(c.id, Role.OWNER, sorted(info.owners), "owners")
        if not run.full:
            # An id of another kind would be a stale copy (a group that became a team).
            for other in ("team", "group", "engage"):
                if other != c.kind:
                    run.sink.remove_community(community_id(str(info.props["id"]), other))
