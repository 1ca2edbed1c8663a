"""Readable names for what a plan mentions: community paths and people's emails.

People review plans, so every id a plan or its notes mention is shown as what they read. The
ids stay in the plan file itself; these names are for display only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from govern.store import Store, queries


class Mentions(Protocol):
    """Anything naming a community and maybe a principal (a change, a note for a person)."""

    @property
    def community_id(self) -> str:
        """The community mentioned."""
        ...

    @property
    def principal_id(self) -> str | None:
        """The principal mentioned, if any."""
        ...


def readable_names(store: Store, items: Iterable[Mentions]) -> dict[str, str]:
    """Id -> community path or principal label (email, else display name) for ``items``."""
    items = list(items)
    communities = {i.community_id for i in items}
    principals = {i.principal_id for i in items if i.principal_id}
    return {
        **queries.community_paths(store, communities),
        **queries.principal_labels(store, principals),
    }
