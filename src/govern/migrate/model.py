"""What a migration plan holds: the review people read, and the steps ``govern apply`` makes.

A migration plan is its own kind of plan file (``"kind": "migration"``): the review (what
moves, what cannot and why, people matched across tools or not, guests, blocking checks) and an
ordered list of steps, each with a deterministic id so that the journal of an interrupted run
says exactly which steps are done. Messages are not listed one by one (a workspace has
hundreds of thousands): each import step names its channel, a cut-off ``ts`` and the count and
digest of what the plan saw, and apply reads the same history again up to that cut-off.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MIGRATION_SCHEMA_VERSION = "1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepKind(StrEnum):
    """What a step does; each kind has one executor (``govern.migrate.steps``)."""

    CREATE_TEAM = "create_team"
    CREATE_CHANNEL = "create_channel"
    IMPORT_MESSAGES = "import_messages"
    COMPLETE_CHANNEL = "complete_channel"
    COMPLETE_TEAM = "complete_team"
    ADD_MEMBERS = "add_members"
    CREATE_SPACE = "create_space"
    COPY_PAGES = "copy_pages"
    MOVE_PAGES = "move_pages"
    GRANT_SPACE = "grant_space"
    POINTER_PAGE = "pointer_page"
    REVOKE_CONSENTS = "revoke_consents"


class Step(_Frozen):
    """One idempotent step of a migration."""

    id: str
    kind: StepKind
    label: str = Field(description="For people: what the step does, with names, not ids.")
    params: dict[str, Any] = Field(default_factory=dict)
    changes: int = Field(
        default=0, description="Existing things it changes (members added, consents revoked)."
    )


def step_id(kind: StepKind, key: str) -> str:
    """The id of a step: the same step of the same migration always gets the same id."""
    return hashlib.sha256(f"{kind.value}\x1f{key}".encode()).hexdigest()[:20]


def make_step(kind: StepKind, key: str, label: str, changes: int = 0, **params: Any) -> Step:
    """A step with its deterministic id."""
    return Step(id=step_id(kind, key), kind=kind, label=label, params=params, changes=changes)


class Item(_Frozen):
    """A line of the review: what moves or what cannot, counted, with a reason."""

    what: str
    count: int | None = None
    detail: str = ""


class MatchStatus(StrEnum):
    """How a person of the source tool matched the target tool (by email)."""

    MATCHED = "matched"
    UNMATCHED = "unmatched"
    DISABLED = "disabled"
    AMBIGUOUS = "ambiguous"
    NO_EMAIL = "no-email"


class Person(_Frozen):
    """A person of the source and what becomes of them."""

    source_id: str
    name: str
    email: str | None = None
    status: MatchStatus
    target_id: str | None = None
    target_name: str | None = None
    role: str = "member"
    guest: str | None = Field(default=None, description="Guest kind in the source, if a guest.")
    posts: int = 0
    needs: str = Field(default="", description="What this person needs before they can move.")


class Check(_Frozen):
    """A check made while planning; a blocking one stops apply."""

    id: str
    blocking: bool
    message: str


class Review(_Frozen):
    """Everything people review before a migration is applied."""

    moves: list[Item] = Field(default_factory=list)
    cannot_move: list[Item] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def blocking(self) -> list[Check]:
        """Checks that stop apply."""
        return [c for c in self.checks if c.blocking]


class Endpoint(_Frozen):
    """The source or the target of a migration, as people and the journal name it."""

    tool: str
    kind: str
    name: str
    id: str | None = None
    path: str | None = None


class MigrationPlan(_Frozen):
    """A reviewed migration, applied exactly as written by ``govern apply``."""

    schema_version: str = MIGRATION_SCHEMA_VERSION
    kind: Literal["migration"] = "migration"
    migration: str = Field(description="slack-to-teams, confluence-space, app-consents")
    id: str
    created_at: datetime
    source: Endpoint
    target: Endpoint
    options: dict[str, Any] = Field(default_factory=dict)
    review: Review
    steps: list[Step]
    checksum: str = ""
