"""``$expand`` of a group's ``members`` or ``owners``, within Graph's documented limits.

What the documentation says, and this module does (concepts/query-parameters.md, "expand
parameter"; the known issue "Some limitations apply to query parameters"; resources/group.md):

- only one relationship can be expanded in a single request;
- on directory objects such as groups, an expanded relationship holds at most 20 objects and
  has no ``@odata.nextLink``: a client needing all of them lists the relationship itself;
- ``owners`` and ``members`` support ``$expand`` with a nested ``$select``
  (``$expand=owners($select=id,displayName)``);
- expanded members are directory objects, typed with ``@odata.type`` as in a members listing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from govern.sandbox.entities import Group
from govern.sandbox.graph.errors import bad_request
from govern.sandbox.graph.render import Getter, render, user_plan
from govern.sandbox.orgdata import OrgData

EXPAND_LIMIT = 20
"""Objects in an expanded directory relationship (documented maximum, no nextLink)."""

_RELATIONS = ("members", "owners")
_ITEM = re.compile(r"^(\w+)(?:\((.*)\))?$", re.DOTALL)
_NESTED = re.compile(r"^\$?select=([\w,\s]*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Expansion:
    """One expanded relationship of a group and the properties of its objects."""

    relation: str
    select: tuple[str, ...] | None
    plan: tuple[tuple[str, Getter], ...]

    def apply(self, org: OrgData, group: Group, obj: dict[str, Any]) -> dict[str, Any]:
        """``obj`` (the rendered group) with the relationship's first 20 objects added."""
        people = (group.owners if self.relation == "owners" else group.members).ids
        obj[self.relation] = [
            {"@odata.type": "#microsoft.graph.user", **render(org, org.people[p], self.plan)}
            for p in people[:EXPAND_LIMIT]
        ]
        return obj


def group_expansion(items: tuple[str, ...]) -> Expansion | None:
    """The expansion ``$expand`` asks for on a group, or Graph's 400 for what it cannot do."""
    if not items:
        return None
    if len(items) > 1:
        raise bad_request("Only one relationship can be expanded in a single request.")
    m = _ITEM.match(items[0])
    if m is None:
        raise bad_request(f"Invalid $expand expression: '{items[0]}'.")
    relation, nested = m.group(1), (m.group(2) or "").strip()
    if relation not in _RELATIONS:
        raise bad_request(
            f"Could not find a property named '{relation}' on type 'microsoft.graph.group'."
        )
    select: tuple[str, ...] | None = None
    if nested:
        s = _NESTED.match(nested)
        if s is None:
            # Documented: no other nested options (no $filter, no second level of $expand).
            raise bad_request(f"Invalid $expand expression: '{items[0]}'.")
        select = tuple(p.strip() for p in s.group(1).split(",") if p.strip()) or None
    return Expansion(relation, select, user_plan(select))
