"""The champions and rollout-health section of the reports, as data (JSON consumers get this).

People appear as their email only when ``[report] name_people = true``; otherwise as keyed
pseudonyms (``person-xxxxxxxx``). Owners of rollouts stay named: the pilot needs them to act.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from govern.model import Origin


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Champion(_Doc):
    """One person who carried grassroots networks, with the evidence."""

    rank: int
    person: str = Field(description="Email when people are named, else a keyed pseudonym.")
    department: str | None = Field(description="From the directory; null when unknown.")
    kinds: list[str] = Field(description="adder, poster, bridge, starter: why they are listed.")
    adds: int = Field(description="People they added one by one to grassroots communities.")
    adds_active: int | None = Field(
        description="Of those, still posting in the last 30 days; null where the tool reports "
        "no per-person activity."
    )
    bulk_adds: int = Field(description="People they added in bulk (not counted as spread).")
    posts: int | None = Field(description="Posts in 90 days; null where unknown.")
    lone_links: int = Field(
        description="Communities where they are their department's only member."
    )
    departments_brought: int = Field(
        description="Other departments of the people they added one by one."
    )
    started: list[str] = Field(description="Networks they started that went viral or IT adopted.")
    communities: list[str] = Field(description="Paths of the communities they carried (top 5).")
    owner_of: list[str] = Field(description="Of those, the ones they already own.")
    evidence: list[str]


class DepartmentFigures(_Doc):
    """Champions and spread per department: the figures shown whatever the naming setting."""

    department: str
    people: int
    champions: int
    adds: int
    posts: int | None


class RolloutHealth(_Doc):
    """A community IT provisioned or filled by a bulk add, and whether people stayed."""

    id: str
    path: str
    name: str
    connector: str
    origin: Origin
    owners: list[str] = Field(description="Named: the pilot needs them to act.")
    members: int
    bulk_added: int = Field(description="Members who came in through the largest bulk add.")
    bulk_at: datetime | None
    days_since_bulk: float | None
    active_share: float | None = Field(description="Members active in the last 30 days.")
    posts_per_member: float | None = Field(description="Posts in the last 30 days per member.")
    never_came_back: float | None = Field(
        description="Share of bulk-added members with no post since they were added."
    )
    active_over_time: list[int] = Field(
        description="Members who posted, per week over 13 weeks, oldest first; empty where the "
        "tool reports no per-person activity (only Slack's history does)."
    )
    peers: int = Field(description="Grassroots communities of the same tool and size compared.")
    peer_active_share: float | None
    peer_posts_per_member: float | None
    went_quiet: bool
    verdict: str
    departments: list[str] = Field(description="Its members' largest departments.")
    pilot_communities: list[str] = Field(
        description="Grassroots communities in the same departments that could seed a pilot."
    )
    pilot_champions: list[str] = Field(description="Champions in the same departments.")
    notes: list[str] = Field(default_factory=list)


class ChampionsSection(_Doc):
    """Champions, department figures and rollout health."""

    named: bool = Field(description="Whether people are named ([report] name_people).")
    champions: list[Champion]
    departments: list[DepartmentFigures]
    rollouts: list[RolloutHealth]
    second_owners: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per network to adopt: who carried it most and does not own it yet.",
    )
    notes: list[str] = Field(default_factory=list)
