"""The least-privilege Graph application permissions per capability, and per discovery feature.

A 403 on one feature's requests disables that feature only: discovery records the part as
incomplete, naming the permission to grant, and goes on with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from govern.connector import Capability, Permission


class Feature(StrEnum):
    """A part of discovery or apply that needs its own permission."""

    PEOPLE = "people"
    GROUPS = "groups"
    ENGAGE = "engage"
    SITES = "sites"
    ACTIVITY = "activity"
    AUDIT = "audit-log"
    CONSENTS = "consents"
    SERVICE_PRINCIPALS = "service-principals"
    TEAM_APPS = "team-apps"
    MEMBERS_WRITE = "members-write"
    GROUP_WRITE = "group-write"
    TEAM_ARCHIVE = "team-archive"
    TEAMS_MIGRATE = "teams-migrate"
    TEAM_MEMBERS = "team-members"
    CONSENT_WRITE = "consent-write"


@dataclass(frozen=True)
class FeatureNeed:
    """The permission a feature needs and what govern loses without it."""

    permission: str
    loses: str


NEEDS: dict[Feature, FeatureNeed] = {
    Feature.PEOPLE: FeatureNeed("User.Read.All", "people (names, departments, guests)"),
    Feature.GROUPS: FeatureNeed(
        "GroupMember.Read.All", "Microsoft 365 groups, teams, their owners and members"
    ),
    Feature.ENGAGE: FeatureNeed("Community.Read.All", "Viva Engage community details"),
    Feature.SITES: FeatureNeed(
        "Sites.Read.All", "SharePoint sites (site URLs, sites without a group)"
    ),
    Feature.ACTIVITY: FeatureNeed("Reports.Read.All", "activity data from the usage reports"),
    Feature.AUDIT: FeatureNeed(
        "AuditLog.Read.All",
        "who added whom to groups and when (directory audit log: join dates, adders and "
        "organic-spread figures)",
    ),
    Feature.CONSENTS: FeatureNeed(
        "DelegatedPermissionGrant.Read.All", "per-user app consents (shadow apps)"
    ),
    Feature.SERVICE_PRINCIPALS: FeatureNeed(
        "Application.Read.All", "app names and publisher verification (shadow apps)"
    ),
    Feature.TEAM_APPS: FeatureNeed(
        "TeamsAppInstallation.ReadForTeam.All", "apps installed in teams (sideloaded apps)"
    ),
    Feature.MEMBERS_WRITE: FeatureNeed("GroupMember.ReadWrite.All", "adding and removing members"),
    Feature.GROUP_WRITE: FeatureNeed(
        "Group.ReadWrite.All", "adding and removing owners, changing a group's visibility"
    ),
    Feature.TEAM_ARCHIVE: FeatureNeed("TeamSettings.ReadWrite.All", "archiving a team"),
    # govern migrate (issue 16): Graph's import path, bulk member add, consent revocation.
    Feature.TEAMS_MIGRATE: FeatureNeed(
        "Teamwork.Migrate.All", "creating a team in migration mode and importing its messages"
    ),
    Feature.TEAM_MEMBERS: FeatureNeed("TeamMember.ReadWrite.All", "adding migrated members"),
    Feature.CONSENT_WRITE: FeatureNeed(
        "DelegatedPermissionGrant.ReadWrite.All", "revoking the app consents of people who moved"
    ),
}

_CAPABILITY: dict[Feature, Capability] = {
    Feature.PEOPLE: Capability.DISCOVER,
    Feature.GROUPS: Capability.DISCOVER,
    Feature.ENGAGE: Capability.DISCOVER,
    Feature.SITES: Capability.DISCOVER,
    Feature.ACTIVITY: Capability.ACTIVITY,
    Feature.AUDIT: Capability.DISCOVER,
    Feature.CONSENTS: Capability.APPS,
    Feature.SERVICE_PRINCIPALS: Capability.APPS,
    Feature.TEAM_APPS: Capability.APPS,
    Feature.MEMBERS_WRITE: Capability.APPLY,
    Feature.GROUP_WRITE: Capability.APPLY,
    Feature.TEAM_ARCHIVE: Capability.APPLY,
    Feature.TEAMS_MIGRATE: Capability.APPLY,
    Feature.TEAM_MEMBERS: Capability.APPLY,
    Feature.CONSENT_WRITE: Capability.APPLY,
}

PERMISSIONS: tuple[Permission, ...] = tuple(
    Permission(need.permission, _CAPABILITY[feature], f"read {need.loses}")
    if _CAPABILITY[feature] is not Capability.APPLY
    else Permission(need.permission, Capability.APPLY, need.loses)
    for feature, need in NEEDS.items()
)
"""Declared on the connector; ``govern connectors`` and the README list them."""


def missing(feature: Feature, detail: str = "") -> str:
    """The reason recorded when Graph refuses a feature: the permission and what is lost."""
    need = NEEDS[feature]
    extra = f" (Graph said: {detail})" if detail else ""
    return (
        f"missing permission {need.permission}: {need.loses} not read{extra}; "
        f"grant {need.permission} to the app registration"
    )
