"""Factories for the model's people, teams and grants, shared by every test folder.

Each builds a valid record from a short key with the ids and paths govern's connectors use
(``m365:user:alice``, ``m365/contoso/team/hiking``); any field can be given, and a test folder
that needs other defaults wraps these instead of writing its own.
"""

from __future__ import annotations

from typing import Any

from govern.model import Community, Grant, Principal, PrincipalKind, Role


def person(
    key: str,
    kind: PrincipalKind = PrincipalKind.EMPLOYEE,
    *,
    connector: str = "m365",
    domain: str = "contoso.example",
    **fields: Any,
) -> Principal:
    """A person ``{connector}:user:{key}`` with the email ``{key}@{domain}`` unless given."""
    fields.setdefault("id", f"{connector}:user:{key}")
    fields.setdefault("email", f"{key}@{domain}")
    return Principal(kind=kind, **fields)


def team(
    key: str,
    name: str | None = None,
    *,
    connector: str = "m365",
    tenant: str = "contoso",
    kind: str = "team",
    **fields: Any,
) -> Community:
    """A community ``{connector}:{kind}:{key}`` at ``{connector}/{tenant}/{kind}/{key}``."""
    fields.setdefault("id", f"{connector}:{kind}:{key}")
    fields.setdefault("path", f"{connector}/{tenant}/{kind}/{key}")
    return Community(kind=kind, name=key if name is None else name, **fields)


def grant(
    community: Community | str, principal: Principal | str, role: Role = Role.MEMBER, **fields: Any
) -> Grant:
    """``principal`` (a record or its id) holding ``role`` in ``community`` (a record or id)."""
    return Grant(
        community_id=community if isinstance(community, str) else community.id,
        principal_id=principal if isinstance(principal, str) else principal.id,
        role=role,
        **fields,
    )
