"""Microsoft 365 usage reports as Graph serves them: a 302 to a short-lived CSV download.

Four reports govern reads (reportroot-get*.md in microsoft-graph-docs-contrib): Teams team
activity, Microsoft 365 groups activity, Viva Engage (Yammer) groups activity and SharePoint
site usage, each for ``D7``, ``D30``, ``D90`` or ``D180``. The CSV starts with a UTF-8 BOM and
has exactly the documented header line. With the tenant's concealed-names setting on (the
default since 2021; ``/admin/reportSettings``), user, group and site names are replaced by
stable hashes, as the real setting does; ids are not concealed, so rows that have an id can
still be matched, and the two group reports, which have none, cannot.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from govern.sandbox import activity
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, GraphState, Reply, http_date
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.odata import decode_token, encode_token
from govern.sandbox.org import Organisation

DOWNLOAD_SECONDS = 300
"""Pre-authenticated download URLs are valid 'a few minutes' (documented)."""

Rows = Callable[[Organisation, str, bool], list[activity.Row]]

REPORTS: dict[str, tuple[tuple[str, ...], Rows]] = {
    "getTeamsTeamActivityDetail": (activity.TEAMS_COLUMNS, activity.teams_rows),
    "getOffice365GroupsActivityDetail": (activity.GROUPS_COLUMNS, activity.groups_rows),
    "getYammerGroupsActivityDetail": (activity.ENGAGE_COLUMNS, activity.engage_rows),
    "getSharePointSiteUsageDetail": (activity.SITES_COLUMNS, activity.sites_rows),
}
"""Report function -> (documented CSV columns, rows of the organisation)."""


def render_csv(state: GraphState, report: str, period: str) -> bytes:
    """One report as the downloaded file: UTF-8 BOM, documented header, one row per object."""
    columns, rows = REPORTS[report]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(state.org, period, state.settings.concealed_names))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def _report(name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        period = call.params["period"]
        if period not in activity.PERIODS:
            raise bad_request(f"Invalid value '{period}' for parameter 'period'.", "BadRequest")
        token = encode_token(["report", name, period, int(time.time())])
        return Reply(
            status=302,
            content=b"",
            media_type="text/plain",
            headers={"Location": f"{call.origin}/data/download/{token}"},
        )

    handler.__doc__ = f"GET /reports/{name}(period='D7|D30|D90|D180')."
    return handler


async def download(request: Request) -> Response:
    """GET /data/download/{token}: the pre-authenticated CSV (no Authorization needed)."""
    state: GraphState = request.app.state.graph
    try:
        _, report, period, issued = decode_token(request.path_params["token"], "report")
    except GraphError:
        return Response(b"Not found", 404, media_type="text/plain")
    if time.time() - issued > DOWNLOAD_SECONDS:
        return Response(b"The download link has expired.", 403, media_type="text/plain")
    with state.lock:
        body = render_csv(state, report, period)
        date = http_date(state.org.now)
    return Response(body, 200, {"Date": date}, media_type="application/octet-stream")


def get_settings(call: Call) -> Reply:
    """GET /admin/reportSettings."""
    return Reply(
        {
            "@odata.context": f"{call.root}/$metadata#admin/reportSettings/$entity",
            "displayConcealedNames": call.state.settings.concealed_names,
        }
    )


def update_settings(call: Call) -> Reply:
    """PATCH /admin/reportSettings: turn concealed names on or off."""
    body = call.json()
    if not isinstance(body, dict) or not isinstance(body.get("displayConcealedNames"), bool):
        raise bad_request("Invalid value for property 'displayConcealedNames'.", "BadRequest")
    call.state.settings.concealed_names = body["displayConcealedNames"]
    return Reply(status=204)


ENDPOINTS: tuple[Endpoint, ...] = tuple(
    Endpoint(
        "GET",
        f"/reports/{name}(period='{{period}}')",
        _report(name),
        auth.REPORTS,
        service="reports",
    )
    for name in REPORTS
) + (
    Endpoint("GET", "/admin/reportSettings", get_settings, auth.REPORT_SETTINGS, service="other"),
    Endpoint(
        "PATCH",
        "/admin/reportSettings",
        update_settings,
        ("ReportSettings.ReadWrite.All",),
        service="other",
    ),
)
