"""Settings of the Confluence connector (the ``[confluence]`` table of ``govern.toml``)."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from govern.secure_url import plain_http_problem


class Deployment(StrEnum):
    """Which Confluence the site is."""

    DATACENTER = "datacenter"
    CLOUD = "cloud"


class ConfluenceSettings(BaseModel):
    """How to reach one Confluence site, and the rules for reading it."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        description="Site URL, e.g. https://wiki.example.com or https://example.atlassian.net/wiki"
    )
    deployment: Deployment = Field(
        default=Deployment.DATACENTER, description="datacenter (Server / Data Center) or cloud"
    )
    site: str | None = Field(
        default=None, description="Name of the site in community paths; default: the URL's host"
    )
    token: SecretStr | None = Field(
        default=None, description="Data Center personal access token (bearer)"
    )
    username: str | None = Field(default=None, description="Data Center basic-auth username")
    password: SecretStr | None = Field(default=None, description="Data Center basic-auth password")
    email: str | None = Field(default=None, description="Cloud: the account's email")
    api_token: SecretStr | None = Field(default=None, description="Cloud: the account's API token")
    it_groups: list[str] = Field(
        default_factory=lambda: ["confluence-administrators"],
        description="Groups whose members' spaces count as IT-provisioned",
    )
    everyone_groups: list[str] = Field(
        default_factory=lambda: ["confluence-users"],
        description="Groups meaning 'every user': view rights for them make a space org-visible",
    )
    team_space_contributors: int = Field(
        default=5,
        ge=2,
        description="Contributors in 90 days from which a personal space is a team space",
    )
    concurrency: int = Field(default=8, ge=1, le=64, description="Parallel requests at most")
    max_retries: int = Field(
        default=6, ge=0, description="Retries of one request (429, 5xx, drops)"
    )
    timeout: float = Field(default=60.0, gt=0, description="Seconds before one request times out")

    @field_validator("url")
    @classmethod
    def _tls(cls, value: str) -> str:
        # The token or password goes with every request: never over plain HTTP to another host.
        problem = plain_http_problem(value, "url")
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _credentials(self) -> ConfluenceSettings:
        if self.deployment is Deployment.CLOUD:
            if not (self.email and self.api_token):
                raise ValueError("a cloud site needs email and api_token")
        elif not (self.token or (self.username and self.password)):
            raise ValueError("a datacenter site needs token, or username and password")
        return self

    @property
    def site_name(self) -> str:
        """The site's name in paths (``confluence/<site>/space/<key>``)."""
        return self.site or (urlparse(self.url).hostname or "confluence")
