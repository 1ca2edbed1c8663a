"""Graph's JSON objects mapped into govern's model: people, communities, grants.

Graph returns every property named in ``$select`` (as null when unset), so a property that is
absent from an object is a change in the API, reported by name; properties Graph adds that
govern does not know are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govern.errors import ConnectorError
from govern.model import (
    Community,
    Grant,
    Origin,
    Principal,
    PrincipalKind,
    Role,
    Visibility,
    make_id,
    slug,
)
from govern_m365.settings import OriginRules

CONNECTOR = "m365"

USER_SELECT = (
    "id,displayName,mail,userPrincipalName,department,jobTitle,userType,accountEnabled,"
    "createdDateTime,officeLocation"
)
GROUP_SELECT = (
    "id,displayName,mailNickname,description,groupTypes,visibility,createdDateTime,"
    "renewedDateTime,expirationDateTime,resourceProvisioningOptions,creationOptions,"
    "assignedLabels,isArchived,securityEnabled,mailEnabled"
)
_USER_REQUIRED = ("id", "displayName", "userPrincipalName", "userType", "accountEnabled")
_GROUP_REQUIRED = ("id", "displayName", "groupTypes", "visibility", "createdDateTime")


class MissingField(ConnectorError):
    """An object Graph returned lacks a property govern asked for."""

    def __init__(self, kind: str, ident: str, name: str) -> None:
        super().__init__(
            f"Graph returned {kind} {ident!r} without the expected field {name!r}; "
            f"the API may have changed: report it with this line"
        )


def require(obj: Mapping[str, Any], kind: str, names: Iterable[str]) -> None:
    """Raise :class:`MissingField` for the first absent property."""
    for name in names:
        if name not in obj:
            raise MissingField(kind, str(obj.get("id", "?")), name)


def parse_time(value: Any) -> datetime | None:
    """Graph's ISO timestamps ("2024-03-01T09:30:00Z") as aware datetimes."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def user_id(native: Any) -> str:
    """The principal id of a user (ids normalised to str: kiota may hand back uuid.UUID)."""
    return make_id(CONNECTOR, "user", str(native))


def principal(user: Mapping[str, Any]) -> Principal:
    """A Graph user as a principal."""
    require(user, "user", _USER_REQUIRED)
    guest = str(user["userType"]).lower() == "guest"
    mail = user.get("mail")
    office = user.get("officeLocation")
    return Principal(
        id=user_id(user["id"]),
        kind=PrincipalKind.GUEST if guest else PrincipalKind.EMPLOYEE,
        display_name=str(user["displayName"] or ""),
        email=str(mail).lower() if mail else None,
        upn=str(user["userPrincipalName"]) if user["userPrincipalName"] else None,
        department=user.get("department"),
        job_title=user.get("jobTitle"),
        enabled=bool(user["accountEnabled"]),
        created_at=parse_time(user.get("createdDateTime")),
        # Where the person works: communities cluster by place as well as by department.
        attributes={"office": str(office)} if office else {},
    )


def is_community(group: Mapping[str, Any]) -> bool:
    """Microsoft 365 (Unified) groups are places people gather; security groups are not."""
    return "Unified" in (group.get("groupTypes") or [])


def kind_of(group: Mapping[str, Any]) -> str:
    """team, engage or group: what a Microsoft 365 group backs."""
    if "Team" in (group.get("resourceProvisioningOptions") or []):
        return "team"
    # creationOptions is outside the v1.0 model but sent by Graph (notes/graph-sdk.md).
    if "YammerProvisioning" in (group.get("creationOptions") or []):
        return "engage"
    return "group"


def community_id(group_id: str, kind: str) -> str:
    """The community id of a group of ``kind``."""
    return make_id(CONNECTOR, kind, str(group_id))


_VISIBILITY = {
    "public": Visibility.PUBLIC,
    "private": Visibility.PRIVATE,
    "hiddenmembership": Visibility.HIDDEN,
}


@dataclass
class OriginJudge:
    """Applies the configured origin rules to a community."""

    rules: OriginRules
    it_members: set[str] = field(default_factory=set)
    """Native ids of the IT groups' members."""
    provisioning_principals: set[str] = field(default_factory=set)
    """Service principal object ids of the provisioning apps (they own what they create)."""

    def __post_init__(self) -> None:
        self._patterns = [re.compile(p) for p in self.rules.naming_patterns]

    @property
    def configured(self) -> bool:
        """False when no rule is set: origin then stays unknown."""
        r = self.rules
        return bool(r.it_groups or r.provisioning_app_ids or r.naming_patterns)

    def judge(self, group: Mapping[str, Any], owners: Iterable[str]) -> tuple[Origin, str]:
        """Origin and the rule that decided it."""
        if not self.configured:
            return Origin.UNKNOWN, ""
        app = group.get("createdByAppId")
        if app and str(app) in self.rules.provisioning_app_ids:
            return Origin.IT_PROVISIONED, "created by a provisioning app"
        name = str(group.get("displayName") or "")
        if any(p.search(name) for p in self._patterns):
            return Origin.IT_PROVISIONED, "name follows the IT naming convention"
        owner_ids = set(owners)
        if owner_ids & self.provisioning_principals:
            return Origin.IT_PROVISIONED, "owned by a provisioning app"
        if owner_ids and self.it_members and owner_ids <= self.it_members:
            return Origin.IT_PROVISIONED, "every owner is in an IT group"
        return Origin.SELF_SERVICE, "no IT rule matched"


def community(
    group: Mapping[str, Any],
    tenant: str,
    origin: tuple[Origin, str],
    extra: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> Community:
    """A Microsoft 365 group as the community it backs."""
    require(group, "group", _GROUP_REQUIRED)
    kind = kind_of(group)
    gid = str(group["id"])
    labels = group.get("assignedLabels") or []
    label = labels[0].get("displayName") if labels and isinstance(labels[0], dict) else None
    attrs: dict[str, Any] = {
        "group_id": gid,
        "mail_nickname": group.get("mailNickname"),
        "renewed_at": group.get("renewedDateTime"),
        "expires_at": group.get("expirationDateTime"),
        "origin_rule": origin[1],
    }
    if extra:
        attrs.update(extra)
    return Community(
        id=community_id(gid, kind),
        path=f"{CONNECTOR}/{tenant}/{kind}/{path_name(group)}",
        kind=kind,
        name=str(group["displayName"]),
        url=url,
        visibility=_VISIBILITY.get(str(group["visibility"] or "").lower(), Visibility.PRIVATE),
        sensitivity_label=label,
        created_at=parse_time(group["createdDateTime"]),
        origin=origin[0],
        archived=bool(group.get("isArchived")),
        attributes={k: v for k, v in attrs.items() if v not in (None, "", [], {})},
    )


def path_name(group: Mapping[str, Any]) -> str:
    """The last part of a group's path: readable, unique in the tenant, stable across runs.

    Display names repeat (two "Sales Dashboards" teams); mail nicknames are unique in a tenant.
    Where the nickname is the name run together (Teams and Outlook derive it so) the path is
    the name; where the nickname is the name plus a suffix, as the second group of a name gets
    ("salesdashboards2"), the suffix is added ("sales-dashboards-2"); where IT chose another
    nickname, the path is the nickname. A group's own name and nickname decide, never the
    other groups seen in a run, so an incremental run that sees one group gives it the same
    path a full run did.
    """
    base = slug(str(group["displayName"]))
    raw = str(group.get("mailNickname") or "")
    nick = re.sub(r"[^a-z0-9]", "", raw.lower())
    compact = base.replace("-", "")
    if not nick or nick == compact:
        return base
    if nick.startswith(compact):
        return f"{base}-{slug(nick[len(compact) :])}"
    return slug(raw)


def member_principal(member: Mapping[str, Any]) -> str:
    """The principal id of a member or owner entry (a user, a nested group, an app, ...)."""
    native = str(member["id"])
    odata_type = member.get("@odata.type")
    # Most entries are users, and a members page may carry no type on them (notes/graph-sdk.md).
    if not odata_type or odata_type == "#microsoft.graph.user":
        return f"{CONNECTOR}:user:{native}"
    odata = str(odata_type).lower()
    if odata.endswith("group"):
        return make_id(CONNECTOR, "group", native)
    if odata.endswith("serviceprincipal"):
        return make_id(CONNECTOR, "app", native)
    if odata.endswith("device") or odata.endswith("orgcontact"):
        return make_id(CONNECTOR, odata.rsplit(".", 1)[-1], native)
    return user_id(native)


def grant(cid: str, principal_id: str, role: Role) -> Grant:
    """A grant in a Microsoft 365 group, with Graph's name for it as evidence."""
    source = "owners" if role is Role.OWNER else "members"
    return Grant(community_id=cid, principal_id=principal_id, role=role, source=source)


def member_role(principal_id: str, guests: set[str]) -> Role:
    """Guests hold the guest role; everyone else who is a member, the member role."""
    return Role.GUEST if principal_id in guests else Role.MEMBER
