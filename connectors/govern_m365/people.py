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


def _record(run: Run, user: Mapping[str, Any]) -> None:
    p = principal(user)
    native = str(user["id"])
    (run.guests if p.kind.value == "guest" else run.employees).add(native)
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
    if not natives - run.guests - run.employees:
        return
    s = run.session
    url = f"{s.base}/users?$filter=userType eq 'Guest'&$select=id&$top=999"
    async for page in s.pages(s.request_for_url(url), Feature.PEOPLE, "list guests"):
        run.guests.update(str(u["id"]) for u in page.get("value", []))
    run.employees.update(natives - run.guests)
