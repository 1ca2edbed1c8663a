"""The ``[report]`` settings table: whether reports name people, and the pseudonym key."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ReportSettings(BaseModel):
    """How reports that read people's behaviour show people."""

    model_config = ConfigDict(extra="forbid")

    name_people: bool = Field(
        default=False,
        description="Name people in the champions report; false shows keyed pseudonyms "
        "and department-level figures (ask your works council before turning it on)",
    )
    pseudonym_key_file: Path | None = Field(
        default=None,
        description="File holding the pseudonym key (default: pseudonym.key in store_dir, "
        "created 0600 on first use); another key gives other pseudonyms",
    )
