"""The report as text: a ranked terminal summary, Markdown, CSV and JSON.

Formats only turn a :class:`Report` into a string; they compute nothing, so every format shows
the same figures.
"""

from __future__ import annotations

import io

from govern.output import csv_writer, md_code, md_text
from govern.output import render as render_rows
from govern.virality.measures import GROUPS, LABELS, format_value
from govern.virality.metrics import Value
from govern.virality.report import Entry, Measure, Report

FORMATS = ("table", "markdown", "json", "csv", "html")

CSV_COLUMNS = (
    "rank", "id", "path", "name", "connector", "kind", "category", "recommendation", "viral",
    "score", *(n for names in GROUPS.values() for n in names), "inactive_days", "changes",
    "reasons",
)  # fmt: skip


def render(report: Report, fmt: str, *, limit: int | None = None) -> str:
    """The report in ``fmt`` (table, markdown, json, csv or html).

    ``limit`` caps the entries shown in the human formats (table 25, markdown 50, html 100 by
    default); JSON and CSV always carry every entry. The champions section follows the entries.
    """
    from govern.virality.people_render import append_to

    return append_to(_render(report, fmt, limit=limit), report.champions, fmt)


def _render(report: Report, fmt: str, *, limit: int | None = None) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        return to_csv(report)
    if fmt == "markdown":
        return to_markdown(report, limit=limit or 50)
    if fmt == "html":
        from govern.virality.html import to_html

        return to_html(report, limit=limit or 100)
    return to_table(report, limit=limit or 25)


def _fmt(name: str, m: Measure) -> str:
    return format_value(name, Value(m.value, m.note))


def _short(name: str, m: Measure) -> str:
    """A cell: the figure, or a dash when there is none (the note is in the details)."""
    return _fmt(name, m) if m.value is not None else "-"


def _metric(e: Entry, name: str) -> Measure:
    for group in e.metrics.values():
        if name in group:
            return group[name]
    raise KeyError(name)


def _rec(e: Entry) -> str:
    return e.recommendation.value if e.recommendation else "none"


def to_table(report: Report, *, limit: int | None = 25) -> str:
    """A ranked summary for the terminal, with the top reasons per community."""
    shown = report.entries[:limit] if limit else report.entries
    rows = [
        {
            "rank": e.rank,
            "do": _rec(e),
            "community": e.path,
            "category": e.category,
            "members": _short("members", _metric(e, "members")),
            "score": f"{e.score:.0f}" if e.score is not None else "-",
            "why": "; ".join(e.reasons[:3]),
        }
        for e in shown
    ]
    out = render_rows(
        rows,
        ["rank", "do", "community", "category", "members", "score", "why"],
        "table",
        title=f"Shadow IT as of {report.generated_at:%Y-%m-%d}",
    )
    counts = ", ".join(f"{b.count} {b.name}" for b in report.organisation.by_recommendation)
    out += f"{len(report.entries)} communities listed ({counts})"
    if limit and len(report.entries) > limit:
        out += f"; top {limit} shown, --format json or csv for all"
    out += "\n"
    for note in report.notes:
        out += f"note: {note}\n"
    return out


def to_csv(report: Report) -> str:
    """One row per entry, every component as a column (figures only; notes are in JSON)."""
    buf = io.StringIO()
    w = csv_writer(buf)  # names come from the tools: formulas are neutralised
    w.writerow(CSV_COLUMNS)
    for e in report.entries:
        row: list[object] = [
            e.rank, e.id, e.path, e.name, e.connector, e.kind, e.category, _rec(e),
            "yes" if e.viral else "no", e.score,
        ]  # fmt: skip
        for names in GROUPS.values():
            for n in names:
                v = _metric(e, n).value
                row.append("" if v is None else _number(v))
        row += [e.inactive_days if e.inactive_days is not None else "", len(e.changes),
                " | ".join(e.reasons)]  # fmt: skip
        w.writerow(row)
    return buf.getvalue()


def _number(value: float) -> int | float:
    """A count as an integer (``12``, not ``12.0``); other figures to 4 decimals."""
    return int(value) if float(value).is_integer() else round(value, 4)


def _md(text: str) -> str:
    return md_text(text)  # names come from the tools: no raw HTML, links or images


def to_markdown(report: Report, *, limit: int | None = 50) -> str:
    """The report in Markdown: summary, ranked table, then each community's evidence."""
    org = report.organisation
    shown = report.entries[:limit] if limit else report.entries
    lines = [
        f"# Shadow-IT report, {report.generated_at:%Y-%m-%d}",
        "",
        f"{org.communities:,} communities, {org.people:,} people (matched across tools by "
        f"email), {org.history_days:.0f} days of history from {org.snapshots} snapshots.",
        "",
        "| recommendation | communities |",
        "|---|---:|",
        *(f"| {b.name} | {b.count:,} |" for b in org.by_recommendation),
        "",
        "| category | communities |",
        "|---|---:|",
        *(f"| {b.name} | {b.count:,} |" for b in org.by_category),
        "",
    ]
    for note in report.notes:
        lines.append(f"> Note: {note}")
    if report.notes:
        lines.append("")
    src = report.thresholds_source or "built-in defaults"
    lines += [
        f"Thresholds from {src}: "
        + ", ".join(f"{k} {v:g}" for k, v in report.thresholds.items())
        + ".",
        "",
        "## Ranking",
        "",
        "Score: the mean percentile of reach, growth, breadth, engagement and organic spread; "
        "a component that is not measured counts as neutral (50), so missing evidence neither "
        "helps nor hurts. The components are the explanation.",
        "",
        "| # | community | category | recommendation | members | growth 30 d | departments "
        "| organic | active | score |",
        "|---:|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in shown:
        cells = [
            str(e.rank),
            f"`{md_code(e.path)}`",
            e.category,
            f"**{_rec(e)}**" + (" (viral)" if e.viral else ""),
            *(
                _short(n, _metric(e, n))
                for n in ("members", "growth_30d", "departments", "organic_share", "active_ratio")
            ),
            f"{e.score:.0f}" if e.score is not None else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(report.entries) > len(shown):
        lines += ["", f"{len(report.entries) - len(shown):,} more in the JSON and CSV outputs."]
    for e in shown:
        lines += ["", f"## {e.rank}. {_md(e.name)}: {_rec(e)}", ""]
        lines.append(f"`{md_code(e.path, table=False)}` ({e.kind}, {e.origin.value}, {e.category})")
        lines += ["", "Why:", ""] + [f"- {_md(r)}" for r in e.reasons]
        lines += ["", "| component | value | percentile |", "|---|---|---:|"]
        for group, measures in e.metrics.items():
            for n, m in measures.items():
                pct = f"{m.percentile:.0f}" if m.percentile is not None else ""
                label = f"{group}: {LABELS.get(n, n)}"
                lines.append(f"| {label} | {_md(_fmt(n, m))} | {pct} |")
        if e.departments:
            mix = ", ".join(f"{_md(s.department)} {s.members}" for s in e.departments[:8])
            more = len(e.departments) - 8
            lines += ["", f"Departments: {mix}" + (f", and {more} more" if more > 0 else "")]
        if e.owners:
            lines += ["", "Owners: " + ", ".join(_md(o) for o in e.owners)]
        if e.migration:
            mg = e.migration
            share = f"{mg.matched_share:.0%}" if mg.matched_share is not None else "n/a"
            lines += [
                "",
                f"Migrate to {_md(mg.target)}: {mg.matched} of {mg.members} members ({share}) "
                f"matched in {mg.target_connector}; move {_md(', '.join(mg.to_move))}.",
            ] + ([f"Plan it: `{mg.next_command}`"] if mg.next_command else [])
        if e.changes:
            lines += ["", "Changes:", ""]
            for ch in e.changes:
                who = f" {_md(ch.principal_id)}" if ch.principal_id else ""
                role = f" as {ch.role.value}" if ch.role else ""
                val = f" '{_md(ch.value)}'" if ch.value else ""
                lines.append(
                    f"- `{ch.action.value}`{who}{role}{val} ({ch.rule_id}): {_md(ch.reason)}"
                )
        if e.open_items:
            lines += ["", "For a person to decide:", ""] + [f"- {_md(t)}" for t in e.open_items]
        if e.decision:
            lines += ["", f"Lifecycle decision: `{e.decision.state.value}`."]
    return "\n".join(lines) + "\n"
