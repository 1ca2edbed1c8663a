"""The report as one self-contained HTML page: no script, no font, no request leaves the file.

It opens offline from a mail attachment or a CI artefact. Charts are inline SVG (``svg``); the
per-community details fold with ``<details>`` so the page stays readable on a laptop screen.
On a phone (under 720 px) the ranking turns into one card per community instead of a table
wider than the screen. A chart with nothing to draw is replaced by a note saying why, and
legends are HTML, so they wrap instead of overlapping.
"""

from __future__ import annotations

from html import escape
from typing import ClassVar

from govern.virality import svg
from govern.virality.formats.cells import metric
from govern.virality.formats.interface import ReportFormat
from govern.virality.measures import LABELS, format_value
from govern.virality.metrics import Value
from govern.virality.report import Entry, Measure, Migration, Organisation, Report

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0; background: #f6f8fa; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.sub { color: #57606a; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; }
.card b { display: block; font-size: 20px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr));
  gap: 12px; align-items: start; }
.panel { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px;
  min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel h3 { font-size: 14px; margin: 0 0 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid #d8dee4; padding: 5px 8px; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; white-space: nowrap; }
td { overflow-wrap: break-word; } code { overflow-wrap: anywhere; }
table.components td { overflow-wrap: anywhere; }
.empty { color: #57606a; background: #f6f8fa; border: 1px dashed #d0d7de; border-radius: 6px;
  padding: 18px 12px; margin: 0; }
ul.legend { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 4px 14px; font-size: 12px; color: #424a53; }
ul.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
  vertical-align: -1px; }
@media (max-width: 720px) {
  main { padding: 12px 10px 32px; }
  table.ranking, table.ranking tbody, table.ranking tr, table.ranking td { display: block; }
  table.ranking tr.head { display: none; }
  table.ranking tr { border: 1px solid #d0d7de; border-radius: 6px; margin: 8px 0;
    padding: 4px 0; }
  table.ranking td { border: 0; padding: 2px 10px; text-align: left; }
  table.ranking td[data-label]::before { content: attr(data-label) ": "; color: #57606a; }
  table.components tr > :first-child { display: none; }
}
.rec { border-radius: 10px; padding: 1px 8px; color: #fff; font-weight: 600; font-size: 12px;
  white-space: nowrap; }
.adopt { background: #2da44e; } .migrate { background: #1f6feb; } .monitor { background: #bf8700; }
.archive { background: #6e7781; } .none { background: #afb8c1; }
code { font-size: 12px; } .reasons { margin: 0; padding-left: 16px; color: #424a53; }
details { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: 8px 0;
  padding: 6px 12px; }
summary { cursor: pointer; font-weight: 600; }
svg.chart { width: 100%; height: auto; display: block; }
svg .tick { font-size: 10px; fill: #57606a; } svg .lbl { font-size: 11px; fill: #1f2328; }
.note { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 6px 10px; }
.muted { color: #8c959f; }
"""


def _rec(e: Entry) -> str:
    r = e.recommendation.value if e.recommendation else "none"
    return f'<span class="rec {r}">{r}</span>'


def _cell(name: str, m: Measure) -> str:
    if m.value is None:
        return f'<span class="muted" title="{escape(m.note or "")}">-</span>'
    return escape(format_value(name, Value(m.value, m.note)))


def _organisation(report: Report) -> str:
    """The organisation at a glance: the headline cards, then a grid of its charts."""
    org = report.organisation
    return "\n".join(
        [
            _cards(org),
            '<div class="grid">',
            _scatter_panel(report.entries),
            _sizes_panel(org),
            _people_panel(org),
            "</div>",
        ]
    )


def _cards(org: Organisation) -> str:
    """The headline figures, one card each: size, history and communities per recommendation."""
    cards = [
        ("communities", f"{org.communities:,}"),
        ("people (matched by email)", f"{org.people:,}"),
        ("days of history", f"{org.history_days:.0f}"),
        *((f"to {b.name}", f"{b.count:,}") for b in org.by_recommendation),
    ]
    out = ['<div class="cards">']
    out += [f'<div class="card"><b>{v}</b>{escape(k)}</div>' for k, v in cards]
    out.append("</div>")
    return "\n".join(out)


def _scatter_panel(entries: list[Entry]) -> str:
    """Reach against organic spread of every community measured, or why none is."""
    points = [
        (
            metric(e, "members").value or 0.0,
            metric(e, "organic_share").value or 0.0,
            e.recommendation.value if e.recommendation else "none",
            f"{e.path}: {metric(e, 'members').value or 0:.0f} members, "
            f"{e.recommendation.value if e.recommendation else 'no recommendation'}",
        )
        for e in entries
        if metric(e, "organic_share").value is not None
    ][:2000]  # a scatter of more points says nothing more and weighs the page down
    if points:
        scatter = (
            svg.scatter(
                points,
                "Members against organic share of joins",
                "members (log scale)",
                "organic share of joins",
            )
            + '<p class="sub">Green adopt, blue migrate, amber monitor, grey archive or none. '
            "Broadcasts sit low: most members were added at once.</p>"
        )
    else:
        scatter = _empty(
            "Not measurable yet: none of the listed communities has its organic share of "
            "joins, because the tools did not report when and by whom members were added and "
            "the history holds no joins since the first discovery. Keep running `govern "
            "discover` on a schedule (joins between snapshots count), or grant the audit log "
            "permissions that report adders."
        )
    return (
        '<div class="panel"><h3>Reach and organic spread of the listed communities</h3>'
        + scatter
        + "</div>"
    )


def _sizes_panel(org: Organisation) -> str:
    """Communities per member band, the shadow IT found, and what was ruled out."""
    return (
        '<div class="panel"><h3>Communities by size</h3>'
        + _bars(
            [(b.name, b.count) for b in org.size_distribution],
            "Communities per member band",
            "no communities in the inventory yet: run `govern discover`",
        )
        + "<h3>Shadow IT found</h3>"
        + _bars(
            [(b.name, b.count) for b in org.by_category],
            "Communities per category",
            "no shadow IT found among the communities discovered",
            svg.PALETTE[1],
        )
        + (
            "<h3>Not shadow IT</h3>"
            + _bars(
                [(b.name, b.count) for b in org.not_shadow_it],
                "Communities ruled out as shadow IT",
                "",
                svg.PALETTE[5],
            )
            if org.not_shadow_it
            else ""
        )
        + "</div>"
    )


def _people_panel(org: Organisation) -> str:
    """Employees per department (the twelve largest), from the directory."""
    return (
        '<div class="panel"><h3>People per department</h3>'
        + _bars(
            [(s.department, s.members) for s in org.departments[:12]],
            "Employees per department",
            "no departments known: the directory (m365) connector gives them, matched by email",
            svg.PALETTE[2],
        )
        + "</div>"
    )


def _empty(reason: str) -> str:
    """What stands in for a chart with nothing to draw: why, in words."""
    return f'<p class="empty">{escape(reason)}</p>'


def _bars(bars: list[tuple[str, float]], title: str, why_empty: str, colour: str = "") -> str:
    if not any(v for _, v in bars):
        return _empty(why_empty or "nothing to show")
    return svg.bar_chart(bars, title, colour=colour or svg.PALETTE[0])


NUMBERS = (
    ("members", "members"),
    ("growth_30d", "growth 30 d"),
    ("departments", "depts"),
    ("organic_share", "organic"),
    ("active_ratio", "active"),
)
"""The ranking's figure columns: component and header."""


def _ranking(entries: list[Entry]) -> str:
    head = (
        '<tr class="head"><th class="n">#</th><th>community</th><th>category</th><th>do</th>'
        + "".join(f'<th class="n">{h}</th>' for _, h in NUMBERS)
        + '<th class="n">score</th><th>why</th></tr>'
    )
    rows = []
    for e in entries:
        nums = "".join(
            f'<td class="n" data-label="{h}">{_cell(n, metric(e, n))}</td>' for n, h in NUMBERS
        )
        reasons = "".join(f"<li>{escape(r)}</li>" for r in e.reasons[:3])
        score = f"{e.score:.0f}" if e.score is not None else "-"
        rows.append(
            f'<tr><td class="n">{e.rank}</td><td><a href="#c{e.rank}">{escape(e.name)}</a><br>'
            f"<code>{escape(e.path)}</code></td><td>{escape(e.category)}</td><td>{_rec(e)}</td>"
            f'{nums}<td class="n" data-label="score">{score}</td>'
            f'<td><ul class="reasons">{reasons}</ul></td></tr>'
        )
    return f'<table class="ranking">{head}{"".join(rows)}</table>'


def _details(e: Entry) -> str:
    """One community, folded: where it is, its charts and components, why, and what to do."""
    parts = [
        f'<details id="c{e.rank}" {"open" if e.rank <= 3 else ""}>',
        f"<summary>{e.rank}. {escape(e.name)} {_rec(e)}{' viral' if e.viral else ''}</summary>",
        f'<p class="sub"><code>{escape(e.path)}</code> · {escape(e.kind)} · '
        f"{escape(e.origin.value)} · {escape(e.category)}</p>",
        '<div class="grid">',
    ]
    if e.curve:
        parts.append(_growth_panel(e))
    if e.departments:
        parts.append(_mix_panel(e))
    parts.append(_components_panel(e))
    parts.append("<h3>Why</h3><ul>" + "".join(f"<li>{escape(r)}</li>" for r in e.reasons) + "</ul>")
    if e.owners:
        parts.append(f"<p>Owners: {escape(', '.join(e.owners))}</p>")
    if e.migration:
        parts += _migration(e.migration)
    if e.changes:
        parts.append(_changes(e))
    if e.open_items:
        items = "".join(f"<li>{escape(t)}</li>" for t in e.open_items)
        parts.append(f"<h3>For a person to decide</h3><ul>{items}</ul>")
    if e.decision:
        parts.append(f"<p>Lifecycle decision: <code>{escape(e.decision.state.value)}</code></p>")
    parts.append("</details>")
    return "\n".join(parts)


def _growth_panel(e: Entry) -> str:
    """Members over time: from the tool's join dates, and as observed at each discovery."""
    joins = [(p.at.timestamp(), float(p.members)) for p in e.curve if p.source == "joins"]
    seen = [(p.at.timestamp(), float(p.members)) for p in e.curve if p.source == "snapshot"]
    chart = svg.line_chart(
        [("from join dates", joins, True), ("observed at snapshots", seen, False)],
        f"Members of {e.name} over time",
    )
    return (
        f'<div class="panel"><h3>Growth</h3>{chart}<p class="sub">Dashed: from the tool\'s '
        "join dates; dots: observed at each discovery.</p></div>"
    )


def _mix_panel(e: Entry) -> str:
    """The members' departments as one stacked bar: the nine largest, then the rest as other."""
    top = [(s.department, float(s.members)) for s in e.departments[:9]]
    rest = sum(s.members for s in e.departments[9:])
    if rest:
        top.append(("other", float(rest)))
    total = sum(v for _, v in top) or 1.0
    legend = "".join(
        f'<li><i style="background:{svg.PALETTE[i % len(svg.PALETTE)]}"></i>'
        f"{escape(label)} {value / total:.0%}</li>"
        for i, (label, value) in enumerate(top)
    )
    return (
        f'<div class="panel"><h3>Department mix: {len(e.departments)} departments</h3>'
        + svg.stacked_bar(top, f"Departments of {e.name}")
        + f'<ul class="legend">{legend}</ul></div>'
    )


def _components_panel(e: Entry) -> str:
    """Every measure behind the score, with its percentile; it closes the grid."""
    rows = "".join(
        f"<tr><td>{escape(group)}</td><td>{escape(LABELS.get(n, n))}</td>"
        f"<td>{escape(format_value(n, Value(m.value, m.note)))}</td>"
        f'<td class="n">{"" if m.percentile is None else f"p{m.percentile:.0f}"}</td></tr>'
        for group, ms in e.metrics.items()
        for n, m in ms.items()
    )
    return (
        '<div class="panel wide"><h3>Components</h3><table class="components"><tr><th>group</th>'
        f'<th>component</th><th>value</th><th class="n">percentile</th></tr>{rows}</table>'
        "</div></div>"
    )


def _migration(mg: Migration) -> list[str]:
    """Where the community would move, how many members are matched there, and the command."""
    share = f"{mg.matched_share:.0%}" if mg.matched_share is not None else "n/a"
    parts = [
        f"<p><b>Migrate to</b> {escape(mg.target)}: {mg.matched} of {mg.members} members "
        f"({share}) matched in {escape(mg.target_connector)}; move "
        f"{escape(', '.join(mg.to_move))}.</p>"
    ]
    if mg.next_command:
        parts.append(f"<p>Plan it: <code>{escape(mg.next_command)}</code></p>")
    return parts


def _changes(e: Entry) -> str:
    """The changes the recommendation implies: action, whom, role, value, rule and why."""
    items = "".join(
        f"<li><code>{escape(c.action.value)}</code> "
        f"{escape(e.people.get(c.principal_id, c.principal_id) if c.principal_id else '')} "
        f"{escape(c.role.value if c.role else '')} "
        f'{escape(c.value or "")} <span class="muted">({escape(c.rule_id)})</span>: '
        f"{escape(c.reason)}</li>"
        for c in e.changes
    )
    return f"<h3>Changes</h3><ul>{items}</ul>"


def to_html(report: Report, *, limit: int | None = 100) -> str:
    """The whole report as one HTML document."""
    shown = report.entries[:limit] if limit else report.entries
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in report.notes)
    more = (
        f'<p class="sub">{len(report.entries) - len(shown):,} more in the JSON and CSV outputs.</p>'
        if len(report.entries) > len(shown)
        else ""
    )
    src = escape(report.thresholds_source or "built-in defaults")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shadow-IT report {report.generated_at:%Y-%m-%d}</title>
<style>{CSS}</style></head>
<body><main>
<h1>Shadow-IT report</h1>
<p class="sub">As of {report.generated_at:%Y-%m-%d %H:%M} UTC (the tools' clock). Thresholds from
{src}. Each figure shows its percentile in the organisation; a dash means not measurable yet.</p>
{notes}
<h2>The organisation</h2>
{_organisation(report)}
<h2>Ranking</h2>
<p class="sub">Score: the mean percentile of reach, growth, breadth, engagement and organic
spread; a component that is not measured counts as neutral (50), so missing evidence neither
helps nor hurts.</p>
{_ranking(shown)}
{more}
<h2>Communities</h2>
{"".join(_details(e) for e in shown)}
</main></body></html>
"""


class Html(ReportFormat):
    """One self-contained page for people: charts inline, nothing fetched."""

    name: ClassVar[str] = "html"
    default_limit: ClassVar[int | None] = 100

    def render(self, report: Report, *, limit: int | None) -> str:
        """The whole report as one HTML document."""
        return to_html(report, limit=limit)
