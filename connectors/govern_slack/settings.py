"""Settings of the Slack connector: the ``[slack]`` table of ``govern.toml``.

Tokens are ``SecretStr``: they print masked, and only :mod:`govern_slack.api` reads their value,
to hand it to slack-sdk.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from govern.secure_url import plain_http_problem

SLACK_API = "https://slack.com/api/"


class SlackSettings(BaseModel):
    """Settings of the Slack connector."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: str = Field(
        description="Short name of the Slack organisation; the snapshot scope, e.g. contoso"
    )
    token: SecretStr = Field(
        description=(
            "Token of govern's Slack app: an org-wide install on Enterprise Grid (every "
            "workspace through admin.teams.list), else a workspace install"
        )
    )
    workspace_tokens: list[SecretStr] = Field(
        default_factory=list,
        description=(
            "Tokens of standalone workspaces outside the Grid (e.g. a free workspace whose owner "
            "installed govern's app); each is discovered as an external network"
        ),
    )
    sanctioned_workspaces: list[str] = Field(
        default_factory=list,
        description=(
            "Team ids or domains of the workspaces IT runs; every other workspace is an "
            "external network in the model"
        ),
    )
    base_url: str = Field(
        default=SLACK_API, description="Web API base URL (Slack's, GovSlack's or the sandbox's)"
    )
    concurrency: int = Field(default=4, ge=1, le=32, description="Channels read at once")
    page_size: int = Field(default=200, ge=1, le=999, description="Items per page (Slack: 200)")
    history_days: int = Field(
        default=90,
        ge=1,
        le=365,
        description="Days of conversations.history read per channel for activity and joins",
    )
    history_max_messages: int = Field(
        default=1000,
        ge=0,
        description="Messages read per channel and run at most (0: no history); bounds the cost",
    )
    max_retries: int = Field(
        default=6, ge=0, le=20, description="Retries of one request (429, 5xx, dropped)"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="Timeout of one request")

    @field_validator("base_url")
    @classmethod
    def _tls(cls, value: str) -> str:
        # The token goes with every call: never over plain HTTP to another machine.
        problem = plain_http_problem(value, "base_url")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("workspace_tokens", "sanctioned_workspaces", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        # A TOML string or environment variable may list them comma-separated.
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value
