"""Groups, their members and users' emails: who the permission subjects are.

Groups are listed once per run and expanded to their members (Membership records). Emails let
govern match a Confluence account to its Microsoft 365 identity. Data Center's REST user
objects carry none: from 9.4 the admin list of active users carries them, 200 a page; before
it, and for users that list leaves out (deactivated ones), each email is a JSON-RPC ``getUser``
call (in parallel). Incremental runs start from the users the last run knew (``user_cache``).
Cloud's user objects carry emails when the profile allows, and users not met as group members
are fetched with ``/user/bulk``, 100 at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govern_confluence.dc_permissions import BULK_USERS_SINCE
from govern_confluence.reader import Reader
from govern_confluence.records import RPC, Forbidden, UserInfo

MEMBER_PAGE = 200
BULK = 100
ACTIVE_PAGE = 200
BULK_FROM = 50
"""Data Center 9.4+: with more users than this to look up, read the whole active-user list."""


@dataclass
class Directory:
    """Groups by name (with Cloud ids) and the users known so far."""

    groups: dict[str, str | None] = field(default_factory=dict)
    users: dict[str, UserInfo] = field(default_factory=dict)

    def group_name(self, ref: str) -> str:
        """A group's name from its Cloud id (or the name itself)."""
        return next((n for n, i in self.groups.items() if i == ref), ref)


def groups(reader: Reader) -> dict[str, str | None]:
    """Every group: name -> Cloud id (None on Data Center)."""
    path = "rest/api/group"
    return {g["name"]: g.get("id") for g in reader.offset_pages(path, {}, 1000)}


def members(reader: Reader, name: str, group_id: str | None) -> Iterator[UserInfo]:
    """The members of one group."""
    if reader.cloud:
        path = f"rest/api/group/{group_id}/membersByGroupId"
        for raw in reader.offset_pages(path, {}, MEMBER_PAGE):
            yield reader.user_info(raw)
        return
    start = 0
    while True:
        page = reader.client().get_group_members(name, start=start, limit=MEMBER_PAGE)
        results = page.get("results", []) if isinstance(page, dict) else page or []
        for raw in results:
            yield reader.user_info(raw)
        if not results or "next" not in (page.get("_links") or {}):
            return
        start += len(results)


def all_members(reader: Reader, directory: Directory) -> dict[str, list[str]]:
    """Members of every group, read in parallel: group name -> user ids."""
    names = list(directory.groups)

    def read(name: str) -> list[UserInfo]:
        return list(members(reader, name, directory.groups[name]))

    out: dict[str, list[str]] = {}
    with ThreadPoolExecutor(reader.settings.concurrency) as pool:
        for name, users in zip(names, pool.map(read, names), strict=True):
            out[name] = [u.id for u in users]
            for u in users:
                known = directory.users.get(u.id)
                if known is None or (u.email and not known.email):
                    directory.users[u.id] = u
    return out


def fill_emails(reader: Reader, directory: Directory, ids: Iterable[str]) -> None:
    """Look up emails (and names) of the given users that lack them."""
    missing = [
        i for i in dict.fromkeys(ids) if not (directory.users.get(i) and directory.users[i].email)
    ]
    if not missing:
        return
    if reader.cloud:
        for i in range(0, len(missing), BULK):
            chunk = missing[i : i + BULK]
            page = reader.get("rest/api/user/bulk", {"accountId": chunk})
            for raw in page.get("results", []):
                directory.users[raw["accountId"]] = reader.user_info(raw)
        return

    if reader.dc is not None and len(missing) > BULK_FROM and reader.dc.serves(BULK_USERS_SINCE):
        wanted = set(missing)
        try:
            for raw in reader.offset_pages("rest/api/admin/users/list/active", {}, ACTIVE_PAGE):
                info = reader.user_info(raw)
                known = directory.users.get(info.id)
                if info.id in wanted or known is not None:
                    if known is not None and not info.display_name:
                        info.display_name = known.display_name
                    directory.users[info.id] = info
        except Forbidden:
            pass  # the list needs administrator rights: ask user by user below
        missing = [i for i in missing if not (directory.users.get(i) and directory.users[i].email)]
        if not missing:
            return

    def lookup(username: str) -> dict[str, Any] | None:
        body = {"jsonrpc": "2.0", "method": "getUser", "params": [username], "id": 1}
        answer = reader.client().post(RPC, data=body)
        result = answer.get("result") if isinstance(answer, dict) else None
        return result if isinstance(result, dict) else None

    with ThreadPoolExecutor(reader.settings.concurrency) as pool:
        for username, result in zip(missing, pool.map(lookup, missing), strict=True):
            info = (
                directory.users.get(username)
                or reader.seen_users.get(username)
                or UserInfo(username)
            )
            if result:
                info.email = result.get("email") or None
                info.display_name = info.display_name or result.get("fullname", "")
            directory.users[username] = info
