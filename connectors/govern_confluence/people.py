"""Groups, their members and users' emails: who the permission subjects are.

Groups are listed once per run and expanded to their members (Membership records). Emails let
govern match a Confluence account to its Microsoft 365 identity; Data Center's REST user
objects carry none, so emails come from the JSON-RPC ``getUser`` call (one per user, in
parallel); Cloud's user objects carry them when the profile allows, and users not met as group
members are fetched with ``/user/bulk``, 100 at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govern_confluence.reader import RPC, Reader, UserInfo

MEMBER_PAGE = 200
BULK = 100


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
