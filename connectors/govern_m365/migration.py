"""Writing a migration into Teams through msgraph-sdk: Graph's documented import path.

Create the team and its channels in migration mode with their original ``createdDateTime``,
import each message with its original time and author (replies under their parent), complete
the migration of every channel and then of the team, and only then add the members, in bulk
(``members/add``, 200 a request). Every call is idempotent so that an interrupted run can be
run again: a team is found again by name and by the plan id written in its description, a
channel by name, an imported message by its ``createdDateTime`` (unique to the millisecond in a
channel, as Graph requires), a completed migration answers 400 "not in migration mode", which
means done.

Requests go through :class:`~govern_m365.session.Session` (the SDK's request adapter, retry
middleware and this project's pacing and retries); message imports are paced per channel
(Graph: 5 requests per second per channel).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from govern_m365.permissions import Feature
from govern_m365.session import GraphFailure, KeyedRate, Session

MEMBERS_PER_REQUEST = 200


@dataclass(frozen=True)
class TenantUser:
    """A directory user as matching needs it."""

    id: str
    name: str
    mail: str | None
    upn: str
    enabled: bool
    guest: bool


@dataclass(frozen=True)
class Imported:
    """A message already in a channel: its id and its parent's id (None for a top message)."""

    id: str
    reply_to: str | None


def iso_ms(ms: int) -> str:
    """Milliseconds since the Unix epoch as Graph's ``createdDateTime``."""
    stamp = datetime.fromtimestamp(ms / 1000, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(value: str) -> int:
    """Graph's ``createdDateTime`` as milliseconds since the Unix epoch."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return round(when.timestamp() * 1000)


def _post(session: Session, path: str, body: dict[str, Any] | None) -> Any:
    info = session.request_for_url(f"{session.base}{path}", "POST")
    if body is not None:
        info.headers.try_add("Content-Type", "application/json")
        info.content = json.dumps(body).encode()
    return info


async def tenant_users(session: Session) -> list[TenantUser]:
    """Every user of the tenant (members and guests), for matching by email."""
    url = (
        f"{session.base}/users?$select=id,displayName,mail,userPrincipalName,accountEnabled,"
        "userType&$top=999"
    )
    out: list[TenantUser] = []
    async for page in session.pages(session.request_for_url(url), Feature.PEOPLE, "read users"):
        for u in page.get("value", []):
            out.append(
                TenantUser(
                    id=str(u["id"]),
                    name=str(u.get("displayName") or ""),
                    mail=str(u["mail"]).lower() if u.get("mail") else None,
                    upn=str(u.get("userPrincipalName") or "").lower(),
                    enabled=u.get("accountEnabled") is not False,
                    guest=u.get("userType") == "Guest",
                )
            )
    return out


async def groups_named(session: Session, name: str) -> list[dict[str, Any]]:
    """Groups whose display name is ``name`` (a team name must not be taken)."""
    literal = name.replace("'", "''")
    url = (
        f"{session.base}/groups?$filter={quote(f'displayName eq {chr(39)}{literal}{chr(39)}')}"
        "&$select=id,displayName,description,resourceProvisioningOptions"
    )
    out: list[dict[str, Any]] = []
    async for page in session.pages(session.request_for_url(url), Feature.GROUPS, "find team"):
        out.extend(page.get("value", []))
    return out


async def find_team(session: Session, name: str, marker: str) -> str | None:
    """The id of the team this migration created (its description carries ``marker``)."""
    for g in await groups_named(session, name):
        if marker in str(g.get("description") or ""):
            return str(g["id"])
    return None


async def create_team(
    session: Session, name: str, description: str, marker: str, created_ms: int
) -> str:
    """The team in migration mode (found again if an earlier attempt created it)."""
    found = await find_team(session, name, marker)
    if found:
        return found
    body = {
        "@microsoft.graph.teamCreationMode": "migration",
        "template@odata.bind": f"{session.base}/teamsTemplates('standard')",
        "displayName": name,
        "description": f"{description} {marker}".strip(),
        "visibility": "private",
        "createdDateTime": iso_ms(created_ms),
    }
    await session.send(_post(session, "/teams", body), Feature.TEAMS_MIGRATE, "create the team")
    # Team creation is asynchronous (202): the team is listed once provisioned.
    for attempt in range(30):
        found = await find_team(session, name, marker)
        if found:
            return found
        await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
    raise GraphFailure(202, "NotProvisioned", "the team was not listed after creation", name)


async def channels(session: Session, team_id: str) -> dict[str, str]:
    """Channel ids by lowercased display name."""
    url = f"{session.base}/teams/{team_id}/channels"
    out: dict[str, str] = {}
    async for page in session.pages(
        session.request_for_url(url), Feature.TEAMS_MIGRATE, "list channels"
    ):
        for c in page.get("value", []):
            out[str(c.get("displayName", "")).lower()] = str(c["id"])
    return out


async def create_channel(
    session: Session, team_id: str, name: str, description: str, created_ms: int
) -> str:
    """A standard channel in migration mode (found again by name if it exists)."""
    existing = await channels(session, team_id)
    if name.lower() in existing:
        return existing[name.lower()]
    body = {
        "@microsoft.graph.channelCreationMode": "migration",
        "displayName": name,
        "description": description,
        "membershipType": "standard",
        "createdDateTime": iso_ms(created_ms),
    }
    data = await session.json(
        _post(session, f"/teams/{team_id}/channels", body),
        Feature.TEAMS_MIGRATE,
        f"create channel {name}",
    )
    return str(data["id"])


async def imported(session: Session, team_id: str, channel_id: str) -> dict[int, Imported]:
    """What a channel already holds, by ``createdDateTime`` in ms (messages and replies)."""
    url = f"{session.base}/teams/{team_id}/channels/{channel_id}/messages?$top=50&$expand=replies"
    out: dict[int, Imported] = {}
    info = session.request_for_url(url)
    async for page in session.pages(info, Feature.TEAMS_MIGRATE, "read imported messages"):
        for m in page.get("value", []):
            out[parse_ms(str(m["createdDateTime"]))] = Imported(str(m["id"]), None)
            for r in m.get("replies") or []:
                out[parse_ms(str(r["createdDateTime"]))] = Imported(str(r["id"]), str(m["id"]))
    return out


class Importer:
    """Imports messages into channels at most ``rps`` requests per second per channel."""

    def __init__(self, session: Session, rps: float) -> None:
        self.session = session
        self.rate = KeyedRate(rps)
        self.sent = 0

    async def message(
        self,
        team_id: str,
        channel_id: str,
        created_ms: int,
        author: tuple[str, str],
        html: str,
        reply_to: str | None,
    ) -> str | None:
        """Import one message; its id, or None when Graph says it is already there (409)."""
        path = f"/teams/{team_id}/channels/{channel_id}/messages"
        if reply_to is not None:
            path += f"/{reply_to}/replies"
        body = {
            "createdDateTime": iso_ms(created_ms),
            "from": {
                "user": {"id": author[0], "displayName": author[1], "userIdentityType": "aadUser"}
            },
            "body": {"contentType": "html", "content": html},
        }
        await self.rate.wait(channel_id)
        self.sent += 1
        try:
            data = await self.session.json(
                _post(self.session, path, body), Feature.TEAMS_MIGRATE, "import a message"
            )
        except GraphFailure as exc:
            if exc.status == 409:
                return None
            raise
        return str(data["id"])


async def complete_channel(session: Session, team_id: str, channel_id: str) -> bool:
    """Complete a channel's migration; False when it was completed before."""
    return await _complete(session, f"/teams/{team_id}/channels/{channel_id}/completeMigration")


async def complete_team(session: Session, team_id: str) -> bool:
    """Complete the team's migration; False when it was completed before."""
    return await _complete(session, f"/teams/{team_id}/completeMigration")


async def _complete(session: Session, path: str) -> bool:
    try:
        await session.send(_post(session, path, None), Feature.TEAMS_MIGRATE, "complete migration")
    except GraphFailure as exc:
        if exc.status == 400 and "not in migration mode" in exc.graph_message:
            return False
        raise
    return True


async def add_members(
    session: Session, team_id: str, people: list[tuple[str, bool]]
) -> dict[str, str]:
    """Add ``(user id, owner)`` in bulk; returns the users Graph refused, with its reason."""
    refused: dict[str, str] = {}
    for start in range(0, len(people), MEMBERS_PER_REQUEST):
        chunk = people[start : start + MEMBERS_PER_REQUEST]
        body = {
            "values": [
                {
                    "@odata.type": "microsoft.graph.aadUserConversationMember",
                    "roles": ["owner"] if owner else [],
                    "user@odata.bind": f"{session.base}/users('{uid}')",
                }
                for uid, owner in chunk
            ]
        }
        data = await session.json(
            _post(session, f"/teams/{team_id}/members/add", body),
            Feature.TEAM_MEMBERS,
            "add members",
        )
        for result in data.get("value", []):
            err = result.get("error")
            if err:
                refused[str(result.get("userId"))] = str(err.get("code") or err)
    return refused


async def revoke_consent(session: Session, grant_id: str) -> bool:
    """Delete one user's OAuth2 permission grant; False when it was already gone."""
    info = session.request_for_url(f"{session.base}/oauth2PermissionGrants/{grant_id}", "DELETE")
    try:
        await session.send(info, Feature.CONSENT_WRITE, "revoke a consent")
    except GraphFailure as exc:
        if exc.status == 404:
            return False
        raise
    return True


@dataclass(frozen=True)
class Consent:
    """One user's consent (an OAuth2 permission grant with consentType Principal)."""

    id: str
    client_id: str
    principal_id: str
    scope: str


async def user_consents(session: Session, client_id: str) -> list[Consent]:
    """Every user consent to the app whose service principal id is ``client_id``."""
    flt = quote(f"clientId eq '{client_id}' and consentType eq 'Principal'")
    url = f"{session.base}/oauth2PermissionGrants?$filter={flt}&$top=999"
    out: list[Consent] = []
    async for page in session.pages(
        session.request_for_url(url), Feature.CONSENTS, "read consents"
    ):
        for g in page.get("value", []):
            if g.get("consentType") == "Principal" and g.get("principalId"):
                out.append(
                    Consent(
                        str(g["id"]),
                        str(g["clientId"]),
                        str(g["principalId"]),
                        str(g.get("scope") or ""),
                    )
                )
    return out


async def group_member_ids(session: Session, group_id: str) -> set[str]:
    """Ids of a group's (or team's) members."""
    url = f"{session.base}/groups/{group_id}/members?$select=id&$top=999"
    out: set[str] = set()
    async for page in session.pages(session.request_for_url(url), Feature.GROUPS, "read members"):
        out.update(str(m["id"]) for m in page.get("value", []))
    return out
