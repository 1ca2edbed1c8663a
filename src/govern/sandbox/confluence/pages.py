"""Pages of the sandbox's spaces as real records: a tree, bodies and version histories.

The organisation keeps only counters per space (``content.ContentIndex`` derives search results
from them). A migration needs more: the page tree, each page's body and its versions, and pages
that can be created. A space's pages become records the first time a page endpoint touches the
space: the derived pages (``kind == "page"``) with a deterministic parent (the home page or an
earlier page, so the tree has depth), a body, and as many versions as the space's edits give
each page, by its contributors, the last one by the page's last editor at its last edit.
From then on the records are the truth for that space, and creating a page moves the space's
counters (pages, edits, contributors, last modified) so that discovery and search see it.

Confluence's rules kept here: a page title is unique within a space (case-insensitive); a
parent must be a page of the same space; a new space gets a home page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from govern.sandbox.confluence.content import ContentIndex
from govern.sandbox.errors import WriteRefused
from govern.sandbox.orgdata import OrgData
from govern.sandbox.spaces import Space

NEW_PAGE_ID_BASE = 3_000_000_000
"""Ids of pages created through the API: above every derived id."""


@dataclass(frozen=True)
class Version:
    """One version of a page: its number, author (ConfluenceUser index), time and message."""

    number: int
    by: int
    when: int
    message: str = ""


@dataclass
class Page:
    """A page: its space, place in the tree, body and versions (oldest first)."""

    id: int
    space: int
    title: str
    parent: int | None
    body: str
    versions: list[Version] = field(default_factory=list)

    @property
    def created(self) -> int:
        """When version 1 was saved."""
        return self.versions[0].when

    @property
    def creator(self) -> int:
        """Who saved version 1."""
        return self.versions[0].by

    @property
    def latest(self) -> Version:
        """The current version."""
        return self.versions[-1]


def _unit(*parts: object) -> float:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class PageStore:
    """Every page record of one site, materialised per space on first use."""

    def __init__(self, org: OrgData, content: ContentIndex) -> None:
        self.org = org
        self.content = content
        self.pages: dict[int, Page] = {}
        self._children: dict[int | None, list[int]] = {}
        self._by_space: dict[int, list[int]] = {}
        self._titles: dict[int, dict[str, int]] = {}
        """Per space: casefolded title -> page id (titles are unique in a space)."""
        self._next = NEW_PAGE_ID_BASE

    # -- reading -----------------------------------------------------------------------------

    def of_space(self, space: Space) -> list[Page]:
        """The space's pages, home page first, then in creation order."""
        self._load(space)
        return [self.pages[i] for i in self._by_space[space.idx]]

    def get(self, page_id: int) -> Page | None:
        """A page by id (materialising its space when the id is a derived one)."""
        if page_id not in self.pages:
            from govern.sandbox.confluence.content import CONTENT_ID_BASE

            idx = page_id // CONTENT_ID_BASE - 1
            if 0 <= idx < len(self.org.spaces) and page_id < NEW_PAGE_ID_BASE:
                self._load(self.org.spaces[idx])
        return self.pages.get(page_id)

    def children(self, page: Page) -> list[Page]:
        """The page's child pages, in their order."""
        return [self.pages[i] for i in self._children.get(page.id, [])]

    def ancestors(self, page: Page) -> list[Page]:
        """The page's ancestors, root first (as ``expand=ancestors`` lists them)."""
        out: list[Page] = []
        parent = page.parent
        while parent is not None:
            p = self.pages[parent]
            out.append(p)
            parent = p.parent
        return out[::-1]

    def by_title(self, space: Space, title: str) -> Page | None:
        """The page of ``space`` with this title (titles are unique per space, any case)."""
        self._load(space)
        found = self._titles.get(space.idx, {}).get(title.casefold())
        return self.pages[found] if found is not None else None

    # -- writing -----------------------------------------------------------------------------

    def create(
        self,
        space: Space,
        title: str,
        body: str,
        parent: int | None,
        by: int,
        message: str = "",
    ) -> Page:
        """Create a page (version 1) with Confluence's rules; moves the space's counters."""
        self._load(space)
        title = title.strip()
        if not title:
            raise WriteRefused("invalid_value", "Page title cannot be empty")
        if self.by_title(space, title) is not None:
            raise WriteRefused(
                "already_exists",
                f"A page with this title already exists: A page already exists with the title "
                f"{title} in the space with key {space.key}",
            )
        if parent is None:
            parent = self._home(space)
        else:
            found = self.get(parent)
            if found is None or found.space != space.idx:
                raise WriteRefused(
                    "invalid_value",
                    f"Could not create content with type page: parent {parent} is not a page "
                    f"of space {space.key}",
                )
        page = Page(
            self._new_id(), space.idx, title, parent, body, [Version(1, by, self.org.now, message)]
        )
        self._add(page)
        space.pages += 1
        space.edits += 1
        if by not in space.contributors:
            space.contributors.append(by)
        space.last_modified = max(space.last_modified, self.org.now)
        return page

    def home(self, space: Space, by: int) -> Page:
        """A new space's home page, created with the space (as Confluence does)."""
        page = Page(
            self._new_id(),
            space.idx,
            f"{space.name} Home",
            None,
            f"<p>Welcome to {space.name}.</p>",
            [Version(1, by, space.created)],
        )
        self._by_space[space.idx] = []
        self._add(page)
        return page

    def move(self, page: Page, position: str, target: Page) -> None:
        """Cloud's move: ``append`` under ``target``, or ``before``/``after`` it.

        The subtree and its history move along, into another space too; Confluence's rules
        raise ``WriteRefused``.
        """
        if position not in ("append", "before", "after"):
            raise WriteRefused("invalid_value", "position must be append, before or after")
        parent = target.id if position == "append" else target.parent
        walk: int | None = target.id
        while walk is not None:
            if walk == page.id:
                raise WriteRefused("invalid_value", "Cannot move a page into its own descendant")
            walk = self.pages[walk].parent
        subtree, level = [page], [page]
        while level:
            level = [self.pages[c] for p in level for c in self._children.get(p.id, [])]
            subtree += level
        if target.space != page.space:
            taken = self._titles.get(target.space, {})
            clash = next((p.title for p in subtree if p.title.casefold() in taken), None)
            if clash is not None:
                raise WriteRefused(
                    "already_exists",
                    f"A page with this title already exists: A page already exists with the "
                    f"title {clash} in the space with key {self.org.spaces[target.space].key}",
                )
        self._children[page.parent].remove(page.id)
        siblings = self._children.setdefault(parent, [])
        at = len(siblings) if position == "append" else siblings.index(target.id)
        siblings.insert(at + (position == "after"), page.id)
        page.parent = parent
        old, new = self.org.spaces[page.space], self.org.spaces[target.space]
        if old is not new:
            for p in subtree:
                self._by_space[old.idx].remove(p.id)
                del self._titles[old.idx][p.title.casefold()]
                p.space = new.idx
                self._by_space[new.idx].append(p.id)
                self._titles[new.idx][p.title.casefold()] = p.id
            old.pages -= len(subtree)
            new.pages += len(subtree)
            for s in (old, new):
                s.last_modified = max(s.last_modified, self.org.now)

    # -- internals ---------------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next += 1
        return self._next

    def _add(self, page: Page) -> None:
        self.pages[page.id] = page
        self._titles.setdefault(page.space, {})[page.title.casefold()] = page.id
        self._by_space.setdefault(page.space, []).append(page.id)
        self._children.setdefault(page.parent, []).append(page.id)

    def _home(self, space: Space) -> int | None:
        ids = self._by_space.get(space.idx) or []
        return ids[0] if ids else None

    def _load(self, space: Space) -> None:
        if space.idx in self._by_space:
            return
        self._by_space[space.idx] = []
        items = sorted(
            (it for it in self.content.items(space) if it.kind == "page"), key=lambda it: it.id
        )
        contributors = list(space.contributors) or [space.creator]
        ids: list[int] = []
        for n, it in enumerate(items):
            # The home page is the root; every other page hangs under the home page or an
            # earlier page, so the tree is a few levels deep as real wikis are.
            if n == 0:
                parent = None
            elif _unit(space.idx, it.id, "p") < 0.4:
                parent = ids[0]
            else:
                parent = ids[int(_unit(space.idx, it.id, "q") * n)]
            versions: list[Version] = []
            count = max(it.version, 1)
            span = max(it.modified - it.created, 0)
            for v in range(1, count + 1):
                if v == 1:
                    by, when = (space.creator if n == 0 else it.editor), it.created
                elif v == count:
                    by, when = it.editor, it.modified
                else:
                    by = contributors[int(_unit(it.id, v, "by") * len(contributors))]
                    when = it.created + span * (v - 1) // max(count - 1, 1)
                versions.append(Version(v, by, when))
            body = f"<p>{it.title}: notes of {space.name}.</p><p>Edited {count} times.</p>"
            self._add(Page(it.id, space.idx, it.title, parent, body, versions))
            ids.append(it.id)
