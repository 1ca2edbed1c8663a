"""Settings of the Microsoft 365 connector: the ``[m365]`` table of ``govern.toml``.

Secrets (client secret, certificate password, static token) are ``SecretStr``: they print masked
and only :mod:`govern_m365.credentials` ever reads their value.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

GLOBAL_GRAPH = "https://graph.microsoft.com/v1.0"

REPORT_PERIODS = ("D7", "D30", "D90", "D180")


class AuthMethod(StrEnum):
    """How govern signs in to Microsoft Graph."""

    CLIENT_SECRET = "client_secret"
    """App-only, for schedules: an app registration's client secret."""
    CERTIFICATE = "certificate"
    """App-only, for schedules: an app registration's certificate (PEM or PKCS#12)."""
    MANAGED_IDENTITY = "managed_identity"
    """App-only on Azure compute: the host's managed identity (client_id: a user-assigned one)."""
    DEVICE_CODE = "device_code"
    """Delegated, for ad-hoc audits on a machine without a browser."""
    INTERACTIVE = "interactive"
    """Delegated, for ad-hoc audits: a browser sign-in."""
    STATIC_TOKEN = "static_token"
    """A bearer token given as is (the sandbox, or a token obtained elsewhere)."""


class FirstLoad(StrEnum):
    """How a full run reads members and owners."""

    LISTING = "listing"
    """Batched, parallel listing of every group's members and owners; a delta link is taken
    (``$deltatoken=latest``) before listing, so the next run is incremental."""
    DELTA = "delta"
    """One sequential walk of ``groups/delta`` with members and owners: fewest resource units,
    but one page after another."""


class OriginRules(BaseModel):
    """How govern tells IT-provisioned communities from self-service (grassroots) ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    it_groups: list[str] = Field(
        default_factory=list,
        description="Ids or display names of directory groups whose members are IT staff",
    )
    provisioning_app_ids: list[str] = Field(
        default_factory=list,
        description="App (client) ids of provisioning tools that create communities for IT",
    )
    naming_patterns: list[str] = Field(
        default_factory=list,
        description="Regular expressions on display names of IT-provisioned communities, e.g. ^IT-",
    )


class M365Settings(BaseModel):
    """Settings of the Microsoft 365 connector."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant_id: str = Field(description="Directory (tenant) id or primary domain, e.g. contoso.com")
    tenant_name: str | None = Field(
        default=None,
        description="Short name in community paths (m365/<tenant_name>/...); default tenant_id",
    )
    client_id: str | None = Field(
        default=None, description="Application (client) id of the app registration"
    )
    auth: AuthMethod = Field(
        default=AuthMethod.CLIENT_SECRET,
        description=(
            "client_secret, certificate, managed_identity, device_code, interactive or static_token"
        ),
    )
    client_secret: SecretStr | None = Field(
        default=None, description="Client secret (auth=client_secret)"
    )
    certificate_path: Path | None = Field(
        default=None, description="PEM or PKCS#12 certificate with private key (auth=certificate)"
    )
    certificate_password: SecretStr | None = Field(
        default=None, description="Password of the certificate file, if any"
    )
    static_token: SecretStr | None = Field(
        default=None, description="Bearer token used as is (auth=static_token; the sandbox)"
    )
    graph_url: str = Field(
        default=GLOBAL_GRAPH,
        description=(
            "Graph endpoint: https://graph.microsoft.com/v1.0, https://graph.microsoft.us/v1.0, "
            "https://dod-graph.microsoft.us/v1.0, https://microsoftgraph.chinacloudapi.cn/v1.0, "
            "or the sandbox URL"
        ),
    )
    authority: str | None = Field(
        default=None,
        description="Sign-in authority host for national clouds, e.g. login.microsoftonline.us",
    )
    concurrency: int = Field(default=8, ge=1, le=64, description="HTTP requests in flight at once")
    resource_units_per_10s: int = Field(
        default=7200,
        ge=100,
        description="Pace of identity requests, Graph resource units per 10 s (tenant limit 8,000)",
    )
    team_requests_per_second: float = Field(
        default=4.0, gt=0, description="Teams API requests per second on any one team (Graph: 4)"
    )
    first_load: FirstLoad = Field(
        default=FirstLoad.LISTING, description="listing (parallel, batched) or delta (sequential)"
    )
    report_periods: list[str] = Field(
        default_factory=lambda: list(REPORT_PERIODS),
        description="Usage report periods to read: D7, D30, D90, D180",
    )
    incremental_report_periods: list[str] = Field(
        default_factory=lambda: ["D7", "D30"],
        description="Usage report periods re-read by incremental runs",
    )
    period_report_days: int = Field(
        default=7,
        ge=1,
        le=28,
        description=(
            "Incremental runs read usage reports day by day (date=, last activity and each "
            "day's counts) and re-read the incremental periods once this many days old"
        ),
    )
    installed_apps: bool = Field(
        default=True, description="Read each team's installed apps (one request per team)"
    )
    refresh_hours: float = Field(
        default=24 * 7,
        ge=0,
        description=(
            "Incremental runs re-read what has no delta (consents, apps in teams, sites without "
            "a group) when Graph's clock is this many hours past the last read"
        ),
    )
    audit_log: bool = Field(
        default=True,
        description="Read the directory audit log for join dates and adders (AuditLog.Read.All)",
    )
    audit_retention_days: int = Field(
        default=30,
        ge=1,
        le=30,
        description="Days the tenant's directory audit log keeps: 7 on Entra ID Free, 30 on P1/P2",
    )
    audit_requests_per_10s: int = Field(
        default=5,
        ge=1,
        description="Directory audit log requests per 10 s (Graph's identity reports limit: 5)",
    )
    origin: OriginRules = Field(default_factory=OriginRules, description="Origin rules")
    max_retries: int = Field(default=8, ge=0, le=20, description="Retries of one request")
    timeout_seconds: float = Field(default=60.0, gt=0, description="Timeout of one request")

    @model_validator(mode="after")
    def _credentials_present(self) -> M365Settings:
        needs = {
            AuthMethod.CLIENT_SECRET: ("client_id", "client_secret"),
            AuthMethod.CERTIFICATE: ("client_id", "certificate_path"),
            AuthMethod.DEVICE_CODE: ("client_id",),
            AuthMethod.INTERACTIVE: ("client_id",),
            AuthMethod.STATIC_TOKEN: ("static_token",),
            AuthMethod.MANAGED_IDENTITY: (),
        }[self.auth]
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise ValueError(f"auth={self.auth.value} needs {', '.join(missing)}")
        for period in [*self.report_periods, *self.incremental_report_periods]:
            if period not in REPORT_PERIODS:
                raise ValueError(
                    f"report period {period!r} is not one of {', '.join(REPORT_PERIODS)}"
                )
        return self

    @property
    def scope_name(self) -> str:
        """The name of this tenant in paths and snapshots."""
        return self.tenant_name or self.tenant_id
