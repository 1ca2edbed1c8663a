"""Shadow apps: third-party apps people consented to on their own, and standalone sites.

``oauth2PermissionGrants`` with consentType ``Principal`` are one person's consent for
themselves; counted per client (a service principal) they show an app spreading by word of
mouth. ``servicePrincipals`` name the app and say whether its publisher is verified. Each app
with user consents becomes a community of kind ``app`` whose members are the people who
consented. SharePoint sites without a group come from the site usage report and are read by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from govern.model import Community, Grant, Origin, Role, Visibility, make_id, slug
from govern_m365.activity import ReportTally
from govern_m365.batching import Job, run_batched
from govern_m365.mapping import CONNECTOR, parse_time, user_id
from govern_m365.permissions import Feature
from govern_m365.run import Run
from govern_m365.session import Answer

_MICROSOFT_TENANTS = frozenset(
    {"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"}
)
"""Microsoft's own app-owner tenants: first-party apps are not shadow IT."""


async def read_apps(run: Run) -> None:
    """Per-app user consents, joined with the apps' service principals."""
    write = await read_consents(run)
    if write is not None:
        write()


async def read_consents(run: Run) -> Callable[[], None] | None:
    """Read the consents and apps; what writes them (None when consents were refused).

    Apart, so a run reading them alongside other parts writes them where it always has.
    """
    s = run.session
    consents: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    admin: set[str] = set()
    url = f"{s.base}/oauth2PermissionGrants?$select=clientId,consentType,principalId,scope&$top=999"
    pages = s.pages(s.request_for_url(url), Feature.CONSENTS, "oauth2PermissionGrants")
    ok = await run.guard(Feature.CONSENTS, _collect(pages, consents, admin))
    if ok is None:
        return None
    apps: dict[str, dict[str, Any]] = {}
    url = (
        f"{s.base}/servicePrincipals?$select=id,appId,displayName,publisherName,"
        f"verifiedPublisher,appOwnerOrganizationId,servicePrincipalType&$top=999"
    )
    sp_pages = s.pages(s.request_for_url(url), Feature.SERVICE_PRINCIPALS, "servicePrincipals")
    await run.guard(Feature.SERVICE_PRINCIPALS, _principals(sp_pages, apps))

    def write() -> None:
        for client, people in consents.items():
            sp = apps.get(client, {})
            if str(sp.get("appOwnerOrganizationId")) in _MICROSOFT_TENANTS:
                continue
            _write_app(run, client, sp, people, client in admin)

    return write


async def _collect(pages: Any, consents: dict[str, dict[str, set[str]]], admin: set[str]) -> bool:
    async for page in pages:
        for g in page.get("value", []):
            client = str(g["clientId"])
            if g.get("consentType") == "Principal" and g.get("principalId"):
                consents[client][str(g["principalId"])].update(str(g.get("scope", "")).split())
            elif g.get("consentType") == "AllPrincipals":
                admin.add(client)
    return True


async def _principals(pages: Any, apps: dict[str, dict[str, Any]]) -> bool:
    async for page in pages:
        for sp in page.get("value", []):
            apps[str(sp["id"])] = sp
    return True


def _write_app(
    run: Run, client: str, sp: dict[str, Any], people: dict[str, set[str]], admin: bool
) -> None:
    name = str(sp.get("displayName") or client)
    verified = bool((sp.get("verifiedPublisher") or {}).get("verifiedPublisherId"))
    scopes = sorted(set().union(*people.values()))
    cid = make_id(CONNECTOR, "app", client)
    run.sink.community(
        Community(
            id=cid,
            path=f"{CONNECTOR}/{run.tenant}/app/{slug(name)}",
            kind="app",
            name=name,
            visibility=Visibility.ORG,
            origin=Origin.UNSANCTIONED_APP if not admin else Origin.IT_PROVISIONED,
            attributes={
                "app_id": sp.get("appId"),
                "publisher": sp.get("publisherName"),
                "publisher_verified": verified,
                "user_consents": len(people),
                "admin_consented": admin,
                "scopes": scopes,
            },
        )
    )
    run.sink.restate(cid)
    # People who consented to the same scopes share a source: their grants go as one call.
    by_scopes: dict[str, list[str]] = defaultdict(list)
    for principal, granted in sorted(people.items()):
        by_scopes["consent: " + " ".join(sorted(granted))].append(user_id(principal))
    for source, principal_ids in by_scopes.items():
        run.sink.grants(cid, Role.MEMBER, principal_ids, source)


async def read_standalone_sites(run: Run, tally: ReportTally, upns: dict[str, str]) -> None:
    """Sites without a group, found in the site usage report, read by id for their names."""
    base = run.session.base

    def reader(sid: str) -> Any:
        row = tally.sites[sid]

        def handle(answer: Answer) -> str | None:
            if answer.status == 403:
                run.forbidden(Feature.SITES, answer.error()[1])
                return None
            if row.deleted:
                return None
            # Without the site's own record, the report row still names it by URL.
            body = answer.body if answer.ok else {"webUrl": row.url}
            name = str(body.get("displayName") or body.get("name") or _url_name(row.url) or sid)
            cid = make_id(CONNECTOR, "site", sid)
            run.sink.community(
                Community(
                    id=cid,
                    path=f"{CONNECTOR}/{run.tenant}/site/{slug(name)}",
                    kind="site",
                    name=name,
                    url=body.get("webUrl") or row.url or None,
                    visibility=Visibility.PRIVATE,
                    created_at=parse_time(body.get("createdDateTime")),
                    attributes={"template": row.template} if row.template else {},
                )
            )
            owner = upns.get(row.owner_upn.lower())
            if owner:
                run.sink.grant(Grant(community_id=cid, principal_id=owner, role=Role.OWNER,
                                     source="site owner (usage report)"))  # fmt: skip
            return None

        return handle

    sel = "id,displayName,name,webUrl,createdDateTime"
    jobs = [Job(f"{base}/sites/{sid}?$select={sel}", reader(sid)) for sid in sorted(tally.sites)]
    await run_batched(run.session, jobs, Feature.SITES, "read standalone sites")


def _url_name(url: str) -> str:
    """The last path segment of a site URL (a concealed URL has none)."""
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail if "/" in url else ""
