"""People across tools, matched by email: one directory account, none, a disabled one, or two.

The target directory is indexed by ``mail`` and by ``userPrincipalName`` (both lowercased): a
person matches when exactly one account carries their email. Two accounts carrying the same
email (one's mail, another's UPN) is ambiguous and never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govern.migrate.model import MatchStatus


@dataclass(frozen=True)
class Account:
    """A target account: id, name, mail, UPN, enabled."""

    id: str
    name: str
    mail: str | None
    upn: str
    enabled: bool


@dataclass(frozen=True)
class Match:
    """The outcome of matching one email."""

    status: MatchStatus
    account: Account | None = None


class Directory:
    """Target accounts indexed by email."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        self.by_email: dict[str, dict[str, Account]] = {}
        for a in accounts:
            for key in {a.mail, a.upn} - {None, ""}:
                assert key is not None
                self.by_email.setdefault(key.lower(), {})[a.id] = a

    def match(self, email: str | None) -> Match:
        """Match one email."""
        if not email:
            return Match(MatchStatus.NO_EMAIL)
        found = list(self.by_email.get(email.lower(), {}).values())
        if not found:
            return Match(MatchStatus.UNMATCHED)
        if len(found) > 1:
            return Match(MatchStatus.AMBIGUOUS)
        account = found[0]
        if not account.enabled:
            return Match(MatchStatus.DISABLED, account)
        return Match(MatchStatus.MATCHED, account)
