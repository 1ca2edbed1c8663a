"""People: users through ``users/delta`` (incremental) or plain listing (first load).

A first load lists ``/users`` (999 per page) and takes a delta link with ``$deltatoken=latest``
first, so whatever changes while listing is seen again by the next incremental run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govern_m365.mapping import USER_SELECT, principal, user_id
from govern_m365.permissions import Feature
from govern_m365.run import Run

TOKEN = "users"

GUESTS_TOKEN = "guests"
"""Delta token: the native ids of every guest, space-separated. ``members@delta`` names new
members by id only; with this an incremental run knows which are guests without listing the
tenant's guests (7 pages at xl), keeping it current from ``users/delta``."""


def load_guests(token: str | None) -> set[str] | None:
    """The guests the last run knew, or None without a token (then they are listed)."""
    return None if token is None else set(token.split())


def guests_token(run: Run) -> str | None:
    """The guests for the next run: all of them after a full run, else the book kept current."""
    if Feature.PEOPLE in run.disabled:
        return None
    known = run.guests if run.full else run.guest_book
    return None if known is None else " ".join(sorted(known))


def _record(run: Run, user: Mapping[str, Any]) -> None:
    p = principal(user)
    native = str(user["id"])
    guest = p.kind.value == "guest"
    (run.guests if guest else run.employees).add(native)
    if run.guest_book is not None:
        (run.guest_book.add if guest else run.guest_book.discard)(native)
    if run.full and p.upn:
        run.upns[p.upn.lower()] = p.id
    run.sink.principal(p)


async def latest_link(run: Run, resource: str, select: str) -> str | None:
    """A delta link for "now" without reading anything (``$deltatoken=latest``).

    None when Graph refuses it (400): the caller then walks the delta from scratch instead.
    """
    from govern_m365.session import GraphFailure

    url = f"{run.session.base}/{resource}/delta?$select={select}&$deltatoken=latest"
    feature = Feature.PEOPLE if resource == "users" else Feature.GROUPS
    last: dict[str, Any] = {}
    try:
        # "latest" answers no objects, only the delta link (on the last page).
        async for page in run.session.pages(
            run.session.request_for_url(url), feature, f"{resource}/delta"
        ):
            last = page
    except GraphFailure as exc:
        if exc.status != 400:
            raise
        run.sink.log(
            f"m365: Graph refused {resource}/delta?$deltatoken=latest ({exc.graph_message}); "
            f"reading {resource} through a full delta walk instead"
        )
        return None
    link = last.get("@odata.deltaLink")
    if not link:
        raise_missing(resource)
    return str(link)


def raise_missing(resource: str) -> None:
    """A delta answer without a deltaLink breaks incremental runs: say so by name."""
    from govern_m365.mapping import MissingField

    raise MissingField(f"{resource}/delta page", "last", "@odata.deltaLink")


async def list_users(run: Run) -> None:
    """Every user (first load), and a delta link for the next run."""
    link = await latest_link(run, "users", USER_SELECT)
    if link is None:
        await user_changes(run, None)
        return
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder

    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        select=USER_SELECT.split(","), top=999
    )
    from kiota_abstractions.base_request_configuration import RequestConfiguration

    info = run.session.client.users.to_get_request_information(
        RequestConfiguration(query_parameters=query)
    )
    async for page in run.session.pages(info, Feature.PEOPLE, "list users"):
        for user in page.get("value", []):
            _record(run, user)
    run.sink.delta_token(TOKEN, link)


async def user_changes(run: Run, link: str | None) -> None:
    """Users changed since the last run (``users/delta`` from its delta link), or all of them."""
    last: dict[str, Any] = {}
    partial: list[str] = []
    url = link or f"{run.session.base}/users/delta?$select={USER_SELECT}"
    async for page in run.session.pages(
        run.session.request_for_url(url), Feature.PEOPLE, "users/delta"
    ):
        last = page
        for user in page.get("value", []):
            native = str(user["id"])
            if "@removed" in user:
                if link is not None:
                    run.sink.remove_principal(user_id(native))
                if run.guest_book is not None:
                    run.guest_book.discard(native)
            elif all(k in user for k in USER_SELECT.split(",")):
                _record(run, user)
            else:
                # Delta may send only the properties that changed: read the whole user.
                partial.append(native)
    if partial:
        await _reread(run, partial)
    if not last.get("@odata.deltaLink"):
        raise_missing("users")
    run.sink.delta_token(TOKEN, str(last["@odata.deltaLink"]))


async def _reread(run: Run, natives: list[str]) -> None:
    from govern_m365.batching import Job, run_batched
    from govern_m365.session import Answer

    def handle(answer: Answer) -> str | None:
        if answer.ok:
            _record(run, answer.body)
        elif answer.status == 403:
            run.forbidden(Feature.PEOPLE, answer.error()[1])
        return None

    base = run.session.base
    jobs = [Job(f"{base}/users/{n}?$select={USER_SELECT}", handle) for n in natives]
    await run_batched(run.session, jobs, Feature.PEOPLE, "read changed users")


async def classify_unknown(run: Run, natives: set[str]) -> None:
    """Learn which of these directory objects are guests (new members in incremental runs).

    ``members@delta`` carries ids only. Listing the tenant's guests (``userType eq 'Guest'``,
    999 a page, 1 resource unit each) costs less than reading each new member.
    """
    unknown = natives - run.guests - run.employees
    if not unknown:
        return
    if run.guest_book is not None:
        run.guests.update(unknown & run.guest_book)
        run.employees.update(unknown - run.guest_book)
        return
    s = run.session
    url = f"{s.base}/users?$filter=userType eq 'Guest'&$select=id&$top=999"
    async for page in s.pages(s.request_for_url(url), Feature.PEOPLE, "list guests"):
        run.guests.update(str(u["id"]) for u in page.get("value", []))
    run.employees.update(natives - run.guests)
    run.guest_book = set(run.guests)  # every guest now: the next run need not list them
