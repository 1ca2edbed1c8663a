"""Microsoft 365 usage reports as Graph serves them: a 302 to a short-lived CSV download.

Four reports govern reads (reportroot-get*.md in microsoft-graph-docs-contrib): Teams team
activity, Microsoft 365 groups activity, Viva Engage (Yammer) groups activity and SharePoint
site usage, each for ``period='D7'``, ``'D30'``, ``'D90'`` or ``'D180'``, or for one day,
``date=YYYY-MM-DD`` (the SDK's form; the Viva Engage page's example quotes it, which the
service refuses: an Edm.String is not an Edm.Date, microsoft-graph-docs#13001).
A day report is "scoped to activity on the given date" and "only available for the past 30
days"; the service itself answers 400 ``InvalidArgument`` "Only support data for the past 28
days" (microsoft-graph-docs-contrib#793), and a day after the refresh date has no data yet:
200 with the header only (microsoft-graph-docs-contrib#6692, #2654). The CSV starts with a
UTF-8 BOM and has exactly the documented header line. With the tenant's concealed-names
setting on (the default since 2021; ``/admin/reportSettings``), user, group and site names are
replaced by stable hashes, as the real setting does; ids are not concealed, so rows that have
an id can still be matched, and the two group reports, which have none, cannot.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from govern.sandbox import activity, ids
from govern.sandbox.graph import auth
from govern.sandbox.graph.core import Call, Endpoint, GraphState, Reply, http_date
from govern.sandbox.graph.errors import GraphError, bad_request
from govern.sandbox.graph.odata import decode_token, encode_token
from govern.sandbox.org import Organisation

DOWNLOAD_SECONDS = 300
"""Pre-authenticated download URLs are valid 'a few minutes' (documented)."""

Rows = Callable[[Organisation, activity.Window, bool], list[activity.Row]]

DAYS_BACK = 28
"""How far back ``date=`` may go: the service's own error says 28 days (the pages say 30)."""

REPORTS: dict[str, tuple[tuple[str, ...], Rows]] = {
    "getTeamsTeamActivityDetail": (activity.TEAMS_COLUMNS, activity.teams_rows),
    "getOffice365GroupsActivityDetail": (activity.GROUPS_COLUMNS, activity.groups_rows),
    "getYammerGroupsActivityDetail": (activity.ENGAGE_COLUMNS, activity.engage_rows),
    "getSharePointSiteUsageDetail": (activity.SITES_COLUMNS, activity.sites_rows),
}
"""Report function -> (documented CSV columns, rows of the organisation)."""


def render_csv(state: GraphState, report: str, period: str, day: int | None = None) -> bytes:
    """One report as the downloaded file: UTF-8 BOM, documented header, one row per object.

    ``day`` (absolute day number) asks for the ``date=`` form: that day's activity, nothing
    for a day past the refresh date (not available yet).
    """
    columns, rows = REPORTS[report]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    org = state.org
    window = activity.period_window(org, period) if day is None else activity.day_window(day)
    if day is None or day <= activity.refresh_day(org):
        writer.writerows(rows(org, window, state.settings.concealed_names))
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def _redirect(call: Call, name: str, period: str, day: int | None) -> Reply:
    token = encode_token(["report", name, period, int(time.time()), day])
    return Reply(
        status=302,
        content=b"",
        media_type="text/plain",
        headers={"Location": f"{call.origin}/data/download/{token}"},
    )


def _report(name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        period = call.params["period"]
        if period not in activity.PERIODS:
            raise bad_request(f"Invalid value '{period}' for parameter 'period'.", "BadRequest")
        return _redirect(call, name, period, None)

    handler.__doc__ = f"GET /reports/{name}(period='D7|D30|D90|D180')."
    return handler


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _report_of_day(name: str) -> Callable[[Call], Reply]:
    def handler(call: Call) -> Reply:
        text = call.params["date"]
        if text.startswith("'"):
            # The Viva Engage page's quoted example fails on the service (docs issue #13001).
            raise bad_request(
                "Expression of type 'Edm.String' cannot be converted to type 'Edm.Date'.",
                "BadRequest",
            )
        asked = _day(text) if len(text) == 10 else None
        if asked is None:
            raise bad_request(f"Invalid value '{text}' for parameter 'date'.", "BadRequest")
        day = (asked - ids.EPOCH.date()).days
        today = call.org.today
        if not today - DAYS_BACK <= day <= today:
            raise bad_request(
                f"Invalid date value specified: {text}. Only support data for the past "
                f"{DAYS_BACK} days.",
                "InvalidArgument",
            )
        return _redirect(call, name, "", day)

    handler.__doc__ = f"GET /reports/{name}(date=YYYY-MM-DD)."
    return handler


async def download(request: Request) -> Response:
    """GET /data/download/{token}: the pre-authenticated CSV (no Authorization needed)."""
    state: GraphState = request.app.state.graph
    try:
        _, report, period, issued, day = decode_token(request.path_params["token"], "report")
    except GraphError:
        return Response(b"Not found", 404, media_type="text/plain")
    if time.time() - issued > DOWNLOAD_SECONDS:
        return Response(b"The download link has expired.", 403, media_type="text/plain")
    with state.lock:
        body = render_csv(state, report, period, day)
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


ENDPOINTS: tuple[Endpoint, ...] = (
    tuple(
        Endpoint(
            "GET",
            f"/reports/{name}(period='{{period}}')",
            _report(name),
            auth.REPORTS,
            service="reports",
        )
        for name in REPORTS
    )
    + tuple(
        Endpoint(
            "GET",
            f"/reports/{name}(date={{date}})",
            _report_of_day(name),
            auth.REPORTS,
            service="reports",
        )
        for name in REPORTS
    )
    + (
        Endpoint(
            "GET", "/admin/reportSettings", get_settings, auth.REPORT_SETTINGS, service="other"
        ),
        Endpoint(
            "PATCH",
            "/admin/reportSettings",
            update_settings,
            ("ReportSettings.ReadWrite.All",),
            service="other",
        ),
    )
)
