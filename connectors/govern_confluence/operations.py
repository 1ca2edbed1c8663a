"""Space permission names: Atlassian's operation/target pairs and Data Center's names, both ways.

REST names a space permission by an operation key and a target; JSON-RPC and the Data Center UI
name it by one word (``VIEWSPACE``), which is govern's name too (kept as a grant's ``source``).
Cloud and Data Center document different pairs:

* Cloud (v1 ``SpacePermissionRequest``, and v2 permission assignments): "create: page, blogpost,
  comment, attachment; read: space; delete: page, blogpost, comment, attachment, space; export:
  space; administer: space; archive: page; restrict_content: space", where ``delete`` on
  ``space`` is "Delete Own". ``archive`` on ``page`` has no Data Center name, so its name is the
  pair itself (``archive:page``). Mail archives (REMOVEMAIL) have no Cloud pair.
* Data Center 9.1+ (``/rest/api/space/{key}/permissions``): "space read, administer, export,
  restrict, delete_own, delete_mail; page, blogpost, comment, attachment: create, delete".

A pair a table does not know is never dropped: it is named ``key:target``, kept as evidence on
the grant, and counted.
"""

from __future__ import annotations

CLOUD_DOCS = "https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-space-permissions/"
DATACENTER_DOCS = (
    "https://developer.atlassian.com/server/confluence/rest/v1000/api-group-space-permissions/"
)

CLOUD: tuple[tuple[str, str, str], ...] = (
    ("create", "page", "EDITSPACE"),
    ("create", "blogpost", "EDITBLOG"),
    ("create", "comment", "COMMENT"),
    ("create", "attachment", "CREATEATTACHMENT"),
    ("read", "space", "VIEWSPACE"),
    ("delete", "page", "REMOVEPAGE"),
    ("delete", "blogpost", "REMOVEBLOG"),
    ("delete", "comment", "REMOVECOMMENT"),
    ("delete", "attachment", "REMOVEATTACHMENT"),
    ("delete", "space", "REMOVEOWNCONTENT"),
    ("export", "space", "EXPORTSPACE"),
    ("administer", "space", "SETSPACEPERMISSIONS"),
    ("archive", "page", "archive:page"),
    ("restrict_content", "space", "SETPAGEPERMISSIONS"),
)
"""Cloud: (operation key, target, govern's name), every documented pair and nothing else."""

DATACENTER: tuple[tuple[str, str, str], ...] = (
    ("read", "space", "VIEWSPACE"),
    ("administer", "space", "SETSPACEPERMISSIONS"),
    ("export", "space", "EXPORTSPACE"),
    ("restrict", "space", "SETPAGEPERMISSIONS"),
    ("delete_own", "space", "REMOVEOWNCONTENT"),
    ("delete_mail", "space", "REMOVEMAIL"),
    ("create", "page", "EDITSPACE"),
    ("delete", "page", "REMOVEPAGE"),
    ("create", "blogpost", "EDITBLOG"),
    ("delete", "blogpost", "REMOVEBLOG"),
    ("create", "comment", "COMMENT"),
    ("delete", "comment", "REMOVECOMMENT"),
    ("create", "attachment", "CREATEATTACHMENT"),
    ("delete", "attachment", "REMOVEATTACHMENT"),
)
"""Data Center 9.1+ REST: (operationKey, targetType, name), as its reference lists them."""


class Table:
    """One documented table, both ways."""

    def __init__(self, rows: tuple[tuple[str, str, str], ...]) -> None:
        self.names: dict[tuple[str, str], str] = {(k, t): n for k, t, n in rows}
        self.pairs: dict[str, tuple[str, str]] = {n: (k, t) for k, t, n in rows}

    def name_of(self, key: object, target: object) -> tuple[str, bool]:
        """The name of a pair, and whether the pair is documented (else ``key:target``)."""
        pair = (str(key), str(target))
        known = self.names.get(pair)
        if known is not None:
            return known, True
        return f"{pair[0]}:{pair[1]}", False

    def pair_of(self, name: str) -> tuple[str, str] | None:
        """The (operation key, target) a name is written as, or None (no REST form)."""
        return self.pairs.get(name)


CLOUD_TABLE = Table(CLOUD)
DATACENTER_TABLE = Table(DATACENTER)
