"""Confluence records: users, groups, spaces and space permissions.

Space permissions are the bulk of Confluence data (tens of rows per space), so each row is one
int in the space's ``perms`` array: ``subject << 8 | subject_type << 4 | permission``.
``SpacePermission`` is the readable form; ``pack``/``unpack`` convert.
"""

from __future__ import annotations

from array import array
from enum import IntEnum
from typing import NamedTuple

from govern.sandbox.entities import NEVER

PERMISSIONS: tuple[str, ...] = (
    "VIEWSPACE",
    "EDITSPACE",
    "EXPORTSPACE",
    "SETSPACEPERMISSIONS",
    "REMOVEOWNCONTENT",
    "COMMENT",
    "REMOVECOMMENT",
    "EDITBLOG",
    "REMOVEBLOG",
    "CREATEATTACHMENT",
    "REMOVEATTACHMENT",
    "REMOVEPAGE",
    "SETPAGEPERMISSIONS",
    "REMOVEMAIL",
)
"""Space permission names of the Data Center JSON-RPC / v1 API; a code is an index here."""

ADMIN = PERMISSIONS.index("SETSPACEPERMISSIONS")
VIEW = PERMISSIONS.index("VIEWSPACE")

VIEWER_SET: tuple[int, ...] = (VIEW, PERMISSIONS.index("COMMENT"))
EDITOR_SET: tuple[int, ...] = tuple(PERMISSIONS.index(p) for p in (
    "VIEWSPACE", "EDITSPACE", "REMOVEOWNCONTENT", "COMMENT", "EDITBLOG", "CREATEATTACHMENT",
))  # fmt: skip
ADMIN_SET: tuple[int, ...] = tuple(range(len(PERMISSIONS)))


class Subject(IntEnum):
    """Who a space permission is given to."""

    USER = 0
    GROUP = 1
    ANONYMOUS = 2


class SpacePermission(NamedTuple):
    """One space permission row, readable: permission name, subject type and subject index."""

    permission: str
    subject_type: Subject
    subject: int  # ConfluenceUser or ConfluenceGroup index; 0 for anonymous


def pack(permission: int, subject_type: Subject, subject: int) -> int:
    """One permission row as an int (see the module docstring)."""
    return (subject << 8) | (int(subject_type) << 4) | permission


def unpack(code: int) -> SpacePermission:
    """The readable form of a packed row."""
    return SpacePermission(PERMISSIONS[code & 0xF], Subject((code >> 4) & 0xF), code >> 8)


class ConfluenceUser:
    """A Confluence account; ``person`` links it to the Entra user with the same email, or -1."""

    __slots__ = ("active", "created", "email", "idx", "name", "person", "username")

    def __init__(
        self, idx: int, username: str, name: str, email: str, person: int, created: int
    ) -> None:
        self.idx = idx
        self.username = username
        self.name = name
        self.email = email
        self.person = person
        self.created = created
        self.active = True


class ConfluenceGroup:
    """A Confluence group (``confluence-users``, a department, a project) and its members."""

    __slots__ = ("idx", "members", "name")

    def __init__(self, idx: int, name: str) -> None:
        self.idx = idx
        self.name = name
        self.members = array("i")  # ConfluenceUser indexes


class Space:
    """A Confluence space: global, or personal (key ``~username``).

    ``contributors`` are the users who ever edited a page, ``edits`` counts page versions, and
    ``last_modified`` moves when content changes (the change log records it too).
    """

    __slots__ = (
        "alive",
        "blogposts",
        "contributors",
        "created",
        "creator",
        "deleted",
        "description",
        "edits",
        "granted",
        "idx",
        "key",
        "last_modified",
        "name",
        "pages",
        "perms",
        "personal",
        "status",
    )

    def __init__(
        self, idx: int, key: str, name: str, personal: bool, creator: int, created: int
    ) -> None:
        self.idx = idx
        self.key = key
        self.name = name
        self.personal = personal
        self.creator = creator  # ConfluenceUser index
        self.created = created
        self.description = ""
        self.status = "current"  # or "archived"
        self.deleted = NEVER
        self.perms = array("q")
        self.pages = 1  # the home page
        self.blogposts = 0
        self.edits = 1
        self.contributors = array("i", [creator])
        self.last_modified = created
        self.alive = False
        self.granted: dict[int, int] = {}
        """Permission row -> when it was granted, where a scenario says (before recording)."""

    @property
    def space_type(self) -> str:
        """``global`` or ``personal`` as the REST API names it."""
        return "personal" if self.personal else "global"

    def permissions(self) -> list[SpacePermission]:
        """Every permission row, readable."""
        return [unpack(code) for code in self.perms]

    def has(self, permission: int, subject_type: Subject, subject: int) -> bool:
        """Whether this exact permission row exists."""
        return pack(permission, subject_type, subject) in self.perms

    def admins(self) -> list[tuple[Subject, int]]:
        """Subjects holding SETSPACEPERMISSIONS (users and groups)."""
        out = []
        for code in self.perms:
            if code & 0xF == ADMIN:
                row = unpack(code)
                out.append((row.subject_type, row.subject))
        return out


def is_deleted(ts: int) -> bool:
    """Whether a ``deleted`` timestamp says the record is gone."""
    return ts != NEVER
