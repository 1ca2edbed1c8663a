"""The shadow-IT report as data: what every output format renders, and what JSON consumers get.

The JSON Schema of :class:`Report` ships in the package (``schemas/report.schema.json``, checked
against these models by a test) so that tools reading ``govern report viral --format json`` can
validate it.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govern.model import Change, Lifecycle, Origin
from govern.virality.people_section import ChampionsSection

REPORT_VERSION = "1"


class Recommendation(StrEnum):
    """What IT should do with a community."""

    ADOPT = "adopt"
    MIGRATE = "migrate"
    MONITOR = "monitor"
    ARCHIVE = "archive"


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Measure(_Doc):
    """One component: a figure and its percentile in the organisation, or why there is none."""

    value: float | None = Field(description="The figure; null when it cannot be measured yet.")
    percentile: float | None = Field(
        default=None, description="0-100: share of the organisation's communities below it."
    )
    note: str | None = Field(default=None, description="Why there is no figure, or how measured.")


class Share(_Doc):
    """A department's members in one community (or in the organisation)."""

    department: str
    members: int


class CurvePoint(_Doc):
    """Members of a community at one moment."""

    at: datetime
    members: int
    source: str = Field(description="'snapshot' (observed) or 'joins' (from the tool's join dates)")


class Migration(_Doc):
    """Where a community should move and how ready its people are."""

    target: str
    target_connector: str
    matched: int = Field(description="Members matched by email to an employee of the target.")
    members: int
    matched_share: float | None
    to_move: list[str] = Field(description="What must move with it.")
    next_command: str | None = Field(
        default=None,
        description="The command that plans this migration for review (`govern migrate`); "
        "null where govern cannot plan it yet.",
    )


class Decision(_Doc):
    """The lifecycle decision the recommendation implies, for policies/lifecycle.yaml."""

    state: Lifecycle
    reason: str


class Entry(_Doc):
    """One community of the report, with its recommendation and the evidence for it."""

    rank: int
    id: str
    path: str
    name: str
    kind: str
    connector: str
    url: str | None = None
    origin: Origin
    lifecycle: Lifecycle
    created_at: datetime | None = None
    category: str = Field(
        description="grassroots, external-network, personal-space, unsanctioned-app or "
        "unknown-origin (no origin rules: the tool could not say whether IT made it)"
    )
    recommendation: Recommendation | None
    viral: bool = Field(
        description="Broad, organic reach: person-to-person spread, not a broadcast."
    )
    score: float | None = Field(
        description="Mean percentile of reach, growth, breadth, engagement and organic share, "
        "a component not measured counting as neutral (50); for ranking only, the components "
        "are the explanation."
    )
    reasons: list[str] = Field(description="The top reasons, most telling first.")
    evidence: list[str] = Field(description="Every fact behind the recommendation.")
    metrics: dict[str, dict[str, Measure]] = Field(
        description="Components by group: reach, growth, breadth, engagement, spread, exposure."
    )
    departments: list[Share]
    owners: list[str] = Field(description="Owners' emails (or principal ids without one).")
    last_activity_at: datetime | None = None
    inactive_days: float | None = None
    changes: list[Change] = Field(description="The concrete changes the recommendation implies.")
    people: dict[str, str] = Field(
        default_factory=dict,
        description="The email (or id) of each principal the changes name, by principal id.",
    )
    decision: Decision | None = None
    migration: Migration | None = None
    notify: list[str] = Field(default_factory=list, description="Whom to notify first.")
    open_items: list[str] = Field(
        default_factory=list,
        description="What the report could not settle and a person must (no steward, no label).",
    )
    curve: list[CurvePoint] = Field(
        default_factory=list, description="Growth curve (filled for the top entries only)."
    )


class Bucket(_Doc):
    """A count in the organisation-wide picture."""

    name: str
    count: int


class Organisation(_Doc):
    """The organisation-wide picture the report places each community in."""

    communities: int
    people: int = Field(description="People counted once across tools (matched by email).")
    history_days: float
    snapshots: int
    by_origin: list[Bucket]
    by_category: list[Bucket]
    not_shadow_it: list[Bucket] = Field(
        default_factory=list,
        description="Communities ruled out as shadow IT, by why: IT-provisioned, sanctioned app, "
        "tenant-wide, lifecycle decided, archived.",
    )
    by_recommendation: list[Bucket]
    size_distribution: list[Bucket] = Field(description="Communities per member-count band.")
    departments: list[Share]


class Report(_Doc):
    """The shadow-IT report."""

    report_version: str = REPORT_VERSION
    generated_at: datetime = Field(description="The tools' clock at the newest snapshot.")
    thresholds: dict[str, float]
    thresholds_source: str | None
    organisation: Organisation
    entries: list[Entry]
    notes: list[str] = Field(default_factory=list, description="What limits the report.")
    champions: ChampionsSection | None = Field(
        default=None, description="Champions and rollout health (govern report champions)."
    )


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema of the report, as shipped in the package."""
    text = resources.files("govern.virality").joinpath("schemas/report.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def generated_schema() -> dict[str, Any]:
    """The JSON Schema derived from the models (what the shipped file must equal)."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://govern.dev/schemas/viral-report.schema.json"
    return schema
