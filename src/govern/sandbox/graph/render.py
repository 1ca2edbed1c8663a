"""Records of the organisation as Graph's JSON objects, one property at a time.

Each resource has a table ``property name -> getter``; a response computes only the properties
asked for (``$select``) or the documented default set, so a 999-item page with
``$select=id,displayName`` costs 2 getters per item, not 30. A property the resource does not
have is refused as Graph refuses it.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from govern.sandbox import ids
from govern.sandbox.entities import SENSITIVITY_LABELS, Group, GroupKind, Person, Visibility
from govern.sandbox.graph.errors import bad_request
from govern.sandbox.orgdata import OrgData

Getter = Callable[[OrgData, Any], Any]


_EPOCH = ids.EPOCH


def _iso(ts: int) -> str:
    # ids.iso through strftime is the costliest part of a group; same format, 3x faster.
    d = _EPOCH + timedelta(seconds=ts)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def _iso_or_none(ts: int) -> str | None:
    return None if ts < 0 else _iso(ts)


@cache
def _uid(salt: int, person: int) -> str:
    # Ids never change for an index; the encoding is big-integer arithmetic plus a UUID.
    return ids.encode(salt, ids.IdKind.USER, person)


@cache
def _gid(salt: int, group: int) -> str:
    return ids.encode(salt, ids.IdKind.GROUP, group)


USER: dict[str, Getter] = {
    "id": lambda o, p: _uid(o.salt, p.idx),
    "businessPhones": lambda o, p: [],
    "displayName": lambda o, p: p.display_name,
    "givenName": lambda o, p: p.given,
    "jobTitle": lambda o, p: p.job_title or None,
    "mail": lambda o, p: p.mail,
    "mobilePhone": lambda o, p: None,
    "officeLocation": lambda o, p: o.offices[p.office] if p.office >= 0 else None,
    "preferredLanguage": lambda o, p: None,
    "surname": lambda o, p: p.surname,
    "userPrincipalName": lambda o, p: p.upn,
    # Not returned by default: only with $select.
    "accountEnabled": lambda o, p: p.enabled,
    "companyName": lambda o, p: None if p.guest else o.tenant.capitalize(),
    "createdDateTime": lambda o, p: _iso(p.created),
    "deletedDateTime": lambda o, p: _iso_or_none(p.deleted),
    "department": lambda o, p: o.departments[p.department] if p.department >= 0 else None,
    "mailNickname": lambda o, p: p.upn.split("@")[0],
    "userType": lambda o, p: "Guest" if p.guest else "Member",
}
USER_DEFAULT: tuple[str, ...] = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)

_CREATION = {
    GroupKind.TEAM: ["Team", "ExchangeProvisioningFlags:3552"],
    GroupKind.UNIFIED: ["ExchangeProvisioningFlags:481"],
    GroupKind.ENGAGE: ["YammerProvisioning"],
    GroupKind.SECURITY: [],
}


def label_id(org: OrgData, label: int) -> str:
    """The GUID of sensitivity label ``label`` in this tenant."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org.tenant_id()}/labels/{label}"))


def _mail(o: OrgData, g: Group) -> str | None:
    return None if g.kind == GroupKind.SECURITY else f"{g.nickname}@{o.domain}"


@cache
def _sid_of(salt: int, group: int) -> str:
    # Entra derives the SID from the object id's four 32-bit words.
    raw = uuid.UUID(_gid(salt, group)).bytes_le
    words = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(map(str, words))


def _sid(o: OrgData, g: Group) -> str:
    return _sid_of(o.salt, g.idx)


GROUP: dict[str, Getter] = {
    "id": lambda o, g: _gid(o.salt, g.idx),
    "deletedDateTime": lambda o, g: _iso_or_none(g.deleted),
    "classification": lambda o, g: None,
    "createdDateTime": lambda o, g: _iso(g.created),
    "creationOptions": lambda o, g: list(_CREATION[g.kind]),
    "description": lambda o, g: g.description or None,
    "displayName": lambda o, g: g.name,
    "expirationDateTime": lambda o, g: None,
    "groupTypes": lambda o, g: [] if g.kind == GroupKind.SECURITY else ["Unified"],
    "isAssignableToRole": lambda o, g: None,
    "mail": _mail,
    "mailEnabled": lambda o, g: g.kind != GroupKind.SECURITY,
    "mailNickname": lambda o, g: g.nickname,
    "membershipRule": lambda o, g: None,
    "membershipRuleProcessingState": lambda o, g: None,
    "onPremisesLastSyncDateTime": lambda o, g: None,
    "onPremisesSecurityIdentifier": lambda o, g: None,
    "onPremisesSyncEnabled": lambda o, g: None,
    "preferredDataLocation": lambda o, g: None,
    "preferredLanguage": lambda o, g: None,
    "proxyAddresses": lambda o, g: [f"SMTP:{m}"] if (m := _mail(o, g)) else [],
    "renewedDateTime": lambda o, g: _iso(g.renewed),
    "resourceBehaviorOptions": lambda o, g: [],
    "resourceProvisioningOptions": lambda o, g: ["Team"] if g.kind == GroupKind.TEAM else [],
    "securityEnabled": lambda o, g: g.kind == GroupKind.SECURITY,
    "securityIdentifier": _sid,
    "theme": lambda o, g: None,
    "visibility": lambda o, g: str(g.visibility),
    "onPremisesProvisioningErrors": lambda o, g: [],
    "serviceProvisioningErrors": lambda o, g: [],
    # Not returned by default: only with $select.
    "assignedLabels": lambda o, g: (
        []
        if g.label < 0
        else [{"labelId": label_id(o, g.label), "displayName": SENSITIVITY_LABELS[g.label]}]
    ),
    "isArchived": lambda o, g: g.archived if g.kind == GroupKind.TEAM else None,
}
GROUP_DEFAULT: tuple[str, ...] = tuple(
    p for p in GROUP if p not in ("assignedLabels", "isArchived")
)


def props(
    table: dict[str, Getter], default: tuple[str, ...], select: tuple[str, ...] | None, type_: str
) -> tuple[tuple[str, Getter], ...]:
    """The (name, getter) pairs a response computes; unknown names answer Graph's 400."""
    names = default if select is None else ("id", *[s for s in select if s != "id"])
    out = []
    for name in names:
        getter = table.get(name)
        if getter is None:
            raise bad_request(
                f"Could not find a property named '{name}' on type 'microsoft.graph.{type_}'."
            )
        out.append((name, getter))
    return tuple(out)


def render(org: OrgData, record: Any, plan: tuple[tuple[str, Getter], ...]) -> dict[str, Any]:
    """One record as a JSON object with the planned properties."""
    return {name: getter(org, record) for name, getter in plan}


def user_plan(select: tuple[str, ...] | None) -> tuple[tuple[str, Getter], ...]:
    """What to compute for users under ``$select``."""
    return props(USER, USER_DEFAULT, select, "user")


def group_plan(select: tuple[str, ...] | None) -> tuple[tuple[str, Getter], ...]:
    """What to compute for groups under ``$select``."""
    return props(GROUP, GROUP_DEFAULT, select, "group")


def community_id(org: OrgData, group: int) -> str:
    """A Viva Engage community id: base64 of Yammer's JSON group reference, as Graph's are."""
    yammer_id = 100_000_000_000 + ids.tenant_salt(org.seed) * 1_000_000 + group
    raw = f'{{"_type":"Group","id":"{yammer_id}"}}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def community(org: OrgData, g: Group) -> dict[str, Any]:
    """A Viva Engage community object (employeeExperience/communities)."""
    return {
        "id": community_id(org, g.idx),
        "displayName": g.name,
        "description": g.description or None,
        "privacy": "public" if g.visibility == Visibility.PUBLIC else "private",
        "groupId": org.group_id(g.idx),
    }


def site(org: OrgData, index: int) -> dict[str, Any]:
    """A SharePoint site object (sites/root of a group)."""
    s = org.sites[index]
    activity = s.last_activity
    if s.group >= 0:
        activity = org.groups[s.group].last_activity
    return {
        "id": org.site_id(index),
        "createdDateTime": ids.iso(s.created),
        "description": None,
        "displayName": s.title,
        "lastModifiedDateTime": ids.iso(max(activity, s.created)),
        "name": s.url.rsplit("/", 1)[-1],
        "webUrl": s.url,
        "siteCollection": {"hostname": s.url.split("/")[2]},
    }


def person_directory_object(
    org: OrgData, p: Person, plan: tuple[tuple[str, Getter], ...]
) -> dict[str, Any]:
    """A user as a member of a directory-object collection (typed, as Graph lists members)."""
    out: dict[str, Any] = {"@odata.type": "#microsoft.graph.user"}
    out.update(render(org, p, plan))
    return out


def warm(org: OrgData) -> None:
    """Compute every user and group id once, up front (about 1 s per 100,000 records).

    Encoding ids is most of the cost of rendering a record the first time; a full discovery
    reads every record once, so paying it at start keeps every page fast.
    """
    for p in org.people:
        _uid(org.salt, p.idx)
    for g in org.groups:
        _sid_of(org.salt, g.idx)
