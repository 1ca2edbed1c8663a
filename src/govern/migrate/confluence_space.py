"""Planning a Confluence personal space used as a team space into a team space of its own.

Reads the personal space through atlassian-python-api (its permission rows, every page with its
parent and version, and every page's versions to see who wrote what) and writes the review and
the steps: create the team space; copy the pages top-down so the tree is kept; grant each
contributor the role their edits show (the space's owner and the most active contributors
administer it: at least two; every other contributor edits; the groups that could read the
personal space read the team space); leave a pointer page in the old space.

What the deployment's API allows decides what moves (see ``govern_confluence.migration``):
Data Center has no REST page move, so pages are copied and their history stays with the
originals in the old space, linked from every copy; Cloud's move endpoint would keep history
but is not used yet, so a Cloud site is a blocking check.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from govern.migrate.model import (
    Check,
    Endpoint,
    Item,
    MatchStatus,
    MigrationPlan,
    Person,
    Review,
    Step,
    StepKind,
    make_step,
)
from govern.migrate.planfile import new_id, seal
from govern.model import utcnow

MIN_OWNERS = 2
EDITOR = ("VIEWSPACE", "EDITSPACE", "REMOVEOWNCONTENT", "COMMENT", "EDITBLOG", "CREATEATTACHMENT")
ADMIN = (
    *EDITOR,
    "REMOVEPAGE",
    "REMOVECOMMENT",
    "REMOVEBLOG",
    "REMOVEATTACHMENT",
    "EXPORTSPACE",
    "SETPAGEPERMISSIONS",
    "SETSPACEPERMISSIONS",
)
VIEWER = ("VIEWSPACE", "COMMENT")
POINTER_TITLE = "This space has moved to {key}"
PERMISSIONS = [
    "Confluence: Confluence Administrator or 'Create Space' global permission (create the space)",
    "Confluence: 'Admin' on the personal space (read its permissions, add the pointer page)",
    "Confluence: 'Admin' on the new space (granted to its creator: set its permissions)",
]
_KEY = re.compile(r"^[A-Za-z0-9]{1,255}$")


@dataclass(frozen=True)
class SpaceRequest:
    """What ``govern migrate`` was asked for a personal space."""

    community_id: str
    source_key: str
    target_key: str | None = None
    target_name: str | None = None
    owners: tuple[str, ...] = ()
    """Usernames to make administrators on top of the most active contributors."""


def default_key(name: str) -> str:
    """A space key from a name: its letters and digits, upper case, at most 20."""
    return (re.sub(r"[^A-Za-z0-9]", "", name).upper() or "TEAM")[:16] + "TEAM"


def plan_confluence_space(
    request: SpaceRequest, settings: Any, source_path: str | None = None
) -> MigrationPlan:
    """Read the personal space and write the reviewed plan."""
    from govern_confluence.migration import SpaceMover
    from govern_confluence.records import Forbidden
    from govern_confluence.settings import Deployment

    mover = SpaceMover(settings)
    checks: list[Check] = []
    key = request.source_key
    try:
        space = mover.space(key)
    except Forbidden:
        space = None
        checks.append(
            Check(
                id="missing-permission",
                blocking=True,
                message=f"the [confluence] account cannot read the permissions of {key}: it "
                "needs Confluence Administrator (or Admin on the space) to plan and apply",
            )
        )
    name = space.name if space is not None else key
    target_key = request.target_key or default_key(name)
    target_name = request.target_name or f"{name} (team)"
    cloud = settings.deployment is Deployment.CLOUD
    if not _KEY.match(target_key):
        checks.append(
            Check(
                id="bad-key",
                blocking=True,
                message=f"space key {target_key!r} must be letters and digits only; choose "
                "another with --to",
            )
        )
    elif mover.exists(target_key) is not None:
        checks.append(
            Check(
                id="target-key-taken",
                blocking=True,
                message=f"space key {target_key} is taken on the site; choose another with --to",
            )
        )
    pages = mover.pages(key) if space is not None else []
    # A pointer left by an earlier migration of this space says where it went: not content.
    pointer = POINTER_TITLE.split("{", 1)[0].casefold()
    pages = [p for p in pages if not p.title.casefold().startswith(pointer)]
    # Who wrote what: one request per page, at most 8 at once.
    with ThreadPoolExecutor(max_workers=max(1, min(8, settings.concurrency))) as pool:
        list(pool.map(mover.authors, pages))
    edits = Counter[str]()
    for p in pages:
        edits.update(p.authors)
    creator = space.creator if space is not None else None
    for owner in request.owners:
        if owner not in edits and not mover.user_exists(owner):
            checks.append(
                Check(
                    id=f"owner-{owner}",
                    blocking=True,
                    message=f"--owner {owner} is not a user of the site; give a username",
                )
            )
    people, grants = _people(request, edits, creator, space, checks, mover.names, cloud)
    if space is not None and not pages:
        checks.append(Check(id="nothing-to-move", blocking=True, message=f"{key} has no pages"))
    created_at = utcnow()
    plan_id = new_id(created_at)
    order = _top_down(pages)
    steps = _steps(request, target_key, target_name, name, order, grants, plan_id, cloud)
    review = _review(key, name, target_key, target_name, pages, order, people, checks, edits, cloud)
    return seal(
        MigrationPlan(
            migration="confluence-space",
            id=plan_id,
            created_at=created_at,
            source=Endpoint(
                tool="confluence",
                kind="personal-space",
                name=name,
                id=request.community_id,
                path=source_path,
            ),
            target=Endpoint(tool="confluence", kind=f"space {target_key}", name=target_name),
            options={
                "source_key": key,
                "target_key": target_key,
                "marker": plan_id,
                "site": settings.url.rstrip("/"),
            },
            review=review,
            steps=steps,
        )
    )


def _top_down(pages: list[Any]) -> list[Any]:
    """Pages ordered parents first (the order they can be created in), siblings as listed."""
    ids = {p.id for p in pages}
    children: dict[str | None, list[Any]] = {}
    for p in pages:
        children.setdefault(p.parent if p.parent in ids else None, []).append(p)
    out: list[Any] = []
    level = children.get(None, [])
    while level:
        out += level
        level = [c for p in level for c in children.get(p.id, [])]
    return out


def _people(
    request: SpaceRequest,
    edits: Counter[str],
    creator: str | None,
    space: Any,
    checks: list[Check],
    names: dict[str, str],
    cloud: bool,
) -> tuple[list[Person], list[tuple[str, str, str]]]:
    """Contributors with the role their edits show, and the grants (kind, subject, role)."""
    ranked = [u for u, _ in sorted(edits.items(), key=lambda kv: (-kv[1], kv[0]))]
    owners = [u for u in [creator, *request.owners] if u]
    for u in ranked:
        if len(dict.fromkeys(owners)) >= MIN_OWNERS:
            break
        owners.append(u)
    owners = list(dict.fromkeys(owners))
    people = [
        Person(
            source_id=u,
            name=names.get(u, u) if cloud else f"{names.get(u, u)} ({u})",
            status=MatchStatus.MATCHED,
            target_id=u,
            target_name=names.get(u, u),
            role="owner" if u in owners else "member",
            posts=edits.get(u, 0),
        )
        for u in dict.fromkeys([*owners, *ranked])
    ]
    grants = [("user", u, "owner") for u in owners]
    grants += [("user", u, "editor") for u in ranked if u not in owners]
    readers = (
        sorted(
            {
                p.subject
                for p in (space.perms or [])
                if p.subject_type == "group" and p.permission == "VIEWSPACE"
            }
        )
        if space is not None
        else []
    )
    grants += [("group", g, "viewer") for g in readers]
    if len(owners) < MIN_OWNERS:
        checks.append(
            Check(
                id="one-owner",
                blocking=True,
                message=f"only {len(owners)} person can administer the team space; name a "
                "second with --owner USERNAME (two owners at least)",
            )
        )
    return people, grants


def _steps(
    request: SpaceRequest,
    target_key: str,
    target_name: str,
    source_name: str,
    order: list[Any],
    grants: list[tuple[str, str, str]],
    marker: str,
    cloud: bool,
) -> list[Step]:
    src = request.community_id
    ids = {p.id for p in order}
    tops = [p for p in order if p.parent not in ids]
    # Cloud moves a page with its subtree and history; the home page stays home of the old
    # space, so it is copied and its children moved under the copy. Data Center copies all.
    copied = tops if cloud else order
    roots = [p for p in order if p.parent in {t.id for t in tops}] if cloud else []
    steps = [
        make_step(
            StepKind.CREATE_SPACE,
            f"{src}/space",
            f"create space {target_key} '{target_name}'",
            space_key=target_key,
            name=target_name,
            description=f"Team space of {source_name}, moved from {request.source_key} "
            f"(govern migration {marker}).",
        ),
        make_step(
            StepKind.COPY_PAGES,
            f"{src}/pages",
            f"copy {len(copied)} pages from {request.source_key} into {target_key}, tree kept"
            if not cloud
            else f"copy the home page of {request.source_key} into {target_key}",
            pages=[[p.id, p.title, p.parent, p.version] for p in copied],
        ),
    ]
    if cloud:
        steps.append(
            make_step(
                StepKind.MOVE_PAGES,
                f"{src}/move",
                f"move {len(order) - len(copied)} pages ({len(roots)} subtrees) with their "
                f"history under it",
                roots=[[p.id, p.title, p.parent] for p in roots],
            )
        )
    steps += [
        make_step(
            StepKind.GRANT_SPACE,
            f"{src}/grants",
            f"grant {sum(1 for g in grants if g[2] == 'owner')} owners, "
            f"{sum(1 for g in grants if g[2] == 'editor')} editors and "
            f"{sum(1 for g in grants if g[2] == 'viewer')} reading group(s) in {target_key}",
            changes=len(grants),
            grants=[list(g) for g in grants],
        ),
        make_step(
            StepKind.POINTER_PAGE,
            f"{src}/pointer",
            f"leave a page in {request.source_key} pointing to {target_key}",
            title=POINTER_TITLE.format(key=target_key),
        ),
    ]
    return steps


def _review(
    key: str,
    name: str,
    target_key: str,
    target_name: str,
    pages: list[Any],
    order: list[Any],
    people: list[Person],
    checks: list[Check],
    edits: Counter[str],
    cloud: bool,
) -> Review:
    ids = {p.id for p in order}
    tops = [p for p in order if p.parent not in ids]
    copied = tops if cloud else pages
    versions = sum(p.version for p in copied)
    moves = [
        Item(
            what=f"space {key} '{name}' -> {target_key} '{target_name}'",
            count=len(pages),
            detail="moved with their children and history under a copy of the home page"
            if cloud
            else "pages copied parents first: the tree is kept",
        ),
        Item(
            what="contributors given the role their edits show",
            count=len(people),
            detail="owners (the space's owner and the most active): "
            + ", ".join(p.name for p in people if p.role == "owner")
            + "; the others editors",
        ),
    ]
    if len(order) != len(pages):
        moves.append(
            Item(what="pages whose parent could not be read", count=len(pages) - len(order))
        )
    cannot = [
        Item(
            what="the home page's history" if cloud else "page history",
            count=versions - len(copied),
            detail="the home page stays home of the old space: its copy starts at version 1 "
            "and links the original's history"
            if cloud
            else "Data Center's REST API cannot move a page nor copy its versions: each copy "
            "starts at version 1, and names its original, whose history stays in the old "
            "space, in its version comment and a note",
        ),
        Item(
            what="blog posts, comments, attachments, page restrictions",
            detail="not read by this plan: they stay in the old space, linked from the pointer "
            "page",
        ),
    ]
    notes = [
        f"{sum(edits.values())} versions by {len(edits)} people were read to find who wrote what",
        "Confluence Cloud: pages move with their history (PUT /wiki/rest/api/content/{id}/move/"
        "append/{targetId})"
        if cloud
        else "Confluence Data Center: its REST API has no page move (CONFSERVER-39042), so "
        "pages are copied",
        "applying twice does nothing twice: a copied page is found by its title (unique in a "
        "space), a moved page by the space it is in",
    ]
    return Review(
        moves=moves,
        cannot_move=cannot,
        people=people,
        checks=checks,
        permissions=list(PERMISSIONS),
        notes=notes,
    )
