"""What a change is: its deterministic id, what it needs to be well formed, and its inverse."""

from __future__ import annotations

import hashlib
from typing import Any

from govern.model import Change, ChangeAction, Role


def change_id(
    action: ChangeAction,
    community_id: str,
    principal_id: str | None = None,
    role: Role | None = None,
    from_role: Role | None = None,
    value: str | None = None,
) -> str:
    """The id of a change: the same change always gets the same id, whoever plans it.

    The rule and reason are left out on purpose: two rules asking for the same grant are one
    change, and a journal entry keeps meaning the same thing when a rule is renamed.
    """
    raw = "\x1f".join(
        [
            action.value,
            community_id,
            principal_id or "",
            role.value if role else "",
            from_role.value if from_role else "",
            value or "",
        ]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def make_change(
    action: ChangeAction,
    community_id: str,
    *,
    rule_id: str,
    reason: str,
    principal_id: str | None = None,
    role: Role | None = None,
    from_role: Role | None = None,
    value: str | None = None,
) -> Change:
    """A change with its deterministic id."""
    return Change(
        id=change_id(action, community_id, principal_id, role, from_role, value),
        action=action,
        community_id=community_id,
        principal_id=principal_id,
        role=role,
        from_role=from_role,
        value=value,
        rule_id=rule_id,
        reason=reason,
    )


def problem(change: Change) -> str | None:
    """What makes a change unusable (a field its action needs is missing), or None."""
    a = change.action
    if a in (ChangeAction.ADD_GRANT, ChangeAction.REMOVE_GRANT):
        if not change.principal_id or change.role is None:
            return f"{a.value} needs principal_id and role"
    elif a is ChangeAction.CHANGE_ROLE:
        if not change.principal_id or change.role is None or change.from_role is None:
            return "change_role needs principal_id, from_role and role"
        if change.role == change.from_role:
            return "change_role needs from_role and role to differ"
    elif a in (ChangeAction.SET_VISIBILITY, ChangeAction.SET_LABEL) and not change.value:
        return f"{a.value} needs a value"
    expected = change_id(
        a, change.community_id, change.principal_id, change.role, change.from_role, change.value
    )
    if change.id != expected:
        return f"id {change.id} does not match its content (expected {expected})"
    return None


_OPPOSITE_GRANT = {
    ChangeAction.ADD_GRANT: ChangeAction.REMOVE_GRANT,
    ChangeAction.REMOVE_GRANT: ChangeAction.ADD_GRANT,
}


def inverse(change: Change, before: dict[str, Any] | None, *, rule_id: str) -> Change | None:
    """The change that undoes ``change``, or None when it cannot be undone.

    ``before`` is what the connector reported before the change; it supplies the old value of a
    visibility or label. Archiving has no inverse action in the model, so it is not undone here.
    """
    reason = f"undo {change.action.value} {change.id}"
    opposite = _OPPOSITE_GRANT.get(change.action)
    if opposite is not None:
        return make_change(
            opposite,
            change.community_id,
            principal_id=change.principal_id,
            role=change.role,
            rule_id=rule_id,
            reason=reason,
        )
    if change.action is ChangeAction.CHANGE_ROLE:
        return make_change(
            ChangeAction.CHANGE_ROLE,
            change.community_id,
            principal_id=change.principal_id,
            role=change.from_role,
            from_role=change.role,
            rule_id=rule_id,
            reason=reason,
        )
    if change.action in (ChangeAction.SET_VISIBILITY, ChangeAction.SET_LABEL):
        key = "visibility" if change.action is ChangeAction.SET_VISIBILITY else "sensitivity_label"
        # Tools report their own spelling (Graph: "Private"); the model's values are lowercase.
        raw = (before or {}).get(key)
        old = str(raw).lower() if key == "visibility" and raw else raw
        if not old or old == change.value:
            return None
        return make_change(
            change.action, change.community_id, value=str(old), rule_id=rule_id, reason=reason
        )
    return None
