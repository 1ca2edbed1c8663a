"""Who calls: sandbox tokens, their scopes, and Slack's errors.

Tokens (``xoxb-`` or ``xoxp-``; the part after the prefix decides):

* ``sandbox`` or ``sandbox-<anything>``: an org-wide install on the Enterprise Grid with every
  scope (the ``<anything>`` lets tests plant a canary secret in a valid token);
* ``scoped:<scope>,<scope>``: the same install with only those scopes;
* ``free`` or ``free-<anything>``: an install in the standalone free workspace, every scope a
  free workspace can grant (no ``admin.*``);
* ``free-scoped:<scope>,...``: the same with only those scopes.

Anything else is ``invalid_auth``; no token at all is ``not_authed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALL_SCOPES: frozenset[str] = frozenset(
    {
        "admin.teams:read",
        "admin.conversations:write",
        "team:read",
        "channels:read",
        "groups:read",
        "users:read",
        "users:read.email",
        "channels:history",
        "groups:history",
        "channels:write.invites",
        "groups:write.invites",
        "channels:manage",
        "groups:write",
    }
)
FREE_SCOPES: frozenset[str] = frozenset(s for s in ALL_SCOPES if not s.startswith("admin."))


class SlackError(Exception):
    """An error Slack reports as ``{"ok": false, "error": ...}`` (HTTP 200 unless ``status``)."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body of the error."""
        return {"ok": False, "error": self.error, **self.extra}


@dataclass(frozen=True)
class Caller:
    """An authenticated token: where it is installed and what it may do."""

    token: str
    org_wide: bool  # installed on the whole Enterprise Grid organisation
    workspace: int  # the workspace of a workspace install; -1 for org-wide installs
    scopes: frozenset[str]

    def need(self, *any_of: str) -> None:
        """Refuse with ``missing_scope`` unless the token has one of ``any_of``.

        With alternatives, ``needed`` lists them all and ``response_metadata`` carries the
        token's scopes and the accepted ones, as Slack answers (e.g. ``needed``:
        ``channels:read,groups:read,mpim:read,im:read``).
        """
        if not any(s in self.scopes for s in any_of):
            extra: dict[str, Any] = {}
            if len(any_of) > 1:
                extra["response_metadata"] = {
                    "scopes": sorted(self.scopes),
                    "acceptedScopes": list(any_of),
                }
            raise SlackError(
                "missing_scope",
                needed=",".join(any_of),
                provided=",".join(sorted(self.scopes)),
                **extra,
            )

    def need_for(self, accepted: tuple[str, ...], this_one: str) -> None:
        """A method accepting any of ``accepted``, on an object that needs ``this_one``.

        Without any accepted scope Slack names them all; with some but not this object's
        (a private channel read with ``channels:history`` only), it names the one missing.
        """
        self.need(*accepted)
        self.need(this_one)


def parse(token: str | None, free_workspace: int) -> Caller:
    """The caller a token names, or ``not_authed`` / ``invalid_auth``."""
    if not token:
        raise SlackError("not_authed")
    prefix, _, rest = token.partition("-")
    if prefix not in ("xoxb", "xoxp") or not rest:
        raise SlackError("invalid_auth")
    for name, org_wide, workspace, full in (
        ("free", False, free_workspace, FREE_SCOPES),
        ("sandbox", True, -1, ALL_SCOPES),
        ("scoped", True, -1, ALL_SCOPES),
    ):
        if rest.startswith(f"{name}-scoped:") or (name == "scoped" and rest.startswith("scoped:")):
            wanted = rest.split(":", 1)[1]
            scopes = frozenset(s for s in wanted.split(",") if s in full)
            return Caller(token, org_wide, workspace, scopes)
        if name != "scoped" and (rest == name or rest.startswith(f"{name}-")):
            return Caller(token, org_wide, workspace, full)
    raise SlackError("invalid_auth")
