"""Planning the move from an unsanctioned app to the sanctioned place: revoke only who moved.

The source is an app people consented to themselves (``m365:app:<service principal id>``,
origin unsanctioned-app); the target is where they go instead, a Microsoft 365 group or team
(for instance the team a Slack workspace was migrated into). A person "moved" when they are a
member of the target; only their consents are revoked, and only at apply time after checking
again that they are still in the target, so nobody loses the app before the replacement is in
place. Everyone else keeps it and is listed. Each revocation is journaled with what re-creates
it (the person consents again, or an admin posts the same grant back).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from govern.errors import PlanError
from govern.migrate.model import (
    Check,
    Endpoint,
    Item,
    MatchStatus,
    MigrationPlan,
    Person,
    Review,
    StepKind,
    make_step,
)
from govern.migrate.planfile import new_id, seal

PERMISSIONS = [
    "Microsoft Graph: DelegatedPermissionGrant.ReadWrite.All (revoke the consents)",
    "Microsoft Graph: DelegatedPermissionGrant.Read.All, GroupMember.Read.All (who moved)",
]


async def _read(m365: Any, client_id: str, group_id: str) -> tuple[list[Any], set[str], Any]:
    from govern_m365 import migration
    from govern_m365.session import Session

    async with Session(m365) as session:
        consents = await migration.user_consents(session, client_id)
        members = await migration.group_member_ids(session, group_id)
        users = {u.id: u for u in await migration.tenant_users(session)}
    return consents, members, users


def plan_app_consents(
    source: Any, target: Any, m365: Any, *, now: datetime | None = None
) -> MigrationPlan:
    """The plan revoking the consents to ``source`` (an app) of the members of ``target``."""
    created_at = now or datetime.now(UTC)
    s_conn, s_kind, client_id = source.id.split(":", 2)
    t_conn, t_kind, group_id = target.id.split(":", 2)
    if (s_conn, s_kind) != ("m365", "app"):
        raise PlanError(f"{source.path}: an app migration starts from a Microsoft 365 app")
    if t_conn != "m365" or t_kind not in ("team", "group", "engage"):
        raise PlanError(
            f"{target.path}: --to must name the Microsoft 365 team or group people move to"
        )
    consents, members, users = asyncio.run(_read(m365, client_id, group_id))
    moved = [c for c in consents if c.principal_id in members]
    staying = [c for c in consents if c.principal_id not in members]

    def person(c: Any, role: str, needs: str) -> Person:
        u = users.get(c.principal_id)
        return Person(
            source_id=c.principal_id,
            name=u.name if u else c.principal_id,
            email=(u.mail or u.upn) if u else None,
            status=MatchStatus.MATCHED,
            target_id=c.principal_id,
            target_name=u.name if u else None,
            role=role,
            needs=needs,
        )

    people = [person(c, "moved", "") for c in moved] + [
        person(c, "stays", f"not a member of {target.name}: keeps {source.name}") for c in staying
    ]
    checks: list[Check] = []
    if not moved:
        checks.append(
            Check(
                id="nobody-moved",
                blocking=True,
                message=f"none of the {len(consents)} people who consented to {source.name} is a "
                f"member of {target.name} yet; move them first",
            )
        )
    grants = sorted(
        [c.id, c.principal_id, people[i].email or "", c.scope] for i, c in enumerate(moved)
    )
    steps = [
        make_step(
            StepKind.REVOKE_CONSENTS,
            f"{source.id}/revoke/{target.id}",
            f"revoke {len(moved)} consents to {source.name} of people now in {target.name}",
            changes=len(moved),
            client_id=client_id,
            group_id=group_id,
            app=source.name,
            grants=grants,
        )
    ]
    review = Review(
        moves=[
            Item(
                what=f"people from {source.name} to {target.name}",
                count=len(moved),
                detail="their own consents are revoked; they work in the sanctioned place",
            )
        ],
        cannot_move=[
            Item(
                what=f"people not in {target.name}",
                count=len(staying),
                detail="keep the app until they move; plan again after",
            )
        ]
        if staying
        else [],
        people=people,
        checks=checks,
        permissions=list(PERMISSIONS),
        notes=[
            "apply checks membership again and revokes only for people still in the target",
            "each revocation is journaled; to undo, the person consents again, or an admin "
            "re-creates the grant (POST /oauth2PermissionGrants with the journaled clientId, "
            "principalId and scope)",
        ],
    )
    plan = MigrationPlan(
        migration="app-consents",
        id=new_id(created_at),
        created_at=created_at,
        source=Endpoint(tool="m365", kind="app", name=source.name, id=source.id, path=source.path),
        target=Endpoint(tool="m365", kind=t_kind, name=target.name, id=target.id, path=target.path),
        options={"client_id": client_id, "group_id": group_id},
        review=review,
        steps=steps,
    )
    return seal(plan)
