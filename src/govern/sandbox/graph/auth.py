"""Who is calling: bearer tokens, the application permissions they carry, and Graph's refusals.

Any bearer token is accepted and holds every permission, except tokens of the form
``sandbox-scoped:Perm1,Perm2``, which hold only the listed application permissions. That lets a
test or a user see exactly what a least-privilege app registration would see: endpoints needing
another permission answer 403 ``Authorization_RequestDenied`` as Graph does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from govern.sandbox.graph.errors import GraphError

SCOPED_PREFIX = "sandbox-scoped:"
"""Tokens starting with this hold only the comma-separated permissions that follow."""


@dataclass(frozen=True)
class Caller:
    """The application behind a token: a stable app key (for throttling) and its permissions."""

    app: str
    permissions: frozenset[str] | None  # None: every permission

    def holds(self, accepted: tuple[str, ...]) -> bool:
        """Whether the caller holds at least one of the ``accepted`` permissions."""
        return not accepted or self.permissions is None or not self.permissions.isdisjoint(accepted)


def caller(authorization: str | None) -> Caller:
    """The caller named by an ``Authorization`` header, or Graph's 401."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    # Throttling is per app; a token stands for its app (tokens are never stored or logged).
    app = hashlib.blake2b(token.encode(), digest_size=8).hexdigest()
    if token.startswith(SCOPED_PREFIX):
        perms = frozenset(p.strip() for p in token[len(SCOPED_PREFIX) :].split(",") if p.strip())
        return Caller(app, perms)
    return Caller(app, None)


def require(who: Caller, accepted: tuple[str, ...]) -> None:
    """Graph's 403 unless ``who`` holds one of the ``accepted`` permissions."""
    if not who.holds(accepted):
        raise GraphError(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )


# Application permissions each kind of call accepts, least privileged first, from each API's
# "Permissions" table in microsoft-graph-docs-contrib (api-reference/v1.0/api/*.md).
USER_READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
GROUP_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "Directory.Read.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
)
MEMBER_WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
GROUP_WRITE = ("Group.ReadWrite.All", "Directory.ReadWrite.All")
TEAM_ARCHIVE = ("TeamSettings.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
REPORTS = ("Reports.Read.All",)
AUDIT_READ = ("AuditLog.Read.All",)
REPORT_SETTINGS = ("ReportSettings.Read.All", "ReportSettings.ReadWrite.All")
SITES = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All")
SERVICE_PRINCIPALS = (
    "Application.Read.All",
    "Directory.Read.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
GRANTS = ("DelegatedPermissionGrant.Read.All", "Directory.Read.All", "Directory.ReadWrite.All")
INSTALLED_APPS = (
    "TeamsAppInstallation.ReadForTeam.All",
    "TeamsAppInstallation.ReadWriteForTeam.All",
    "TeamsAppInstallation.ReadWriteSelfForTeam.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
COMMUNITIES = ("Community.Read.All", "Community.ReadWrite.All")
TEAM_READ = (
    "Team.ReadBasic.All",
    "TeamSettings.Read.All",
    "TeamSettings.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
)
