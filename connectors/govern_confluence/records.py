"""What the Confluence reader returns: its records and the errors of a read.

Apart from the reader so that the permission readers it drives (Cloud, Data Center) can name
them without importing the reader back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

RPC = "rpc/json-rpc/confluenceservice-v2"


@dataclass(frozen=True)
class Perm:
    """One permission row: subject type (user, group, anonymous), subject id, permission name."""

    subject_type: str
    subject: str
    permission: str


@dataclass
class SpaceInfo:
    """A space as listed, with its permission rows when they were read."""

    key: str
    id: str
    name: str
    type: str
    status: str
    created_at: datetime | None
    creator: str | None
    webui: str | None
    perms: list[Perm] | None = None
    unreadable: str | None = None
    """Why the permissions could not be read, when they could not."""


@dataclass
class UserInfo:
    """A user: native id (DC username, Cloud accountId), name, email, guest/app flags."""

    id: str
    display_name: str = ""
    email: str | None = None
    guest: bool = False
    app: bool = False


@dataclass
class Edit:
    """One content item's latest edit: space, editor, when."""

    space: str
    editor: str | None
    when: datetime


class Forbidden(Exception):
    """The credentials lack the right for a read (HTTP 403)."""


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind an exception of the client library, where it carries one."""
    resp = getattr(exc, "response", None)
    if resp is None and exc.args and hasattr(exc.args[-1], "response"):
        resp = exc.args[-1].response
    reason = getattr(exc, "reason", None)
    if resp is None and reason is not None:
        resp = getattr(reason, "response", None)
    return getattr(resp, "status_code", None)
