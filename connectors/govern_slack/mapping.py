"""Slack's objects in govern's model: users as principals, workspaces and channels as communities.

* A user is ``slack:user:<id>``: an employee, a guest (``is_restricted``: multi-channel,
  ``is_ultra_restricted``: single-channel, or a member of a partner organisation in a Slack
  Connect channel), or a service (bots). Emails are lowercased: people are matched across tools
  by email.
* A workspace is ``slack:workspace:<id>`` at ``slack/<domain>/workspace/<domain>``; its members
  hold grants on it, with the time and inviter of their ``#general`` join when history shows it.
* A channel is ``slack:channel:<id>`` at ``slack/<domain>/channel/<name>``. Its creator, while a
  member, is its owner (Slack has no other channel owner outside Grid channel managers).
* Origin: a channel or workspace outside the sanctioned workspaces is an external network;
  inside, ``#general`` and channels created by workspace admins are IT-provisioned, the rest
  self-service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from govern.model import Community, Grant, Origin, Principal, PrincipalKind, Role, Visibility


def user_id(native: str) -> str:
    """The principal id of a Slack user."""
    return f"slack:user:{native}"


def when(ts: float | int | str | None) -> datetime | None:
    """Unix seconds (Slack's ``created`` or a message ``ts``) as an aware datetime."""
    if ts in (None, "", 0):
        return None
    return datetime.fromtimestamp(float(ts), UTC)


@dataclass
class Workspace:
    """A workspace being discovered, with what is known of its people."""

    id: str
    name: str
    domain: str
    grid: bool
    sanctioned: bool
    email_domain: str = ""
    discoverability: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    external_orgs: dict[str, str] = field(default_factory=dict)  # team id -> name

    @property
    def community_id(self) -> str:
        """The community id of the workspace itself."""
        return f"slack:workspace:{self.id}"

    def guest_kind(self, native: str, ext_shared: bool = False) -> str | None:
        """``single-channel``, ``multi-channel``, ``external`` or None for a full member.

        A member ``users.list`` does not return is a partner organisation's member only where
        Slack says the channel is shared with one (``is_ext_shared``); elsewhere (an org-shared
        channel of an Enterprise Grid, or users that could not be read) nothing says so.
        """
        u = self.users.get(native)
        if u is None:
            return "external" if ext_shared and self.users else None
        if u.get("is_ultra_restricted"):
            return "single-channel"
        if u.get("is_restricted"):
            return "multi-channel"
        if u.get("team_id") and u["team_id"] != self.id and not u.get("enterprise_user"):
            return "external"
        return None


def display_name(u: dict[str, Any]) -> str:
    """The name people know a user by: the profile's real name, else its display name.

    Slack documents both in ``profile``; the top-level ``real_name`` may hold the handle (its
    own ``users.list`` example shows ``"real_name": "spengler"`` beside ``"Egon Spengler"``).
    """
    profile = u.get("profile") or {}
    for value in (profile.get("real_name"), profile.get("display_name"), u.get("real_name")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(u.get("name") or u.get("id", ""))


def principal(u: dict[str, Any], workspace: Workspace) -> Principal:
    """A Slack user as a principal."""
    profile = u.get("profile") or {}
    email = profile.get("email")
    if u.get("is_bot") or u.get("is_app_user"):
        kind = PrincipalKind.SERVICE
    elif u.get("is_restricted") or u.get("is_ultra_restricted"):
        kind = PrincipalKind.GUEST
    else:
        kind = PrincipalKind.EMPLOYEE
    guest = workspace.guest_kind(str(u["id"]))
    attributes: dict[str, Any] = {"workspace": workspace.id}
    if guest:
        attributes["guest"] = guest
    if u.get("is_admin") or u.get("is_owner"):
        attributes["admin"] = True
    return Principal(
        id=user_id(str(u["id"])),
        kind=kind,
        display_name=display_name(u),
        email=email.lower() if isinstance(email, str) and email else None,
        job_title=profile.get("title") or None,
        enabled=not u.get("deleted", False),
        attributes=attributes,
    )


def external_principal(native: str, workspace: Workspace, team: str) -> Principal:
    """A member of a partner organisation met in a Slack Connect channel."""
    attributes = {"guest": "external", "external_team": team}
    if team in workspace.external_orgs:
        attributes["external_org"] = workspace.external_orgs[team]
    return Principal(id=user_id(native), kind=PrincipalKind.GUEST, attributes=attributes)


def origin(workspace: Workspace, channel: dict[str, Any] | None) -> Origin:
    """How a workspace or channel came to exist, as far as Slack tells."""
    if not workspace.sanctioned:
        return Origin.EXTERNAL_NETWORK
    if channel is None or channel.get("is_general"):
        return Origin.IT_PROVISIONED
    creator = workspace.users.get(str(channel.get("creator", "")), {})
    if creator.get("is_admin") or creator.get("is_owner"):
        return Origin.IT_PROVISIONED
    return Origin.SELF_SERVICE


def workspace_community(
    workspace: Workspace, general: dict[str, Any] | None, last_activity: datetime | None
) -> Community:
    """The workspace as a community: created with its ``#general``."""
    open_join = bool(workspace.email_domain) or workspace.discoverability == "open"
    members = [u for u in workspace.users.values() if _counts(u, workspace)]
    return Community(
        id=workspace.community_id,
        path=f"slack/{workspace.domain}/workspace/{workspace.domain}",
        kind="workspace",
        name=workspace.name,
        url=f"https://{workspace.domain}.slack.com/",
        visibility=Visibility.ORG if open_join else Visibility.PRIVATE,
        created_at=when(general.get("created")) if general else None,
        created_by=user_id(general["creator"]) if general and general.get("creator") else None,
        origin=origin(workspace, None),
        last_activity_at=last_activity,
        attributes={
            "tool": "slack",
            "plan": "enterprise" if workspace.grid else "standalone",
            "email_domain": workspace.email_domain,
            "members": len(members),
            "guests": sum(1 for u in members if workspace.guest_kind(str(u["id"]))),
            "sanctioned": workspace.sanctioned,
        },
    )


def _counts(u: dict[str, Any], workspace: Workspace) -> bool:
    return not (
        u.get("deleted") or u.get("is_bot") or u.get("is_app_user") or u["id"] == "USLACKBOT"
    )


def channel_community(
    workspace: Workspace,
    channel: dict[str, Any],
    members: list[str] | None,
    last_activity: datetime | None,
) -> Community:
    """A channel as a community."""
    ext = bool(channel.get("is_ext_shared"))
    guests = [workspace.guest_kind(m, ext) for m in members or []]
    shared = [t for t in channel.get("shared_team_ids") or [] if t != workspace.id]
    attributes: dict[str, Any] = {
        "tool": "slack",
        "workspace": workspace.id,
        "workspace_name": workspace.name,
        "is_general": bool(channel.get("is_general")),
        "shared_externally": ext,
        "shared": bool(channel.get("is_shared")),
        "external_orgs": sorted(workspace.external_orgs.get(t, t) for t in shared),
        "members": channel.get("num_members", len(members or [])),
    }
    if members is not None:
        attributes["single_channel_guests"] = guests.count("single-channel")
        attributes["multi_channel_guests"] = guests.count("multi-channel")
        attributes["external_members"] = guests.count("external")
        if workspace.users:
            # Members users.list does not know, in a channel not shared outside: who they are
            # is unknown (another workspace of the org, or a user the list left out).
            attributes["unlisted_members"] = sum(
                1 for m in members or [] if m not in workspace.users and not ext
            )
    private = bool(channel.get("is_private"))
    return Community(
        id=f"slack:channel:{channel['id']}",
        path=f"slack/{workspace.domain}/channel/{channel['name']}",
        kind="channel",
        name=str(channel["name"]),
        url=f"https://{workspace.domain}.slack.com/archives/{channel['id']}",
        visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
        created_at=when(channel.get("created")),
        created_by=user_id(channel["creator"]) if channel.get("creator") else None,
        origin=origin(workspace, channel),
        archived=bool(channel.get("is_archived")),
        last_activity_at=last_activity,
        attributes=attributes,
    )


def grants(
    community_id: str,
    workspace: Workspace,
    members: list[str],
    creator: str | None,
    joins: dict[str, tuple[float, str | None]],
    ext_shared: bool = False,
) -> list[Grant]:
    """Grants of a channel's (or workspace's) members; since/added_by from seen joins."""
    out: list[Grant] = []
    for m in members:
        ts, inviter = joins.get(m, (0.0, None))
        role = Role.GUEST if workspace.guest_kind(m, ext_shared) else Role.MEMBER
        out.append(
            Grant(
                community_id=community_id,
                principal_id=user_id(m),
                role=role,
                since=when(ts),
                added_by=user_id(inviter) if inviter else None,
                source="guest" if role is Role.GUEST else "member",
            )
        )
        if m == creator:
            out.append(
                Grant(
                    community_id=community_id,
                    principal_id=user_id(m),
                    role=Role.OWNER,
                    since=when(ts),
                    source="creator",
                )
            )
    return out
