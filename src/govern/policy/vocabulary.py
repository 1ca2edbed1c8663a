"""The words policies may use: policy columns govern understands and their allowed values.

The engine knows the model and nothing of any tool, so these come from :mod:`govern.model`.
A custom model may add columns govern does not know; those are only counted, never checked.
"""

from __future__ import annotations

from govern.model import Lifecycle, PrincipalKind, Role, Severity

ANY = "*"
"""Matches anything in a policy column."""

NONE = "-"
"""An empty parameter or severity (allow rules need no severity)."""

KINDS: frozenset[str] = frozenset(k.value for k in PrincipalKind) | {"unknown"}
ROLES: frozenset[str] = frozenset(r.value for r in Role)
LIFECYCLES: frozenset[str] = frozenset(s.value for s in Lifecycle)
SEVERITIES: frozenset[str] = frozenset(s.value for s in Severity)
EFFECTS: frozenset[str] = frozenset({"allow", "deny"})

REQUIREMENTS: dict[str, str] = {
    "min_owners": "count",
    "steward_owner": "group",
    "no_guests": "none",
    "label_required": "none",
    "no_public": "none",
    "no_anonymous": "none",
    "max_inactive_days": "count",
}
"""Requirement kind -> what its parameter is: a whole number, a named group, or nothing."""

REQUEST_SHAPES: dict[str, tuple[str, ...]] = {
    "r": ("sub", "obj", "act"),
    "r2": ("obj", "req"),
}
"""The request definitions govern fills, by name, and the tokens each must have."""

EFFECT_EXPRESSIONS: frozenset[str] = frozenset(
    {
        "some(where (p.eft == allow))",
        "!some(where (p.eft == deny))",
        "some(where (p.eft == allow)) && !some(where (p.eft == deny))",
        "priority(p.eft) || deny",
        "subjectPriority(p.eft) || deny",
    }
)
"""Casbin's supported effects, written for section ``p`` (``p2`` etc. are the same shapes)."""

RULE_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"
