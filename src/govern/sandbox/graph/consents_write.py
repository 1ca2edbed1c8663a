"""Revoking one user's consent to an app: ``DELETE /oauth2PermissionGrants/{id}``.

oauth2permissiongrant-delete.md (v1.0): 204 No Content; application permission
``DelegatedPermissionGrant.ReadWrite.All``. A grant that does not exist (or was deleted before)
is Graph's 404 ``Request_ResourceNotFound``. The row stays in the organisation marked revoked,
so ids never move and ``GET /oauth2PermissionGrants`` stops listing it.
"""

from __future__ import annotations

from govern.sandbox.graph.core import Call, Endpoint, Reply
from govern.sandbox.graph.errors import not_found

CONSENT_WRITE = ("DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All")


def delete_grant(call: Call) -> Reply:
    """DELETE /oauth2PermissionGrants/{id}."""
    org = call.org
    grant = call.params["grant"]
    row = org.consent_index(grant)
    if row is None or org.consents.revoked[row] != -1:
        raise not_found(grant)
    org.consents.revoke(row, org.now)
    call.state.writes += 1
    return Reply(status=204)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("DELETE", "/oauth2PermissionGrants/{grant}", delete_grant, CONSENT_WRITE),
)
