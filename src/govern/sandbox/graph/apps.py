"""Apps and places around groups: service principals, grants, team apps, communities.

Service principals and OAuth2 permission grants, a team's installed apps and Viva Engage
communities (sites are in ``sites.py``).

Shapes follow the documented examples (serviceprincipal-list.md, oauth2permissiongrant-list.md,
team-list-installedapps.md, employeeexperience-list-communities.md). Grants are the
shadow-IT signal: ``consentType`` ``Principal`` rows are one user consenting for themselves.
"""

from __future__ import annotations

import base64
import json
import uuid
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from govern.sandbox import ids
from govern.sandbox.entities import GroupKind
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.errors import GraphError, bad_request, not_found, unsupported_filter
from govern.sandbox.graph.odata import (
    Clause,
    decode_token,
    encode_token,
    parse_query,
    select_props,
)
from govern.sandbox.graph.render import community
from govern.sandbox.orgdata import OrgData


def _page(
    call: Call,
    kind: str,
    order: Sequence[int],
    item: Callable[[int], dict[str, Any]],
    context: str,
    default_top: int = 100,
    max_top: int = 999,
    count: bool = False,
) -> Reply:
    q = parse_query(call.query, call.headers, kind, max_top)
    top = q.top or default_top
    start = bisect_right(order, int(decode_token(q.skiptoken, kind)[1])) if q.skiptoken else 0
    page = order[start : start + top]
    body: dict[str, Any] = {"@odata.context": context}
    if count:
        body["@odata.count"] = len(order)
    if start + top < len(order):
        body["@odata.nextLink"] = call.next_link(encode_token([kind, page[-1]]))
    body["value"] = [item(i) for i in page]
    return Reply(body)


def _matches(clauses: tuple[Clause, ...], values: dict[str, Any], resource: str) -> bool:
    for c in clauses:
        if c.prop not in values or c.op != "eq":
            raise unsupported_filter(c.prop, resource)
        if values[c.prop] != c.value:
            return False
    return True


def _publisher_org(org: OrgData, app: int) -> str:
    a = org.apps[app]
    if a.publisher.lower().startswith(org.tenant):
        return org.tenant_id()
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, a.publisher))


def service_principal(org: OrgData, i: int) -> dict[str, Any]:
    """A service principal object."""
    a = org.apps[i]
    app_id = org.app_client_id(i)
    return {
        "id": org.app_id(i),
        "deletedDateTime": None,
        "accountEnabled": True,
        "appDisplayName": a.name,
        "appId": app_id,
        "appOwnerOrganizationId": _publisher_org(org, i),
        "appRoleAssignmentRequired": False,
        "displayName": a.name,
        "homepage": None,
        "logoutUrl": None,
        "publisherName": a.publisher,
        "replyUrls": [],
        "servicePrincipalNames": [app_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        "addIns": [],
        "appRoles": [],
        "info": {
            "termsOfServiceUrl": None,
            "supportUrl": None,
            "privacyStatementUrl": None,
            "marketingUrl": None,
            "logoUrl": None,
        },
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "verifiedPublisher": {
            "displayName": a.publisher if a.verified else None,
            "verifiedPublisherId": str(5_000_000 + i) if a.verified else None,
            "addedDateTime": ids.iso(a.created) if a.verified else None,
        },
    }


def list_service_principals(call: Call) -> Reply:
    """GET /servicePrincipals (``$filter`` on appId, displayName or id)."""
    org = call.org
    q = parse_query(call.query, call.headers, "ServicePrincipal")
    order: Sequence[int] = range(len(org.apps))
    if q.filter:
        order = [
            i
            for i in order
            if _matches(
                q.filter,
                {
                    "appId": org.app_client_id(i),
                    "id": org.app_id(i),
                    "displayName": org.apps[i].name,
                },
                "ServicePrincipal",
            )
        ]
    return _page(
        call,
        "servicePrincipals",
        order,
        lambda i: service_principal(org, i),
        f"{call.root}/$metadata#servicePrincipals",
    )


def get_service_principal(call: Call) -> Reply:
    """GET /servicePrincipals/{id}."""
    i = call.org.app_index(call.params["sid"])
    if i is None:
        raise GraphError(
            404,
            "Request_ResourceNotFound",
            f"Resource '{call.params['sid']}' does not exist or one of its queried "
            "reference-property objects are not present.",
        )
    body = {"@odata.context": f"{call.root}/$metadata#servicePrincipals/$entity"}
    body.update(service_principal(call.org, i))
    return Reply(body)


def _grant(call: Call, row: int) -> dict[str, Any]:
    org = call.org
    c = org.consents
    grant_id = org.consent_id(row)
    principal = c.principal[row]
    return {
        "@odata.id": f"{call.origin}/v2/{org.tenant_id()}/oauth2PermissionGrants/{grant_id}",
        "clientId": org.app_id(c.app[row]),
        "consentType": "Principal" if principal >= 0 else "AllPrincipals",
        "id": grant_id,
        "principalId": org.user_id(principal) if principal >= 0 else None,
        "resourceId": org.app_id(org.directory.graph_app),
        "scope": org.apps[c.app[row]].scopes,
    }


def list_grants(call: Call) -> Reply:
    """GET /oauth2PermissionGrants (``$filter`` on clientId, consentType, principalId)."""
    org = call.org
    q = parse_query(call.query, call.headers, "OAuth2PermissionGrant")
    c = org.consents

    def build() -> list[int]:
        return [r for r in range(len(c)) if c.revoked[r] == -1]

    order: list[int] = call.state.cached("grants", build)
    if q.filter:
        order = [
            r
            for r in order
            if _matches(
                q.filter,
                {
                    "clientId": org.app_id(c.app[r]),
                    "consentType": "Principal" if c.principal[r] >= 0 else "AllPrincipals",
                    "principalId": org.user_id(c.principal[r]) if c.principal[r] >= 0 else None,
                    "resourceId": org.app_id(org.directory.graph_app),
                },
                "OAuth2PermissionGrant",
            )
        ]
    return _page(
        call,
        "oauth2PermissionGrants",
        order,
        lambda r: _grant(call, r),
        f"{call.root}/$metadata#oauth2PermissionGrants",
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def list_installed_apps(call: Call) -> Reply:
    """GET /teams/{id}/installedApps (``$expand=teamsAppDefinition,teamsApp``)."""
    org = call.org
    tid = call.params["tid"]
    gi = org.group_index(tid)
    if gi is None or org.groups[gi].deleted != -1 or org.groups[gi].kind != GroupKind.TEAM:
        raise GraphError(404, "NotFound", f"No team found with Group Id {tid}")
    q = parse_query(call.query, call.headers, "TeamsAppInstallation")
    unknown = set(q.expand) - {"teamsAppDefinition", "teamsApp"}
    if unknown:
        raise bad_request(
            f"Could not find a property named '{sorted(unknown)[0]}' on type "
            "'microsoft.graph.teamsAppInstallation'."
        )
    value = []
    for a in org.groups[gi].apps:
        app = org.teams_apps[a]
        app_id = ids.encode(org.salt, ids.IdKind.TEAMS_APP, a)
        item: dict[str, Any] = {"id": _b64(f"{tid}##{app_id}")}
        if "teamsApp" in q.expand:
            item["teamsApp"] = {
                "id": app_id,
                "externalId": app.external_id or None,
                "displayName": app.name,
                "distributionMethod": app.distribution,
            }
        if "teamsAppDefinition" in q.expand:
            item["teamsAppDefinition"] = {
                "id": _b64(f"{app_id}##{app.version}"),
                "teamsAppId": app_id,
                "azureADAppId": None,
                "displayName": app.name,
                "version": app.version,
                "requiredResourceSpecificApplicationPermissions": [],
                "publishingState": "published",
                "shortDescription": app.name,
                "description": app.name,
                "lastModifiedDateTime": None,
                "createdBy": None,
            }
        value.append(item)
    context = f"{call.root}/$metadata#teams('{tid}')/installedApps"
    if q.expand:
        context += f"({','.join(e + '()' for e in q.expand)})"
    return Reply({"@odata.context": context, "@odata.count": len(value), "value": value})


def list_communities(call: Call) -> Reply:
    """GET /employeeExperience/communities: the home network's Viva Engage communities."""
    org = call.org

    def build() -> list[int]:
        return [g.idx for g in org.groups if g.kind == GroupKind.ENGAGE and g.deleted == -1]

    order: list[int] = call.state.cached("communities", build)
    # Documented: results come 20 to a page unless $top says otherwise.
    return _page(
        call,
        "communities",
        order,
        lambda i: community(org, org.groups[i]),
        f"{call.root}/$metadata#employeeExperience/communities",
        default_top=20,
        max_top=100,
    )


def _community_index(org: OrgData, cid: str) -> int | None:
    """The Engage group a community id names (ids are base64 of Yammer's group reference)."""
    try:
        ref = json.loads(base64.urlsafe_b64decode(cid + "=" * (-len(cid) % 4)))
        idx = int(ref["id"]) - 100_000_000_000 - ids.tenant_salt(org.seed) * 1_000_000
    except (ValueError, KeyError, TypeError):
        return None
    if not 0 <= idx < len(org.groups):
        return None
    g = org.groups[idx]
    return idx if g.kind == GroupKind.ENGAGE and g.deleted == -1 else None


def get_community(call: Call) -> Reply:
    """GET /employeeExperience/communities/{cid} (community-get.md), ``$select`` supported."""
    org = call.org
    cid = call.params["cid"]
    idx = _community_index(org, cid)
    if idx is None:
        raise not_found(cid)
    q = parse_query(call.query, call.headers, "community")
    body = {
        "@odata.context": f"{call.root}/$metadata#employeeExperience/communities/$entity",
        **select_props(community(org, org.groups[idx]), q.select),
    }
    return Reply(body)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/servicePrincipals", list_service_principals, auth.SERVICE_PRINCIPALS),
    Endpoint("GET", "/servicePrincipals/{sid}", get_service_principal, auth.SERVICE_PRINCIPALS),
    Endpoint("GET", "/oauth2PermissionGrants", list_grants, auth.GRANTS, cost=2),
    Endpoint(
        "GET",
        "/teams/{tid}/installedApps",
        list_installed_apps,
        auth.INSTALLED_APPS,
        service="teams",
    ),
    Endpoint(
        "GET",
        "/employeeExperience/communities",
        list_communities,
        auth.COMMUNITIES,
        service="other",
    ),
    Endpoint(
        "GET",
        "/employeeExperience/communities/{cid}",
        get_community,
        auth.COMMUNITIES,
        service="other",
    ),
)
