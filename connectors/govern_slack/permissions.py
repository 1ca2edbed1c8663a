"""The OAuth scopes govern's Slack app asks for, per capability, and what each one enables.

A scope the token lacks disables the feature it names, and discovery goes on without it: the
snapshot says so (``incomplete``) instead of failing.
"""

from __future__ import annotations

from govern.connector import Capability, Permission

PERMISSIONS: tuple[Permission, ...] = (
    Permission("admin.teams:read", Capability.DISCOVER, "list every workspace of the Grid org"),
    Permission("team:read", Capability.DISCOVER, "workspace names, domains and partner orgs"),
    Permission("channels:read", Capability.DISCOVER, "public channels and their members"),
    Permission("groups:read", Capability.DISCOVER, "private channels and their members"),
    Permission("users:read", Capability.DISCOVER, "people, guests and bots"),
    Permission("users:read.email", Capability.DISCOVER, "emails, to match people to Microsoft 365"),
    Permission("channels:history", Capability.ACTIVITY, "activity and joins of public channels"),
    Permission("groups:history", Capability.ACTIVITY, "activity and joins of private channels"),
    Permission("channels:write.invites", Capability.APPLY, "invite people to public channels"),
    Permission("groups:write.invites", Capability.APPLY, "invite people to private channels"),
    Permission("channels:manage", Capability.APPLY, "remove people from, archive public channels"),
    Permission("groups:write", Capability.APPLY, "remove people from, archive private channels"),
    Permission("admin.conversations:write", Capability.APPLY, "convert channels to private"),
)

FEATURES: dict[str, str] = {
    "admin.teams:read": "other workspaces of the Enterprise Grid are not listed (only the "
    "token's own)",
    "team:read": "workspace names and domains of partner organisations are not read",
    "channels:read": "public channels are not discovered",
    "groups:read": "private channels are not discovered",
    "users:read": "people are not read: members are known by Slack id only",
    "users:read.email": "emails are not read: people cannot be matched to Microsoft 365",
    "channels:history": "activity and join history of public channels are not read",
    "groups:history": "activity and join history of private channels are not read",
}


def disabled(scope: str) -> str:
    """What a missing scope disables, for the person running govern."""
    return FEATURES.get(scope, "the feature that needs it is skipped")


def advice(needed: str) -> str:
    """The missing-scope message: the scope(s) Slack named, what is disabled, what to do.

    Slack's ``needed`` may list alternatives ("channels:read,groups:read,mpim:read,im:read":
    any one of them would do); the message names them all, not only the first.
    """
    scopes = [s.strip() for s in needed.split(",") if s.strip()] or ["(unnamed)"]
    if len(scopes) == 1:
        scope = scopes[0]
        return (
            f"the token lacks the '{scope}' scope, so {disabled(scope)}; add it to govern's "
            "Slack app and reinstall the app"
        )
    ours = [s for s in scopes if s in FEATURES] or scopes
    either = " or ".join(f"'{s}'" for s in scopes)
    effects = "; ".join(dict.fromkeys(disabled(s) for s in ours))
    return (
        f"the token has none of the scopes Slack accepts here ({either}), so {effects}; add "
        f"{' and '.join(repr(s) for s in ours)} to govern's Slack app and reinstall the app"
    )
