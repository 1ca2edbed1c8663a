"""What one discovery run shares: the session, the sink, the settings and what is known so far."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from govern.connector import DiscoverySink
from govern_m365.mapping import OriginJudge
from govern_m365.permissions import Feature, missing
from govern_m365.session import Forbidden, Session
from govern_m365.settings import M365Settings

T = TypeVar("T")


@dataclass
class GroupInfo:
    """A Microsoft 365 group seen in this run, held until its community can be written."""

    props: dict[str, Any]
    owners: set[str] = field(default_factory=set)
    """Native ids of its owners (the origin rules need them)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Attributes found elsewhere: Engage community id, apps installed in the team, ..."""
    url: str | None = None


@dataclass
class Run:
    """One discovery run of one tenant."""

    session: Session
    sink: DiscoverySink
    settings: M365Settings
    full: bool
    judge: OriginJudge
    groups: dict[str, GroupInfo] = field(default_factory=dict)
    """Community groups to write at the end of the run, by native id."""
    guests: set[str] = field(default_factory=set)
    """Native ids of guest users seen in this run."""
    employees: set[str] = field(default_factory=set)
    """Native ids of member (non-guest) users seen in this run."""
    upns: dict[str, str] = field(default_factory=dict)
    """Lowercased UPN -> principal id (full runs; report rows name site owners by UPN)."""
    disabled: set[Feature] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    """Native ids of groups deleted since the last run (incremental runs)."""
    kinds: dict[str, str] = field(default_factory=dict)
    """Community kind of groups this run did not read, learnt elsewhere (reports, tokens)."""
    it_groups: dict[str, set[str]] = field(default_factory=dict)
    """IT group id -> native ids of its direct members (the origin rules)."""
    it_names: dict[str, str] = field(default_factory=dict)
    """IT group id -> the name it is configured by."""
    guest_book: set[str] | None = None
    """Native ids of every guest, kept up to date from the last run's (incremental runs)."""

    @property
    def tenant(self) -> str:
        """The tenant's name in community paths."""
        return self.settings.scope_name

    def forbidden(self, feature: Feature, detail: str = "") -> None:
        """Record that a feature was refused; the run goes on without it."""
        if feature not in self.disabled:
            self.disabled.add(feature)
            self.sink.incomplete(feature.value, missing(feature, detail))

    async def guard(self, feature: Feature, work: Awaitable[T]) -> T | None:
        """Run one feature's work; a 403 disables the feature instead of failing the run."""
        try:
            return await work
        except Forbidden as exc:
            self.forbidden(feature, exc.graph_message)
            return None


async def together(*works: Awaitable[Any]) -> None:
    """Await independent pieces of work at once; the first failure cancels the rest and is raised.

    Graph's budgets are per service (resource units for the directory, SharePoint's and Teams'
    own limits, the reports' and the audit log's), so work for different services overlaps
    instead of queueing behind the directory's pace.
    """
    tasks = [asyncio.ensure_future(w) for w in works]
    try:
        for done in asyncio.as_completed(tasks):
            await done
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
