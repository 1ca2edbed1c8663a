"""What a plan leaves to a person: the community, the rule, and what would unblock it.

The planner cannot do everything the policies ask (no eligible steward, a label the rule does
not name, an action the connector cannot make, a last owner no one can replace). Each such case
is an item people read in the plan's summary, the sync's summary and its webhook, and tools read
in JSON, instead of a change that apply would refuse on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NeedsPerson:
    """Something the policies ask for that no change can do: a person must act first."""

    community_id: str
    rule_id: str
    problem: str
    """What is left undone and why, e.g. no eligible steward to add."""
    unblock: str
    """What a person can do so that the next plan makes the change."""
    principal_id: str | None = None

    def text(self, name: Callable[[str], str] = str) -> str:
        """One line for people, with ``name`` turning ids into emails and paths."""
        who = f" ({name(self.principal_id)})" if self.principal_id else ""
        return f"{name(self.community_id)}: {self.rule_id}: {self.problem}{who}; {self.unblock}"

    def to_json(self, names: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The item for tools: ids, and readable names where known."""
        known = names or {}
        return {
            "community_id": self.community_id,
            "community": known.get(self.community_id),
            "rule_id": self.rule_id,
            "principal_id": self.principal_id,
            "principal": known.get(self.principal_id) if self.principal_id else None,
            "problem": self.problem,
            "unblock": self.unblock,
        }
