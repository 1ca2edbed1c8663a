"""Pages and blog posts of the sandbox's spaces, derived from each space's counters.

The organisation keeps per space only counters (pages, blog posts, edits), its contributors and
when it was last modified. Content items are derived from those deterministically: item ``j``
of a space has a stable id, a title, a last editor drawn from the contributors and a last
modification time between the space's creation and its last modification, the newest item at
exactly ``last_modified``. When time advances and a space is edited (its counters and
``last_modified`` move), the derived items move with it, so CQL searches by ``lastmodified``
see the edits. Items are cached per space state, so a search costs what it returns.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from threading import Lock

from govern.sandbox.confluence.cql import Query
from govern.sandbox.orgdata import OrgData
from govern.sandbox.spaces import Space

CONTENT_ID_BASE = 1_000_000
"""Content ids are ``CONTENT_ID_BASE * (space index + 1) + item``: stable and decodable."""


@dataclass(frozen=True)
class Item:
    """One page or blog post, as CQL and the content endpoints show it."""

    id: int
    space: int
    kind: str  # page or blogpost
    title: str
    modified: int
    created: int
    editor: int  # ConfluenceUser index
    version: int


def _unit(space: int, item: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{space}:{item}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class ContentIndex:
    """Derived content items of every space, cached by the space's state."""

    def __init__(self, org: OrgData) -> None:
        self.org = org
        self._cache: dict[int, tuple[tuple[int, ...], list[Item]]] = {}
        self._lock = Lock()

    def items(self, space: Space) -> list[Item]:
        """The items of ``space``, newest first."""
        state = (space.pages, space.blogposts, space.edits, space.last_modified, space.created,
                 len(space.contributors))  # fmt: skip
        with self._lock:
            hit = self._cache.get(space.idx)
            if hit is not None and hit[0] == state:
                return hit[1]
        items = self._derive(space)
        with self._lock:
            self._cache[space.idx] = (state, items)
        return items

    def _derive(self, s: Space) -> list[Item]:
        total = s.pages + s.blogposts
        span = max(s.last_modified - s.created, 0)
        contributors = s.contributors or [s.creator]
        versions = max(s.edits // max(total, 1), 1)
        out: list[Item] = []
        for j in range(total):
            kind = "page" if j < s.pages else "blogpost"
            # Item 0 (the home page) was created with the space; the newest edit sits exactly at
            # last_modified so the space's own figure and its content agree.
            created = s.created + int(span * _unit(s.idx, j, "c") * 0.5) if j else s.created
            if j == total - 1:
                modified = s.last_modified
            else:
                modified = created + int((s.last_modified - created) * _unit(s.idx, j, "m"))
            editor = contributors[int(_unit(s.idx, j, "e") * len(contributors))]
            title = "Home" if j == 0 else f"{s.name} {'note' if kind == 'blogpost' else 'page'} {j}"
            out.append(
                Item(
                    CONTENT_ID_BASE * (s.idx + 1) + j,
                    s.idx,
                    kind,
                    title,
                    modified,
                    created,
                    editor,
                    versions,
                )
            )
        out.sort(key=lambda it: (-it.modified, it.id))
        return out

    def search(self, query: Query) -> list[Item]:
        """Items matching ``query`` across live spaces, in the query's order (default newest)."""
        org = self.org
        wanted = None
        if query.spaces is not None:
            wanted = [org.space_index(k) for k in query.spaces]
        indexes = (
            [i for i in wanted if i is not None] if wanted is not None else range(len(org.spaces))
        )
        newest = min((v for op, v in query.modified if op in (">", ">=")), default=None)
        out: list[Item] = []
        for i in indexes:
            s = org.spaces[i]
            if s.deleted != -1 or (newest is not None and s.last_modified < newest):
                continue  # nothing in this space is recent enough
            for it in self.items(s):
                if query.types is not None and it.kind not in query.types:
                    continue
                if query.time_ok(it.modified, it.created):
                    out.append(it)
        out.sort(key=lambda it: (it.modified, it.id), reverse=query.order_desc is not False)
        return out
