"""The report in Markdown: summary, ranked table, then each community's evidence."""

from __future__ import annotations

from typing import ClassVar

from govern.model import Change
from govern.output import md_code, md_text
from govern.virality.formats.cells import figure, metric, recommendation, short
from govern.virality.formats.interface import ReportFormat
from govern.virality.measures import LABELS
from govern.virality.report import Entry, Migration, Report


def _md(text: str) -> str:
    return md_text(text)  # names come from the tools: no raw HTML, links or images


def to_markdown(report: Report, *, limit: int | None = 50) -> str:
    """The report in Markdown: summary, ranked table, then each community's evidence."""
    shown = report.entries[:limit] if limit else report.entries
    lines = _header(report) + _notes(report) + _ranking(report, shown)
    for e in shown:
        lines += _details(e)
    return "\n".join(lines) + "\n"


def _header(report: Report) -> list[str]:
    """The title and the organisation: its size, history and the counts per bucket."""
    org = report.organisation
    return [
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


def _notes(report: Report) -> list[str]:
    """The report's notes as quotes, followed by a blank line when there are any."""
    lines = [f"> Note: {note}" for note in report.notes]
    return lines + [""] if lines else lines


def _ranking(report: Report, shown: list[Entry]) -> list[str]:
    """The thresholds, how the score is made, the ranking table and what it left out."""
    src = report.thresholds_source or "built-in defaults"
    lines = [
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
    lines += [_ranking_row(e) for e in shown]
    if len(report.entries) > len(shown):
        lines += ["", f"{len(report.entries) - len(shown):,} more in the JSON and CSV outputs."]
    return lines


def _ranking_row(e: Entry) -> str:
    """One community's row of the ranking table."""
    cells = [
        str(e.rank),
        f"`{md_code(e.path)}`",
        e.category,
        f"**{recommendation(e)}**" + (" (viral)" if e.viral else ""),
        *(
            short(n, metric(e, n))
            for n in ("members", "growth_30d", "departments", "organic_share", "active_ratio")
        ),
        f"{e.score:.0f}" if e.score is not None else "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _details(e: Entry) -> list[str]:
    """One community's section: where it is, why, its measures and what follows from them."""
    lines = ["", f"## {e.rank}. {_md(e.name)}: {recommendation(e)}", ""]
    lines.append(f"`{md_code(e.path, table=False)}` ({e.kind}, {e.origin.value}, {e.category})")
    lines += ["", "Why:", ""] + [f"- {_md(r)}" for r in e.reasons]
    lines += _components(e)
    if e.departments:
        mix = ", ".join(f"{_md(s.department)} {s.members}" for s in e.departments[:8])
        more = len(e.departments) - 8
        lines += ["", f"Departments: {mix}" + (f", and {more} more" if more > 0 else "")]
    if e.owners:
        lines += ["", "Owners: " + ", ".join(_md(o) for o in e.owners)]
    if e.migration:
        lines += _migration(e.migration)
    if e.changes:
        lines += ["", "Changes:", ""] + [_change(e, ch) for ch in e.changes]
    if e.open_items:
        lines += ["", "For a person to decide:", ""] + [f"- {_md(t)}" for t in e.open_items]
    if e.decision:
        lines += ["", f"Lifecycle decision: `{e.decision.state.value}`."]
    return lines


def _components(e: Entry) -> list[str]:
    """The table of every measure behind the score, with its percentile when ranked."""
    lines = ["", "| component | value | percentile |", "|---|---|---:|"]
    for group, measures in e.metrics.items():
        for n, m in measures.items():
            pct = f"{m.percentile:.0f}" if m.percentile is not None else ""
            label = f"{group}: {LABELS.get(n, n)}"
            lines.append(f"| {label} | {_md(figure(n, m))} | {pct} |")
    return lines


def _migration(mg: Migration) -> list[str]:
    """Where the community would move, how many members are matched there, and the command."""
    share = f"{mg.matched_share:.0%}" if mg.matched_share is not None else "n/a"
    lines = [
        "",
        f"Migrate to {_md(mg.target)}: {mg.matched} of {mg.members} members ({share}) "
        f"matched in {mg.target_connector}; move {_md(', '.join(mg.to_move))}.",
    ]
    if mg.next_command:  # a path may hold backticks: md_code keeps the span whole
        lines.append(f"Plan it: `{md_code(mg.next_command, table=False)}`")
    return lines


def _change(e: Entry, ch: Change) -> str:
    """One change as a list item: the action, whom it concerns, the rule and why."""
    who = f" {_md(e.people.get(ch.principal_id, ch.principal_id))}" if ch.principal_id else ""
    role = f" as {ch.role.value}" if ch.role else ""
    val = f" '{_md(ch.value)}'" if ch.value else ""
    return f"- `{ch.action.value}`{who}{role}{val} ({ch.rule_id}): {_md(ch.reason)}"


class Markdown(ReportFormat):
    """For pull requests, tickets and wikis."""

    name: ClassVar[str] = "markdown"
    default_limit: ClassVar[int | None] = 50

    def render(self, report: Report, *, limit: int | None) -> str:
        """The report in Markdown."""
        return to_markdown(report, limit=limit)
