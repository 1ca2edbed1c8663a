"""Who is calling: credentials the sandbox accepts, and what each may read.

Confluence accepts HTTP basic auth (Data Center: username and password; Cloud: email and API
token) and bearer tokens (Data Center personal access tokens). A request without valid
credentials gets 401, as the real service answers. Each credential acts as an account:

* ``site_admin``: a Confluence administrator (member of ``confluence-administrators``); reads
  every space permission, the audit log, and may change any space's permissions;
* otherwise a plain user: lists spaces and content, but permission reads and the audit log
  answer 403, as they do for a user without space or site admin rights.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from starlette.requests import Request


@dataclass(frozen=True)
class Account:
    """One accepted credential: the login it acts as and its rights."""

    login: str
    secret: str
    site_admin: bool = True


@dataclass
class Credentials:
    """The credentials a sandbox Confluence server accepts."""

    accounts: list[Account] = field(
        default_factory=lambda: [
            Account("admin", "sandbox-admin-token", site_admin=True),
            Account("reader", "sandbox-reader-token", site_admin=False),
        ]
    )

    def add(self, account: Account) -> None:
        """Accept one more credential."""
        self.accounts.append(account)

    def check(self, request: Request) -> Account | None:
        """The account a request authenticates as, or None (the server then answers 401)."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return next((a for a in self.accounts if a.secret == value), None)
        if scheme.lower() == "basic" and value:
            try:
                login, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            return next(
                (
                    a
                    for a in self.accounts
                    if a.login.lower() == login.lower() and a.secret == secret
                ),
                None,
            )
        return None
