"""The people of a Slack-to-Teams plan: everyone involved, matched to the tenant by email.

Members and authors are matched one by one (what each needs when they do not join as they
are), owners are Slack's owners and admins (a channel's creator for one channel) plus those
named with ``--owner``, and the team's limits are checked on who joins.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from govern.migrate.model import Check, MatchStatus, Person
from govern.migrate.people import Directory, Match
from govern.migrate.teams_limits import (
    TEAMS_MEMBER_LIMIT,
    TEAMS_OWNER_LIMIT,
    TEAMS_PER_USER_LIMIT,
)

Authors = dict[str, tuple[str, str]]
"""Slack user id -> (tenant account id, name) of each author with an account."""


def joins(p: Person) -> bool:
    """Whether a person is added to the team: matched, not a guest, with an account."""
    return p.status is MatchStatus.MATCHED and p.guest is None and p.target_id is not None


def match_people(
    users: dict[str, Any],
    member_ids: list[str],
    posts: Counter[str],
    directory: Directory,
    channels: list[Any],
    kind: str,
    owners: tuple[str, ...],
    teams_of: dict[str, int],
) -> tuple[list[Person], Authors, list[Check]]:
    """Everyone involved, matched; authors' tenant accounts; checks on people."""
    checks: list[Check] = []
    creators = {c.creator for c in channels} if kind == "channel" else set()
    involved = list(dict.fromkeys([*member_ids, *posts]))
    people: list[Person] = []
    authors: Authors = {}
    extra_owners = {e.lower() for e in owners}
    for uid in involved:
        u = users.get(uid)
        if u is None:
            people.append(_stranger(uid, posts))
            continue
        if u.bot:
            continue
        m = directory.match(u.email)
        owner = (u.owner or u.admin) if kind == "workspace" else uid in creators
        if u.email and u.email.lower() in extra_owners:
            owner = True
        people.append(_person(uid, u, m, owner, posts))
        if m.account is not None and m.status in (MatchStatus.MATCHED, MatchStatus.DISABLED):
            authors[uid] = (m.account.id, m.account.name)
        if m.account is not None and teams_of.get(m.account.id, 0) >= TEAMS_PER_USER_LIMIT:
            checks.append(
                Check(
                    id=f"team-limit-{uid}",
                    blocking=True,
                    message=f"{u.email} is already in {teams_of[m.account.id]} teams, Teams' "
                    f"limit is {TEAMS_PER_USER_LIMIT}: remove them from a team or leave them out",
                )
            )
    joining = [p for p in people if joins(p)]
    team_owners = [p for p in joining if p.role == "owner"]
    checks += _named_owners(people, team_owners, extra_owners, directory)
    checks += _team_checks(joining, team_owners)
    return people, authors, checks


def _stranger(uid: str, posts: Counter[str]) -> Person:
    """A member Slack does not list among the workspace's users: another organisation's."""
    return Person(
        source_id=uid,
        name=uid,
        status=MatchStatus.UNMATCHED,
        guest="external",
        posts=posts.get(uid, 0),
        needs="partner decision: a member of another organisation (Slack Connect); "
        "invite as a guest or leave out",
    )


def _person(uid: str, u: Any, m: Match, owner: bool, posts: Counter[str]) -> Person:
    """One Slack user as the plan shows them: their match, role and what they need."""
    return Person(
        source_id=uid,
        name=u.name,
        email=u.email,
        status=m.status,
        target_id=m.account.id if m.account else None,
        target_name=m.account.name if m.account else None,
        role="owner" if owner else "member",
        guest=u.guest,
        posts=posts.get(uid, 0),
        needs=_needs(u.guest, m.status),
    )


def _needs(guest: str | None, status: MatchStatus) -> str:
    """What a person needs before they can join, or "" when they join as they are."""
    if guest in ("single-channel", "multi-channel"):
        return "a guest invitation (Entra B2B) before they can be added"
    if guest == "external":
        return "partner decision: invite as a guest or leave out"
    if status is MatchStatus.UNMATCHED:
        return "an account in the tenant, or their Slack email changed to their work email"
    if status is MatchStatus.DISABLED:
        return "their account is disabled: not added; messages keep their name"
    if status is MatchStatus.AMBIGUOUS:
        return "two accounts carry this email: fix the directory, then plan again"
    if status is MatchStatus.NO_EMAIL:
        return "Slack shows no email (users:read.email scope?)"
    return ""


def _named_owners(
    people: list[Person],
    team_owners: list[Person],
    extra_owners: set[str],
    directory: Directory,
) -> list[Check]:
    """Add the ``--owner`` people not in Slack to ``people`` and ``team_owners``.

    Returns a blocking check for each who has no enabled account.
    """
    checks: list[Check] = []
    missing_owners = extra_owners - {p.email for p in people if p.email}
    for email in sorted(missing_owners):
        m = directory.match(email)
        if m.account is not None and m.status is MatchStatus.MATCHED:
            people.append(
                Person(
                    source_id=f"owner:{email}",
                    name=m.account.name,
                    email=email,
                    status=MatchStatus.MATCHED,
                    target_id=m.account.id,
                    target_name=m.account.name,
                    role="owner",
                )
            )
            team_owners.append(people[-1])
        else:
            checks.append(
                Check(
                    id=f"owner-{email}",
                    blocking=True,
                    message=f"--owner {email} is {m.status.value} in the tenant",
                )
            )
    return checks


def _team_checks(joining: list[Person], team_owners: list[Person]) -> list[Check]:
    """The team's owners (none, one) and Teams' member and owner limits."""
    checks: list[Check] = []
    if not team_owners:
        checks.append(
            Check(
                id="no-owner",
                blocking=True,
                message="no Slack owner or admin matches an enabled account: name the team's "
                "owners with --owner EMAIL (two is the safe number)",
            )
        )
    elif len(team_owners) < 2:
        checks.append(
            Check(
                id="one-owner",
                blocking=False,
                message="the team will have one owner; add a second with --owner EMAIL",
            )
        )
    if len(joining) > TEAMS_MEMBER_LIMIT:
        checks.append(
            Check(
                id="member-limit",
                blocking=True,
                message=f"{len(joining)} members exceed Teams' {TEAMS_MEMBER_LIMIT} per team",
            )
        )
    if len(team_owners) > TEAMS_OWNER_LIMIT:
        checks.append(
            Check(
                id="owner-limit",
                blocking=True,
                message=f"{len(team_owners)} owners exceed Teams' {TEAMS_OWNER_LIMIT} per team",
            )
        )
    return checks
