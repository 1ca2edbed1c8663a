"""The ``[plan]`` settings table: safety limits of apply and sync, and where sync reports."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from govern.secure_url import plain_http_problem


class WebhookFormat(StrEnum):
    """The JSON body a webhook expects."""

    SLACK = "slack"
    TEAMS = "teams"
    JSON = "json"


class PlanSettings(BaseModel):
    """Limits that apply and sync enforce unless raised explicitly, and the sync webhook."""

    model_config = ConfigDict(extra="forbid")

    max_age_hours: float = Field(
        default=24.0,
        gt=0,
        description="A plan older than this is stale and refused; make a new one with govern plan",
    )
    max_changes: int = Field(
        default=500, ge=1, description="Most changes one run may make (blast radius)"
    )
    max_removed_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Largest share of a community's members one run may remove, 0 to 1",
    )
    actor: str | None = Field(
        default=None, description="Who the journal records as running changes (default user@host)"
    )
    webhook_url: SecretStr | None = Field(
        default=None, description="Incoming webhook that receives the sync summary (Teams, Slack)"
    )
    key_file: Path | None = Field(
        default=None,
        description=(
            "File of the key that seals plan files (0600; created on first plan); default "
            "<store_dir>/plan.key; share it between the hosts that plan and apply"
        ),
    )
    webhook_format: WebhookFormat = Field(
        default=WebhookFormat.JSON, description="Body of the webhook post: slack, teams or json"
    )

    @field_validator("webhook_url")
    @classmethod
    def _tls(cls, value: SecretStr | None) -> SecretStr | None:
        # A webhook URL is a credential (whoever holds it can post): TLS only, off this host.
        if value is not None:
            problem = plain_http_problem(value.get_secret_value(), "webhook_url")
            if problem:
                raise ValueError(problem)
        return value
