"""JSON bodies in Confluence's documented shapes (REST v1, Cloud v2, JSON-RPC, errors).

Each function renders one kind of object the way the documentation shows it; the fidelity tests
compare them key by key with the examples kept under ``tests/sandbox/confluence/examples``.
"""

from __future__ import annotations

from typing import Any

from govern.sandbox import ids
from govern.sandbox.confluence.content import Item
from govern.sandbox.confluence.site import DC_OPERATION_OF, OPERATION_OF, Site
from govern.sandbox.spaces import ConfluenceGroup, ConfluenceUser, Space, SpacePermission, Subject

_PICTURE = {"path": "/images/icons/profilepics/default.svg", "width": 48, "height": 48,
            "isDefault": True}  # fmt: skip


def when(ts: int) -> str:
    """A timestamp as Confluence writes it: ``2024-03-01T09:30:00.000Z``."""
    return ids.iso(ts)[:-1] + ".000Z"


def user(site: Site, u: ConfluenceUser, expand: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """A user: Data Center (username, userKey) or Cloud (accountId, email, isGuest)."""
    org = site.org
    if site.cloud:
        account = org.confluence_account_id(u.idx)
        return {
            "type": "known",
            "accountId": account,
            "accountType": "atlassian",
            "email": u.email,
            "publicName": u.name,
            "profilePicture": dict(_PICTURE),
            "displayName": u.name,
            "isExternalCollaborator": False,
            "isGuest": False,
            "_expandable": {"operations": "", "personalSpace": ""},
            "_links": {"self": f"/wiki/rest/api/user?accountId={account}"},
        }
    key = org.confluence_user_key(u.idx)
    out: dict[str, Any] = {
        "type": "known",
        "username": u.username,
        "userKey": key,
        "profilePicture": dict(_PICTURE),
        "displayName": u.name,
        "_links": {"self": f"/rest/api/user?key={key}"},
        "_expandable": {"status": ""},
    }
    if "status" in expand:
        out["status"] = "Active" if u.active else "Deactivated"
        del out["_expandable"]["status"]
    return out


def admin_user(site: Site, u: ConfluenceUser) -> dict[str, Any]:
    """A user of Data Center's admin user list: the user object plus ``email``."""
    out = user(site, u)
    out["email"] = u.email
    return out


def group(site: Site, g: ConfluenceGroup) -> dict[str, Any]:
    """A group (Cloud groups also carry an id)."""
    out: dict[str, Any] = {"type": "group", "name": g.name}
    if site.cloud:
        out["id"] = site.org.confluence_group_id(g.idx)
        out["_links"] = {"self": f"/wiki/rest/api/group/by-id?id={out['id']}"}
    else:
        out["_links"] = {"self": f"/rest/api/group/{g.name}"}
    return out


def _prefix(site: Site) -> str:
    return "/wiki" if site.cloud else ""


def space_brief(site: Site, s: Space) -> dict[str, Any]:
    """A space of REST v1 without expansions (as a page embeds it, too)."""
    return {
        "id": site.space_id(s),
        "key": s.key,
        "name": s.name,
        "type": s.space_type,
        "status": s.status,
        "_links": {
            "webui": f"/spaces/{s.key}" if site.cloud else f"/display/{s.key}",
            "self": f"{_prefix(site)}/rest/api/space/{s.key}",
        },
    }


def space_v1(site: Site, s: Space, expand: set[str]) -> dict[str, Any]:
    """A space of REST v1, with the requested expansions."""
    p = _prefix(site)
    home = site.content.items(s)[-1].id if s.pages + s.blogposts else None
    out: dict[str, Any] = {
        **space_brief(site, s),
        "_expandable": {
            "settings": f"{p}/rest/api/space/{s.key}/settings",
            "metadata": "",
            "operations": "",
            "lookAndFeel": f"{p}/rest/api/settings/lookandfeel?spaceKey={s.key}",
            "permissions": "",
            "icon": "",
            "description": "",
            "theme": f"{p}/rest/api/space/{s.key}/theme",
            "history": "",
            "homepage": f"{p}/rest/api/content/{home}" if home else "",
        },
    }
    exp = out["_expandable"]
    if "permissions" in expand:
        out["permissions"] = space_permissions_v1(site, s)
        del exp["permissions"]
    if "description" in expand or "description.plain" in expand:
        out["description"] = {"plain": {"value": s.description, "representation": "plain",
                                        "embeddedContent": []}}  # fmt: skip
        del exp["description"]
    if "history" in expand:
        out["history"] = {
            "createdDate": when(s.created),
            "createdBy": user(site, site.user(s.creator)),
        }
        del exp["history"]
    return out


def space_permissions_v1(site: Site, s: Space) -> list[dict[str, Any]]:
    """The ``permissions`` expansion: one entry per operation and subject."""
    out: list[dict[str, Any]] = []
    for row in site.permissions(s):
        if row.permission not in OPERATION_OF:
            continue  # REMOVEMAIL has no operation form
        key, target = OPERATION_OF[row.permission]
        entry: dict[str, Any] = {
            "id": _perm_id(s, row),
            "operation": {"operation": key, "targetType": target},
            "anonymousAccess": row.subject_type == Subject.ANONYMOUS,
            "unlicensedAccess": False,
        }
        if row.subject_type == Subject.USER:
            entry["subjects"] = {
                "user": {"results": [user(site, site.user(row.subject))], "size": 1}
            }
        elif row.subject_type == Subject.GROUP:
            g = site.org.confluence_groups[row.subject]
            entry["subjects"] = {"group": {"results": [group(site, g)], "size": 1}}
        out.append(entry)
    return out


def _perm_id(s: Space, row: SpacePermission) -> int:
    from govern.sandbox.spaces import PERMISSIONS, pack

    return pack(PERMISSIONS.index(row.permission), row.subject_type, row.subject)


def permission_id(s: Space, row: SpacePermission) -> int:
    """The id of a permission row (stable: the packed row itself)."""
    return _perm_id(s, row)


def space_permission_dc(site: Site, s: Space, row: SpacePermission) -> dict[str, Any]:
    """One row of Data Center's ``GET /rest/api/space/{key}/permissions`` (Confluence 9.1+)."""
    key, target = DC_OPERATION_OF[row.permission]
    subject: dict[str, Any]
    if row.subject_type == Subject.USER:
        subject = {"type": "user", "userKey": site.org.confluence_user_key(row.subject)}
    elif row.subject_type == Subject.GROUP:
        subject = {"type": "group", "name": site.org.confluence_groups[row.subject].name}
    else:
        subject = {"type": "anonymous"}
    return {
        "operation": {"targetType": target, "operationKey": key},
        "subject": subject,
        "spaceKey": s.key,
        "spaceId": site.space_id(s),
    }


def space_v2(site: Site, s: Space) -> dict[str, Any]:
    """A space of Cloud REST v2."""
    items = site.content.items(s)
    home = next((it.id for it in items if it.title == "Home"), None)
    return {
        "id": str(site.space_id(s)),
        "key": s.key,
        "name": s.name,
        "type": s.space_type,
        "status": s.status,
        "authorId": site.org.confluence_account_id(s.creator),
        "createdAt": when(s.created),
        "homepageId": str(home) if home else None,
        "description": None,
        "icon": None,
        "_links": {"webui": f"/spaces/{s.key}"},
    }


def permission_v2(site: Site, s: Space, row: SpacePermission) -> dict[str, Any] | None:
    """One space permission assignment of Cloud REST v2 (None for rows v2 cannot express)."""
    if row.permission not in OPERATION_OF:
        return None
    key, target = OPERATION_OF[row.permission]
    principal: dict[str, Any]
    if row.subject_type == Subject.USER:
        principal = {"type": "user", "id": site.org.confluence_account_id(row.subject)}
    elif row.subject_type == Subject.GROUP:
        principal = {"type": "group", "id": site.org.confluence_group_id(row.subject)}
    else:
        # v2 names anonymous access as the ACCESS_CLASS principal 'anonymous-users'.
        principal = {"type": "access_class", "id": "anonymous-users"}
    return {
        "id": str(_perm_id(s, row)),
        "principal": principal,
        "operation": {"key": key, "targetType": target},
    }


def content(site: Site, it: Item, expand: set[str]) -> dict[str, Any]:
    """A page or blog post of REST v1 with the requested expansions."""
    s = site.org.spaces[it.space]
    p = _prefix(site)
    out: dict[str, Any] = {
        "id": str(it.id),
        "type": it.kind,
        "status": "current",
        "title": it.title,
        "_links": {
            "webui": f"/spaces/{s.key}/pages/{it.id}"
            if site.cloud
            else f"/pages/viewpage.action?pageId={it.id}",
            "self": f"{p}/rest/api/content/{it.id}",
        },
        "_expandable": {
            "space": f"{p}/rest/api/space/{s.key}",
            "version": "",
            "history": f"{p}/rest/api/content/{it.id}/history",
            "body": "",
            "ancestors": "",
            "children": "",
            "descendants": "",
            "container": "",
        },
    }
    exp = out["_expandable"]
    if "space" in expand:
        out["space"] = space_v1(site, s, set())
        del exp["space"]
    if "version" in expand:
        out["version"] = {
            "by": user(site, site.user(it.editor)),
            "when": when(it.modified),
            "number": it.version,
            "minorEdit": False,
        }
        del exp["version"]
    if "history" in expand:
        out["history"] = {
            "latest": True,
            "createdBy": user(site, site.user(site.org.spaces[it.space].creator)),
            "createdDate": when(it.created),
        }
        del exp["history"]
    return out


def search_result(site: Site, it: Item, expand: set[str]) -> dict[str, Any]:
    """One result of ``/rest/api/search`` (content results wrap the content object)."""
    s = site.org.spaces[it.space]
    inner = {k[len("content.") :] for k in expand if k.startswith("content.")}
    return {
        "content": content(site, it, inner),
        "title": it.title,
        "excerpt": "",
        "url": f"/spaces/{s.key}/pages/{it.id}" if site.cloud else f"/display/{s.key}/{it.id}",
        "resultGlobalContainer": {"title": s.name, "displayUrl": f"/display/{s.key}"},
        "breadcrumbs": [],
        "entityType": "content",
        "iconCssClass": f"aui-icon content-type-{it.kind}",
        "lastModified": when(it.modified),
        "friendlyLastModified": ids.iso(it.modified)[:10],
        "score": 0.0,
    }


def error_v1(status: int, message: str) -> dict[str, Any]:
    """The REST v1 error body."""
    return {
        "statusCode": status,
        "data": {
            "authorized": status != 403,
            "valid": status != 400,
            "errors": [],
            "successful": False,
        },
        "message": message,
        "reason": {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(
            status, "Error"
        ),
    }


def error_v2(status: int, code: str, title: str) -> dict[str, Any]:
    """The REST v2 error body."""
    return {"errors": [{"status": status, "code": code, "title": title, "detail": None}]}
