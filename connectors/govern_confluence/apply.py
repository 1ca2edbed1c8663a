"""Applying grant changes to space permissions, idempotently and never orphaning a space.

A role is a set of Confluence permissions (``mapping.ROLE_PERMISSIONS``). Adding a grant adds
the permissions of its role the subject lacks (view first: Confluence needs it before any other);
removing one takes away what makes that role (administer for an owner, the content rights for a
member, everything for a viewer); changing one leaves exactly the new role's set. The space's
permissions are read first, so a change already made is reported done without a write, and
removing the administer permission of the only subject holding it is refused before Confluence
is asked. Data Center writes through JSON-RPC
(``addPermissionToSpace`` / ``removePermissionFromSpace``); Cloud through REST v1
(``POST /space/{key}/permission``, ``DELETE /space/{key}/permission/{id}``). A refusal carries
Confluence's own message.
"""

from __future__ import annotations

from typing import Any

from govern.connector import ApplyResult
from govern.model import Change, ChangeAction, Role, split_id
from govern_confluence import operations
from govern_confluence.mapping import ADMIN, EDIT, ROLE_PERMISSIONS, VIEW
from govern_confluence.reader import Reader
from govern_confluence.records import RPC, Forbidden

WRITABLE = frozenset({ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT, ChangeAction.CHANGE_ROLE})


class Refused(Exception):
    """Confluence (or the last-admin rule) refused a write; the message says why."""


def _removal(role: Role) -> set[str]:
    if role is Role.OWNER:
        return {ADMIN}
    if role is Role.MEMBER:
        return set(EDIT) | {ADMIN}
    return set(ROLE_PERMISSIONS[Role.OWNER]) | {"REMOVEMAIL"}


class Applier:
    """Applies changes to one site."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def apply(self, change: Change) -> ApplyResult:
        """Apply one change; errors come back as a refused result with the reason."""
        if change.action not in WRITABLE or change.principal_id is None or change.role is None:
            return ApplyResult(False, f"the confluence connector cannot {change.action.value}")
        connector, kind, key = split_id(change.community_id)
        _, pkind, subject = split_id(change.principal_id)
        if connector != "confluence" or kind != "space" or pkind not in ("user", "group"):
            return ApplyResult(False, f"{change.community_id}: not a Confluence space grant")
        try:
            before = self._held(key, pkind, subject)
            if change.action is ChangeAction.REMOVE_GRANT:
                after = self._remove(key, pkind, subject, _removal(change.role), before)
            else:
                wanted = set(ROLE_PERMISSIONS[change.role])
                after = self._add(key, pkind, subject, wanted, before)
                if change.action is ChangeAction.CHANGE_ROLE:
                    # A changed role is exactly the new role's set: a downgrade drops the rest.
                    after = self._remove(key, pkind, subject, after - wanted, after)
        except (Refused, Forbidden) as exc:
            reason = str(exc) if isinstance(exc, Refused) else "needs space admin rights"
            return ApplyResult(False, f"{key}: {reason}")
        note = "already so" if before == after else "done"
        return ApplyResult(
            True, note, {"permissions": sorted(before)}, {"permissions": sorted(after)}
        )

    # -- reading -----------------------------------------------------------------------------

    def _rows(self, key: str) -> tuple[str, list[tuple[str, str, str]]]:
        """The space id and its rows as (subject type, subject, permission)."""
        space = self.reader.space(key)
        if space is None:
            raise Refused("No space with key : " + key)
        rows = [(p.subject_type, p.subject, p.permission) for p in space.perms or []]
        return space.id, rows

    def _held(self, key: str, kind: str, subject: str) -> set[str]:
        _, rows = self._rows(key)
        return {perm for t, s, perm in rows if t == kind and self._same(kind, s, subject)}

    def _same(self, kind: str, ref: str, subject: str) -> bool:
        if kind == "group" and self.reader.cloud:
            from govern_confluence import people

            names = getattr(self, "_groups", None)
            if names is None:
                names = people.groups(self.reader)
                self._groups = names
            return ref == subject or ref == names.get(subject)
        return ref == subject

    # -- writing -----------------------------------------------------------------------------

    def _add(self, key: str, kind: str, subject: str, wanted: set[str], held: set[str]) -> set[str]:
        order = sorted(wanted - held, key=lambda p: (p != VIEW, p))
        for perm in order:
            self._write(True, key, kind, subject, perm)
        return held | wanted

    def _remove(
        self, key: str, kind: str, subject: str, drop: set[str], held: set[str]
    ) -> set[str]:
        gone = drop & held
        if ADMIN in gone:
            _, rows = self._rows(key)
            admins = {(t, s) for t, s, perm in rows if perm == ADMIN}
            if len(admins) <= 1:
                raise Refused(
                    f"{kind} {subject} is the last space administrator; add another first"
                )
        # Administer first, view last: never leave a subject with rights but no view.
        for perm in sorted(gone, key=lambda p: (p != ADMIN, p == VIEW, p)):
            self._write(False, key, kind, subject, perm)
        return held - gone

    def _write(self, add: bool, key: str, kind: str, subject: str, perm: str) -> None:
        if self.reader.cloud:
            self._write_cloud(add, key, kind, subject, perm)
            return
        method = "addPermissionToSpace" if add else "removePermissionFromSpace"
        body = {"jsonrpc": "2.0", "method": method, "params": [perm, subject, key], "id": 1}
        answer: Any = self.reader.client().post(RPC, data=body)
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            raise Refused(str(error.get("message", error)))

    def _write_cloud(self, add: bool, key: str, kind: str, subject: str, perm: str) -> None:
        from requests import HTTPError

        client = self.reader.client()
        try:
            pair = operations.CLOUD_TABLE.pair_of(perm)
            if pair is None:
                raise Refused(f"{perm} has no REST operation form; change it in Confluence itself")
            if add:
                op_key, target = pair
                client.post(
                    f"rest/api/space/{key}/permission",
                    data={
                        "subject": {"type": kind, "identifier": subject},
                        "operation": {"key": op_key, "target": target},
                    },
                )
                return
            space_id, _ = self._rows(key)
            for row in client._get_paged(f"api/v2/spaces/{space_id}/permissions"):
                principal, op = row.get("principal", {}), row.get("operation", {})
                if (
                    principal.get("type") == kind
                    and self._same(kind, str(principal.get("id")), subject)
                    and pair == (op.get("key"), op.get("targetType"))
                ):
                    client.delete(f"rest/api/space/{key}/permission/{row['id']}")
        except HTTPError as exc:
            raise Refused(str(exc)) from None
