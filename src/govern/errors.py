"""One exception hierarchy, and the one place where errors become exit codes.

Library code raises; only the CLI turns an error into a line on stderr and an exit status.
Messages are one line that names the file, setting or permission involved and what to do.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit codes, as Terraform's: 0 nothing to do, 1 error, 2 findings or changes present."""

    OK = 0
    ERROR = 1
    CHANGES = 2
    USAGE = 64
    INTERRUPTED = 130


class GovernError(Exception):
    """Base of every error govern reports to its user."""

    exit_status: ExitStatus = ExitStatus.ERROR


class ConfigError(GovernError):
    """A setting is missing or wrong; the message names the setting, its source and the fix."""


class PolicyError(GovernError):
    """A policy file is wrong; the message starts with ``file:line:column:``."""


class StoreError(GovernError):
    """The inventory store cannot be opened, read or written."""


class ConnectorError(GovernError):
    """A connector failed in a way that stops the run (not a single missing permission)."""


class PermissionMissing(ConnectorError):
    """The credentials lack a permission; names it and the feature it disables."""

    def __init__(self, permission: str, feature: str, detail: str = "") -> None:
        self.permission = permission
        self.feature = feature
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"missing permission {permission}: {feature} disabled{extra}; "
            f"grant {permission} to the app registration or account"
        )


class LockedError(GovernError):
    """Another run holds the lock for this scope."""


class PlanError(GovernError):
    """A plan is stale, edited or exceeds a safety limit."""
