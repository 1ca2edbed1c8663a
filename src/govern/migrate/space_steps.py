"""The executor of each Confluence space step: idempotent, so a resumed run never duplicates.

Each finds what an earlier attempt did before writing: the space by its key and the plan's id
in its description, a copied page by its title (titles are unique within a space), a
permission by granting it again (Confluence treats a held permission as granted), the pointer
page by its title. The Confluence client is synchronous: each step runs in a thread.
"""

from __future__ import annotations

import asyncio
from html import escape
from typing import Any

from govern.errors import ConnectorError
from govern.migrate.confluence_space import ADMIN, EDITOR, VIEWER
from govern.migrate.model import Step, StepKind
from govern.migrate.steps import Context

ROLE_PERMISSIONS = {"owner": ADMIN, "editor": EDITOR, "viewer": VIEWER}


def _home(mover: Any, key: str, name: str) -> str:
    """The home page of a space made by the plan: titled '<name> Home', else its first page."""
    pages = mover.pages(key)
    wanted = f"{name} Home".casefold()
    found = next((p for p in pages if p.title.casefold() == wanted), None)
    if found is None and not pages:
        raise ConnectorError(f"space {key} has no home page; create one, then apply again")
    return str((found or pages[0]).id)


async def create_space(ctx: Context, step: Step) -> dict[str, Any]:
    """Create the team space, or find the one an earlier attempt of this plan created."""
    p, mover = step.params, ctx.source

    def run() -> dict[str, Any]:
        existing = mover.exists(p["space_key"])
        now = existing is None
        if existing is not None:
            text = str(((existing.get("description") or {}).get("plain") or {}).get("value", ""))
            if str(ctx.plan.options["marker"]) not in text:
                raise ConnectorError(
                    f"space key {p['key']} was taken since the plan was made; plan again "
                    "with another --to"
                )
        else:
            mover.create_space(p["space_key"], p["name"], p["description"])
        return {
            "space": p["space_key"],
            "home_id": _home(mover, p["space_key"], p["name"]),
            "created_now": now,
        }

    return await asyncio.to_thread(run)


def _note(site: str, source_key: str, page: Any, original: str) -> tuple[str, str]:
    """The version comment and the body note naming the original and its history."""
    history = f"{site}/pages/viewpreviousversions.action?pageId={original}"
    comment = (
        f"Copied from {source_key} page {original} (version {page[3]}); its history stays "
        f"there: {history}"
    )[:255]
    body = (
        f'<p><em>Moved from <a href="{escape(site)}/pages/viewpage.action?pageId={original}">'
        f"{escape(source_key)}</a>; its {page[3]} earlier versions are in "
        f'<a href="{escape(history)}">its history there</a>.</em></p>'
    )
    return comment, body


async def copy_pages(ctx: Context, step: Step) -> dict[str, Any]:
    """Copy the planned pages parents first, skipping those an earlier attempt copied."""
    opts, mover = ctx.plan.options, ctx.source
    source_key, target_key = str(opts["source_key"]), str(opts["target_key"])
    home = str(ctx.after(StepKind.CREATE_SPACE)["home_id"])

    def run() -> dict[str, Any]:
        there = {p.title.casefold(): p.id for p in mover.pages(target_key)}
        home_titles = {t for t, i in there.items() if i == home}
        source = {p.id: p for p in mover.pages(source_key, bodies=True)}
        ids: dict[str, str] = {}
        copied = found = 0
        gone: list[str] = []
        planned = step.params["pages"]
        for n, page in enumerate(planned, 1):
            original, title, parent = str(page[0]), str(page[1]), page[2]
            if title.casefold() in home_titles:  # the new space's own home page has it
                title = f"{title} (from {source_key})"
            if title.casefold() in there:
                ids[original] = there[title.casefold()]
                found += 1
                continue
            now = source.get(original)
            if now is None:
                gone.append(title)  # deleted since the plan: nothing to copy
                continue
            comment, note = _note(str(opts["site"]), source_key, page, original)
            under = ids.get(str(parent)) if parent is not None else None
            new = mover.create_page(
                target_key, title, note + (now.body or ""), under or home, comment
            )
            ids[original] = there[title.casefold()] = new
            copied += 1
            if n % 50 == 0:
                ctx.progress(step.id, f"copied {n} of {len(planned)} pages")
        after: dict[str, Any] = {
            "copied": copied,
            "already_there": found,
            "requests": mover.requests,
            "pages": dict(sorted(ids.items())),
        }
        if gone:
            after["note"] = f"{len(gone)} pages were deleted since the plan: " + ", ".join(gone[:5])
        return after

    return await asyncio.to_thread(run)


async def move_pages(ctx: Context, step: Step) -> dict[str, Any]:
    """Cloud: move each top page with its subtree and history under the copied home page."""
    opts, mover = ctx.plan.options, ctx.source
    source_key, target_key = str(opts["source_key"]), str(opts["target_key"])
    copies = ctx.after(StepKind.COPY_PAGES)["pages"]

    def run() -> dict[str, Any]:
        moved = found = 0
        elsewhere: list[str] = []
        for page_id, title, parent in step.params["roots"]:
            where = mover.space_of(str(page_id))
            if where == target_key:
                found += 1  # moved by an earlier attempt
                continue
            if where != source_key:
                elsewhere.append(str(title))  # deleted or moved away since the plan
                continue
            mover.move(str(page_id), str(copies[str(parent)]))
            moved += 1
        after: dict[str, Any] = {"moved": moved, "already_there": found}
        if elsewhere:
            after["note"] = f"{len(elsewhere)} pages left {source_key} since the plan: " + (
                ", ".join(elsewhere[:5])
            )
        return after

    return await asyncio.to_thread(run)


async def grant_space(ctx: Context, step: Step) -> dict[str, Any]:
    """Grant each contributor's role in the team space (view first, administer last)."""
    key, mover = str(ctx.plan.options["target_key"]), ctx.source

    def run() -> dict[str, Any]:
        done = 0
        for kind, subject, role in step.params["grants"]:
            for perm in ROLE_PERMISSIONS[role]:
                mover.grant(key, kind, subject, perm)
                done += 1
        return {"space": key, "permissions": done, "subjects": len(step.params["grants"])}

    return await asyncio.to_thread(run)


async def pointer_page(ctx: Context, step: Step) -> dict[str, Any]:
    """Leave a page in the old space that says where the team space is."""
    opts, mover = ctx.plan.options, ctx.source
    source_key, target_key = str(opts["source_key"]), str(opts["target_key"])
    title = str(step.params["title"])

    def run() -> dict[str, Any]:
        existing = {p.title.casefold(): p.id for p in mover.pages(source_key)}
        if title.casefold() in existing:
            return {"page_id": existing[title.casefold()], "created_now": False}
        url = f"{opts['site']}/display/{target_key}"
        body = (
            f'<p>This space has moved to <a href="{escape(url)}">{escape(target_key)}</a>, a '
            "team space with its own owners. Its pages were copied there with their tree; the "
            "pages here keep their history. Please edit there from now on.</p>"
        )
        page_id = mover.create_page(
            source_key, title, body, None, f"govern migration {ctx.plan.id}"
        )
        return {"page_id": page_id, "created_now": True}

    return await asyncio.to_thread(run)


EXECUTORS = {
    StepKind.CREATE_SPACE: create_space,
    StepKind.COPY_PAGES: copy_pages,
    StepKind.MOVE_PAGES: move_pages,
    StepKind.GRANT_SPACE: grant_space,
    StepKind.POINTER_PAGE: pointer_page,
}
